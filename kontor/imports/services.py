"""Writes of imports: take an uploaded file, run it in batches (on the
worker or from the shell), save a mapping.

Every row goes through the contacts services (``contacts_create_many`` for
new rows, ``contact_update`` for matched ones; the same for organizations),
so it is normalized, validated, audited and announced like a record typed
into the UI. A row the services refuse is kept with the reason; the others
are written. Each batch commits together with its record (``ImportBatch``),
``rows_done`` and the counts: killed halfway, the import goes on with the
rows no committed batch covers. A large file's batches run in other
processes where no batch depends on another (``_in_processes``)."""

import csv
import io
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.policy import may_use_level
from kontor.access.rights import Action
from kontor.audit.models import AuditAction, AuditEntry
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact, ContactSearch, EmailAddress, Organization, PhoneNumber
from kontor.contacts.normalization import (
    InvalidContactPoint,
    domain_from_website,
    normalize_email,
    normalize_phone,
    phones_read_once,
)
from kontor.contacts.selectors import visible_contacts, visible_organizations
from kontor.contacts.services import (
    contact_update,
    contacts_create_many,
    organization_create,
    organization_update,
    organizations_create_many,
)
from kontor.core.bulk_insert import analyze
from kontor.core.exceptions import FieldErrors, PermissionDenied, ServiceError
from kontor.core.processes import run
from kontor.customfields.selectors import definitions_for, definitions_read_once
from kontor.events.models import OutboxEvent
from kontor.exports.formats import BOM, FILE_CHUNK, neutralized
from kontor.imports import mapping as mappings
from kontor.imports import readers
from kontor.imports.models import (
    Import,
    ImportBatch,
    ImportMapping,
    ImportRejectedRow,
    ImportStatus,
    ImportType,
    UpdateBy,
)
from kontor.sources.models import ExternalRecord

User = AbstractBaseUser | AnonymousUser

BATCH_SIZE = 1000
# A file of at least PARALLEL_FROM batches is imported by PROCESSES other
# processes (where it may be: ``_in_processes``), each handed up to AHEAD
# batches ahead.
PROCESSES = 2
PARALLEL_FROM = 8
AHEAD = 2
# What the other processes run for a batch: (module, function).
IN_OTHER_PROCESS = (__name__, "run_batch_elsewhere")
# The peak resident memory (MB) of the other processes of the last import
# this process ran in them (``kontor bench --import`` reports it).
other_processes_peak_mb: float | None = None
IMPORT_SOURCE = "import"
# An import of this many rows brings the planner's statistics of the tables
# it wrote up to date (``_analyze_written``).
ANALYZE_FROM = 10_000
MAX_REASON = 2000


def require_create(actor: User, record_type: str) -> None:
    if not may_use_level(actor, mappings.OBJECT_TYPE[record_type], Action.CREATE):
        raise PermissionDenied(_("You may not create records of this kind."))


def _opener(data_import: Import) -> readers.Opener:
    def open_file() -> IO[bytes]:
        return data_import.file.storage.open(data_import.file.name, "rb")

    return open_file


def _check_options(record_type: Any, update_by: Any) -> None:
    errors = {}
    if record_type not in ImportType.values:
        errors["type"] = [f"must be one of: {', '.join(ImportType.values)}"]
    if update_by not in UpdateBy.values:
        errors["update_by"] = [f"must be one of: {', '.join(v for v in UpdateBy.values if v)}"]
    if errors:
        raise FieldErrors(errors)


def import_create(
    *,
    actor: User,
    upload: IO[bytes],
    filename: str,
    record_type: str,
    columns: Mapping[str, Any] | None = None,
    update_by: str = "",
    dry_run: bool = False,
) -> Import:
    """Keep the file and read its shape (422 when it cannot be read as a
    table); the mapping is completed with guesses for the columns it does
    not name. The import waits to be started (``import_start``)."""
    _check_options(record_type, update_by or "")
    require_create(actor, record_type)
    data_import = Import(
        created_by=actor,
        record_type=record_type,
        filename=os.path.basename(filename or "import")[:255] or "import",
        update_by=update_by or "",
        dry_run=dry_run,
    )
    data_import.file.save(data_import.filename, File(upload), save=False)
    try:
        shape = readers.inspect(_opener(data_import), data_import.filename)
        errors = mappings.check(record_type, shape.headers, columns or {})
        if errors:
            raise FieldErrors(errors)
    except readers.Unreadable as exc:
        data_import.file.delete(save=False)
        raise FieldErrors.single("file", str(exc)) from exc
    except FieldErrors:
        data_import.file.delete(save=False)
        raise
    data_import.file_format = shape.file_format
    data_import.encoding = shape.encoding
    data_import.delimiter = shape.delimiter
    data_import.headers = shape.headers
    data_import.mapping = mappings.complete(record_type, shape.headers, columns or {})
    with transaction.atomic():
        data_import.save()
        audit_record(actor=actor, action=AuditAction.CREATE, record=data_import,
                     changes={"file": [None, data_import.filename],
                              "type": [None, record_type], "dry_run": [None, dry_run]})  # fmt: skip
    return data_import


def import_set_mapping(
    *, actor: User, data_import: Import, columns: Mapping[str, Any], update_by: str, dry_run: bool
) -> Import:
    """Change the mapping and options of an import that has not started."""
    if data_import.created_by_id != actor.pk:
        raise PermissionDenied(_("Only who uploaded the file may change its import."))
    if data_import.queued_at is not None:
        raise FieldErrors.single("__all__", _("This import has started already."))
    _check_options(data_import.record_type, update_by or "")
    errors = mappings.check(data_import.record_type, data_import.headers, columns)
    if errors:
        raise FieldErrors(errors)
    data_import.mapping = mappings.complete(data_import.record_type, data_import.headers, columns)
    data_import.update_by = update_by or ""
    data_import.dry_run = dry_run
    data_import.save(update_fields=["mapping", "update_by", "dry_run", "updated_at"])
    return data_import


def preview(data_import: Import, limit: int = 5) -> list[list[str]]:
    """The first rows as text, for the mapping page."""
    rows = []
    try:
        for row in readers.rows(_opener(data_import), _shape(data_import)):
            rows.append([mappings.text_of(cell) for cell in row[: len(data_import.headers)]])
            if len(rows) >= limit:
                break
    except readers.Unreadable:
        pass
    return rows


def _shape(data_import: Import) -> readers.FileShape:
    return readers.FileShape(
        data_import.file_format, data_import.encoding, data_import.delimiter, data_import.headers
    )


# Running -----------------------------------------------------------------------


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[ImportRejectedRow] = field(default_factory=list)


class _DryRun(Exception):
    """Rolls a dry run's batch back after it was written."""


class _Batch:
    """One batch of rows, written inside one transaction."""

    def __init__(self, runner: "_Runner") -> None:
        self.runner = runner
        self.data_import = runner.data_import
        self.actor = runner.actor
        self.counts = _Counts()
        self.pending: list[tuple[int, list[Any], mappings.RowData]] = []
        self.pending_keys: set[str] = set()

    @property
    def contacts(self) -> bool:
        return self.data_import.record_type == ImportType.CONTACTS

    def reject(self, number: int, row: list[Any], reason: str) -> None:
        self.counts.rejected.append(
            ImportRejectedRow(
                data_import=self.data_import,
                row_number=number,
                values=[mappings.text_of(cell) for cell in row],
                reason=reason[:MAX_REASON],
            )
        )

    def reason(self, exc: ServiceError, parsed: mappings.RowData) -> str:
        if not isinstance(exc, FieldErrors):
            return str(exc)
        parts = []
        for name, reasons in exc.errors.items():
            point = name.split(".")[0]
            column = parsed.sources.get(point) or next(
                (h for h, t in self.data_import.mapping.items() if t == name), None
            )
            label = f"{column} ({name})" if column and name != "__all__" else name
            parts.append(f"{label}: {', '.join(str(r) for r in reasons)}")
        return "; ".join(parts)

    def parse(self, row: list[Any]) -> mappings.RowData:
        return mappings.row_data(
            self.data_import.record_type,
            self.data_import.headers,
            self.data_import.mapping,
            row,
            self.runner.definitions,
        )

    def add(self, number: int, row: list[Any], parsed: mappings.RowData) -> None:
        if parsed.errors:
            self.reject(number, row, self.reason(FieldErrors(parsed.errors), parsed))
            return
        try:
            if self.contacts and parsed.organization:
                parsed.data["organization_id"] = str(
                    self.runner.organization_for(parsed.organization)
                )
            key = self.match_key(parsed)
            if key and key in self.pending_keys:
                self.flush()  # a row earlier in this batch makes the record it updates
            existing = self.runner.find(key) if key else None
            if existing is None:
                self.pending.append((number, row, parsed))
                if key:
                    self.pending_keys.add(key)
                return
            self.update(existing, parsed)
        except ServiceError as exc:
            self.reject(number, row, self.reason(exc, parsed))

    def match_key(self, parsed: mappings.RowData) -> str:
        mode = self.data_import.update_by
        data = parsed.data
        try:
            if mode == UpdateBy.EMAIL and data.get("emails"):
                return "email:" + normalize_email(data["emails"][0]["address"]).normalized
            if mode == UpdateBy.PHONE and data.get("phones"):
                return "phone:" + normalize_phone(data["phones"][0]["number"]).e164
        except InvalidContactPoint:
            return ""  # the services name the problem
        if mode == UpdateBy.EXTERNAL_ID and parsed.external_id:
            return "external_id:" + parsed.external_id
        return ""

    def update(self, record: Contact | Organization, parsed: mappings.RowData) -> None:
        data = dict(parsed.data)
        emails = [{"address": e.address, "label": e.label} for e in record.emails.all()]
        known = {e.normalized for e in record.emails.all()}
        for item in data.get("emails", []):
            try:
                normalized = normalize_email(item["address"]).normalized
            except InvalidContactPoint:
                normalized = None
            if normalized not in known:
                emails.append(item)
        phones = [{"number": p.raw, "label": p.label} for p in record.phones.all()]
        numbers = {p.e164 for p in record.phones.all()}
        for item in data.get("phones", []):
            try:
                e164 = normalize_phone(item["number"]).e164
            except InvalidContactPoint:
                e164 = None
            if e164 not in numbers:
                phones.append(item)
        if "emails" in data:
            data["emails"] = emails
        if "phones" in data:
            data["phones"] = phones
        if "tags" in data:
            data["tags"] = [t.name for t in record.tags.all()] + data["tags"]
        version = record.version
        with transaction.atomic():
            if isinstance(record, Contact):
                record = contact_update(actor=self.actor, contact=record, data=data)
            else:
                record = organization_update(actor=self.actor, organization=record, data=data)
        if record.version != version:
            self.counts.updated += 1
        else:
            self.counts.unchanged += 1
        self.runner.remember_external_id(record, parsed.external_id)

    def flush(self) -> None:
        if not self.pending:
            return
        create_many = contacts_create_many if self.contacts else organizations_create_many
        outcomes = create_many(
            actor=self.actor, rows=[parsed.data for _n, _r, parsed in self.pending]
        )
        for (number, row, parsed), outcome in zip(self.pending, outcomes, strict=True):
            if isinstance(outcome, ServiceError):
                self.reject(number, row, self.reason(outcome, parsed))
            else:
                self.counts.created += 1
                self.runner.remember_external_id(outcome, parsed.external_id)
        self.pending = []
        self.pending_keys = set()


class _Runner:
    def __init__(self, data_import: Import) -> None:
        self.data_import = data_import
        self.actor = data_import.created_by
        object_type = mappings.OBJECT_TYPE[data_import.record_type]
        self.object_type = object_type
        self.definitions = {d.key: d for d in definitions_for(object_type)}
        self.organizations: dict[tuple[str, str], Any] = {}

    def visible(self) -> Any:
        if self.data_import.record_type == ImportType.CONTACTS:
            return visible_contacts(self.actor)
        return visible_organizations(self.actor)

    def find(self, key: str) -> Contact | Organization | None:
        kind, _colon, value = key.partition(":")
        records = self.visible().prefetch_related("emails", "phones", "tags")
        if kind == "email":
            records = records.filter(emails__normalized=value)
        elif kind == "phone":
            records = records.filter(phones__e164=value)
        else:
            ids = ExternalRecord.objects.filter(
                record_type=self.object_type, external_id=value
            ).values_list("record_id", flat=True)
            records = records.filter(pk__in=list(ids))
        return records.order_by("created_at", "id").first()

    def remember_external_id(self, record: Any, external_id: str) -> None:
        if not external_id or self.data_import.dry_run:
            return
        ExternalRecord.objects.get_or_create(
            source=IMPORT_SOURCE,
            record_type=self.object_type,
            external_id=external_id[:200],
            defaults={"record_id": str(record.pk), "fields": [], "digest": ""},
        )

    def find_organizations_by_name(self, names: Iterable[str]) -> None:
        """Look up the organizations a batch names by name (in the file's
        order) in two queries (every spelling through the index, then the
        others whatever their case), not one query per row. The second
        compares each organization's upper-cased name with the set of the
        others once (``IN``), not with each of them in turn (an ``OR`` of
        ``iexact``: a hundred comparisons per organization read). SQLite
        upper-cases only ASCII letters, so there an organization is found
        whatever the case of its umlauts only by a spelling of the batch;
        one that is missing is made with the first spelling."""
        spellings: dict[str, list[str]] = {}
        for name in names:
            if ("name", key := name.casefold()) not in self.organizations:
                spellings.setdefault(key, []).append(name)
        if not spellings:
            return
        wanted = {key: spelled[0] for key, spelled in spellings.items()}
        organizations = visible_organizations(self.actor).order_by("-created_at", "-id")
        found: dict[str, Any] = {}
        every_spelling = [name for spelled in spellings.values() for name in spelled]
        for pk, name in organizations.filter(name__in=every_spelling).values_list("pk", "name"):
            found[name.casefold()] = pk  # the oldest wins: it comes last
        rest = [name for key, name in wanted.items() if key not in found]
        if rest:
            others = organizations.alias(upper_name=Upper("name")).filter(
                upper_name__in=[Upper(Value(name)) for name in rest]
            )
            for pk, name in others.values_list("pk", "name"):
                found[name.casefold()] = pk
        missing = [name for key, name in wanted.items() if key not in found]
        if missing and may_use_level(self.actor, "organization", Action.CREATE):
            # Made together: a few INSERTs for the batch (with audit and events).
            made = organizations_create_many(actor=self.actor, rows=[{"name": n} for n in missing])
            for name, outcome in zip(missing, made, strict=True):
                if isinstance(outcome, Organization):
                    found[name.casefold()] = outcome.pk
        for key in wanted:
            self.organizations[("name", key)] = found.get(key)  # None: made one by one

    def organization_for(self, named: Mapping[str, str]) -> Any:
        """The organization a contact row names (by external id, domain or
        name); one named by name only is made when it does not exist."""
        by, value = next((k, named[k]) for k in ("external_id", "domain", "name") if k in named)
        cache_key = (by, value.casefold())
        if self.organizations.get(cache_key) is not None:
            return self.organizations[cache_key]
        organizations = visible_organizations(self.actor).order_by("created_at", "id")
        found = None
        if cache_key in self.organizations:
            pass  # looked up with the batch's other names: there is none
        elif by == "external_id":
            ids = ExternalRecord.objects.filter(
                record_type="organization", external_id=value
            ).values_list("record_id", flat=True)
            found = organizations.filter(pk__in=list(ids)).first()
        elif by == "domain":
            found = organizations.filter(domain=domain_from_website(value)).first()
        else:
            found = organizations.filter(name__iexact=value).first()
        if found is None and by == "name":
            found = organization_create(actor=self.actor, data={"name": value})
        if found is None:
            field_name = f"organization_{by}"
            raise FieldErrors.single(
                field_name, f"no organization with {by.replace('_', ' ')} {value!r}"
            )
        self.organizations[cache_key] = found.pk
        return found.pk


def _analyze_written(data_import: Import) -> None:
    """Fresh planner statistics of the tables a large import filled, before
    it is reported done. The lists, searches and quality and duplicate
    checks that follow read them, and planned for the tables' earlier size
    their queries read whole tables (after a million rows into an empty
    database: the phone numbers of 500 contacts by a scan of two million,
    400 ms instead of 5) until autovacuum comes round, or never where it
    is switched off."""
    if data_import.dry_run or data_import.rows_done < ANALYZE_FROM:
        return
    written = [Organization, EmailAddress, PhoneNumber, ExternalRecord, AuditEntry, OutboxEvent]
    if data_import.record_type == ImportType.CONTACTS:
        written += [Contact, ContactSearch]
    analyze(written)


def _batches(data_import: Import) -> Iterator[list[tuple[int, list[Any]]]]:
    """The rows no written batch covers, in batches of consecutive rows."""
    done = list(
        ImportBatch.objects.filter(data_import=data_import)
        .order_by("first_row")
        .values_list("first_row", "last_row")
    )
    # Rows an import begun before batches were recorded wrote (the first ones).
    rows_done = Import.objects.values_list("rows_done", flat=True).get(pk=data_import.pk)
    written_before = rows_done - sum(last - first + 1 for first, last in done)
    batch: list[tuple[int, list[Any]]] = []
    covering = 0
    for number, row in enumerate(readers.rows(_opener(data_import), _shape(data_import)), start=1):
        while covering < len(done) and done[covering][1] < number:
            covering += 1
        if number <= written_before or (covering < len(done) and done[covering][0] <= number):
            if batch:
                yield batch
                batch = []
            continue
        batch.append((number, row))
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _run_batch(runner: _Runner, rows: list[tuple[int, list[Any]]]) -> None:
    """Write a batch of rows in one transaction, with its record: a batch
    another process wrote meanwhile is refused by the record's constraint
    (waiting for that process's commit) before anything is written."""
    data_import = runner.data_import
    batch = _Batch(runner)
    with transaction.atomic(), definitions_read_once(), phones_read_once():
        ImportBatch.objects.create(
            data_import_id=data_import.pk, first_row=rows[0][0], last_row=rows[-1][0]
        )
        try:
            with transaction.atomic():
                parsed = [(number, row, batch.parse(row)) for number, row in rows]
                if batch.contacts:
                    runner.find_organizations_by_name(
                        dict.fromkeys(
                            p.organization["name"]
                            for _n, _r, p in parsed
                            if "name" in p.organization
                        )
                    )
                for number, row, data in parsed:
                    batch.add(number, row, data)
                batch.flush()
                if data_import.dry_run:
                    raise _DryRun
        except _DryRun:
            runner.organizations.clear()  # the dry run's organizations are gone
        counts = batch.counts
        ImportRejectedRow.objects.bulk_create(counts.rejected)
        Import.objects.filter(pk=data_import.pk).update(
            rows_done=F("rows_done") + len(rows),
            created=F("created") + counts.created,
            updated=F("updated") + counts.updated,
            unchanged=F("unchanged") + counts.unchanged,
            rejected=F("rejected") + len(counts.rejected),
            updated_at=timezone.now(),
        )
    data_import.rows_done += len(rows)


# Each other process keeps its runner (the organizations it looked up) from
# one batch to the next of the same import.
_RUNNERS: dict[str, _Runner] = {}


def run_batch_elsewhere(import_id: str, rows: list[tuple[int, list[Any]]]) -> int:
    """``_run_batch`` in another process (``_run_in_processes``); returns
    the number of rows."""
    runner = _RUNNERS.get(import_id)
    if runner is None:
        _RUNNERS.clear()
        data_import = Import.objects.select_related("created_by").get(pk=import_id)
        runner = _RUNNERS[import_id] = _Runner(data_import)
    _run_batch(runner, rows)
    return len(rows)


def _in_processes(data_import: Import, processes: int | None) -> int:
    """How many processes run the import's batches: more than one only on
    PostgreSQL, outside a transaction (the others would not see the
    import), for a file of at least PARALLEL_FROM batches (starting a
    process costs a few seconds) and when no batch depends on another:
    records are only created (an update mode finds records an earlier
    batch made), and written (a dry run makes organizations per batch)."""
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or data_import.dry_run
        or data_import.update_by
    ):
        return 1
    if processes is None:
        big = (data_import.rows_total or 0) >= PARALLEL_FROM * BATCH_SIZE
        processes = PROCESSES if big else 1
    return max(1, processes)


def _make_named_organizations(runner: _Runner) -> None:
    """The first pass of a contacts import in many processes: the
    organizations the file names by name are looked up, and made when
    missing, before any batch runs, so that two batches naming the same
    new organization at once do not both make it."""
    data_import = runner.data_import

    def make(names: dict[str, str]) -> None:
        with transaction.atomic(), definitions_read_once():
            runner.find_organizations_by_name(names.values())

    names: dict[str, str] = {}
    for batch in _batches(data_import):
        for _number, row in batch:
            named = mappings.row_data(
                data_import.record_type, data_import.headers, data_import.mapping, row,
                runner.definitions,
            ).organization  # fmt: skip
            if "name" in named:
                names.setdefault(named["name"].casefold(), named["name"])
        if len(names) >= BATCH_SIZE:
            make(names)
            names = {}
    if names:
        make(names)


def _run_in_processes(
    runner: _Runner,
    processes: int,
    batch_limit: int | None,
    progress: Callable[[int, int | None], None] | None,
) -> None:
    """Hand the batches to ``processes`` other processes ("spawn", each
    with its own connection), a few ahead of each, while this one reads
    the file (memory follows the batches in flight, not the file)."""
    global other_processes_peak_mb
    other_processes_peak_mb = None
    data_import = runner.data_import
    if data_import.record_type == ImportType.CONTACTS:
        _make_named_organizations(runner)
    database = connection.settings_dict["NAME"]
    limits = {"BATCH_SIZE": BATCH_SIZE}
    context = multiprocessing.get_context("spawn")

    def collect(finished: Iterable[Future]) -> None:
        global other_processes_peak_mb
        for future in finished:
            rows, peak_mb = future.result()
            data_import.rows_done += rows
            other_processes_peak_mb = max(other_processes_peak_mb or 0.0, peak_mb)
            if progress:
                progress(data_import.rows_done, data_import.rows_total)

    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        pending: set[Future] = set()
        for handed, rows in enumerate(_batches(data_import), start=1):
            pending.add(
                pool.submit(run, database, limits, *IN_OTHER_PROCESS, str(data_import.pk), rows)
            )
            if len(pending) >= AHEAD * processes:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(finished)
            if batch_limit is not None and handed >= batch_limit:
                break
        collect(as_completed(pending))


def import_run(
    data_import: Import,
    *,
    batch_limit: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    processes: int | None = None,
) -> Import:
    """Run (or go on with) an import as the user who started it. With
    ``batch_limit``, stop after that many batches (the import stays
    running, to be resumed). ``processes``: how many other processes run
    the batches where they may (``_in_processes``; by default PROCESSES
    for a large file, else this one)."""
    if data_import.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return data_import
    opener, shape = _opener(data_import), _shape(data_import)
    try:
        if data_import.rows_total is None:
            data_import.rows_total = readers.count_rows(opener, shape)
        data_import.status = ImportStatus.RUNNING
        data_import.save(update_fields=["rows_total", "status", "updated_at"])
        runner = _Runner(data_import)
        if progress:
            progress(data_import.rows_done, data_import.rows_total)
        if (count := _in_processes(data_import, processes)) > 1:
            _run_in_processes(runner, count, batch_limit, progress)
            data_import.refresh_from_db()
            if batch_limit is not None:
                return data_import
        else:
            for done, rows in enumerate(_batches(data_import), start=1):
                _run_batch(runner, rows)
                if progress:
                    progress(data_import.rows_done, data_import.rows_total)
                if batch_limit is not None and done >= batch_limit:
                    data_import.refresh_from_db()
                    return data_import
    except readers.Unreadable as exc:
        return _finish(data_import, status=ImportStatus.FAILED, error=str(exc)[:500])
    _analyze_written(data_import)
    return _finish(data_import, status=ImportStatus.DONE, rows_total=data_import.rows_done)


def _finish(data_import: Import, **values: Any) -> Import:
    """Record the end, and delete the uploaded file: the rows it holds are
    imported or kept as rejected rows, and personal data is not kept twice."""
    Import.objects.filter(pk=data_import.pk).update(finished_at=timezone.now(), file="", **values)
    if data_import.file.name:
        data_import.file.storage.delete(data_import.file.name)
    data_import.refresh_from_db()
    return data_import


# Error report and mappings ---------------------------------------------------------


def error_rows(data_import: Import) -> Iterator[list[str]]:
    """The error report: the header, then each rejected row with its reason."""
    yield [*data_import.headers, "reason"]
    rows = ImportRejectedRow.objects.filter(data_import=data_import).order_by("row_number")
    for rejected in rows.iterator(chunk_size=2000):
        values = list(rejected.values) + [""] * (len(data_import.headers) - len(rejected.values))
        yield [*values, rejected.reason]


def mapping_save(*, actor: User, data_import: Import, name: str) -> ImportMapping:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise FieldErrors.single("mapping_name", _("Give a name of at most 100 characters."))
    saved, _created = ImportMapping.objects.update_or_create(
        owner=actor,
        record_type=data_import.record_type,
        name=name,
        defaults={"columns": data_import.mapping},
    )
    return saved


def error_report_chunks(data_import: Import) -> Iterator[bytes]:
    """The error report as CSV (UTF-8 with a byte order mark, the delimiter
    of the file imported), streamed; cells a spreadsheet would run as
    formulas are neutralized as in exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=data_import.delimiter or ",", lineterminator="\r\n")
    buffer.write(BOM)
    for number, row in enumerate(error_rows(data_import)):
        writer.writerow([neutralized(cell) if number else cell for cell in row])
        if buffer.tell() >= FILE_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def error_report_filename(data_import: Import) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.splitext(data_import.filename)[0])
    return f"{stem.strip('._') or 'import'}-errors.csv"
