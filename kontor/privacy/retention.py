"""Retention rules (GDPR Art. 5(1)(e)): how long records of a type are
kept, and the daily run that erases what has expired.

A rule names a record type of the registry (kontor.core.records) whose
``retention`` says how its records expire, optionally one of its
categories, and a period in months. The run (the ``privacy.retention``
schedule, daily on the worker):

1. erases, rule by rule, the records the rule's preview shows: a person
   through the person erasure (kontor.privacy.erasure: every store, with a
   report of what the law keeps), any other record through its type's own
   service;
2. erases the records an earlier erasure kept by law (a request's report,
   or a run's) once their ``until`` has passed;
3. keeps the report as a ``RetentionRun`` and tells the data protection
   officers (a notification) when anything was erased or failed.

The report names erased records by type and id only: it is no copy of
what was erased. This module names no domain."""

import datetime
import logging
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from kontor.core.notices import notify
from kontor.core.records import RecordType, is_registered, record_type, record_types
from kontor.privacy.deadlines import add_months
from kontor.privacy.erasure import erase_person, forget_records
from kontor.privacy.models import DataSubjectRequest, RetentionRule, RetentionRun
from kontor.privacy.subjects import person_type

logger = logging.getLogger(__name__)
SAMPLE_SIZE = 20
BATCH = 200


def retention_types() -> list[RecordType]:
    """The record types retention rules may name."""
    return [kind for kind in record_types() if kind.retention is not None]


def cutoff_for(rule: RetentionRule, today: datetime.date) -> datetime.date:
    return add_months(today, -rule.months)


def expired(rule: RetentionRule, today: datetime.date) -> QuerySet:
    """The records ``rule`` erases on ``today``."""
    kind = record_type(rule.record_type)
    spec = kind.retention
    if spec is None:
        raise LookupError(f"{kind.key} has no retention")
    records = import_string(spec.expired)(cutoff_for(rule, today))
    if rule.category and spec.category_field:
        records = records.filter(**{spec.category_field: rule.category})
    return records


def preview(rule: RetentionRule, *, today: datetime.date | None = None) -> dict[str, Any]:
    """What the rule would erase today: how many records, and the first of them."""
    today = today or timezone.localdate()
    records = expired(rule, today)
    return {
        "rule_id": rule.pk,
        "cutoff": cutoff_for(rule, today),
        "count": records.count(),
        "sample": [{"id": str(record.pk), "name": str(record)} for record in records[:SAMPLE_SIZE]],
    }


def _batches(records: QuerySet) -> Iterator[list]:
    """The records in batches, each read again after the one before went."""
    ids = list(records.values_list("pk", flat=True))
    model = records.model
    for start in range(0, len(ids), BATCH):
        yield list(model._default_manager.filter(pk__in=ids[start : start + BATCH]))


def _erase_documents(kind: RecordType, actor: Any, documents: list) -> list[str]:
    erase = import_string(kind.retention.erase)  # type: ignore[union-attr]
    with transaction.atomic():
        ids = [str(pk) for pk in erase(actor=actor, documents=documents)]
        forget_records({kind.model_class()._meta.label: set(ids)})
    return ids


def _run_rule(rule: RetentionRule, today: datetime.date, kept: list) -> dict[str, Any]:
    kind = record_type(rule.record_type)
    person = kind.key == person_type().key
    erased: list[str] = []
    failed = 0
    for batch in _batches(expired(rule, today)):
        if not person:
            erased += _erase_documents(kind, None, batch)
            continue
        for record in batch:
            try:
                erasure = erase_person(
                    actor=None, person=record, cause={"retention_rule": str(rule.pk)}
                )
            except Exception:
                # One person's failure stops no other: the next run tries again.
                logger.exception("retention rule %s could not erase %s", rule.pk, record.pk)
                failed += 1
                continue
            erased.append(str(record.pk))
            kept += erasure.kept
    return {
        "rule": str(rule.pk),
        "record_type": rule.record_type,
        "category": rule.category,
        "months": rule.months,
        "cutoff": cutoff_for(rule, today).isoformat(),
        "erased": len(erased),
        "ids": erased,
        "failed": failed,
    }


def _kept_items() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record an erasure kept by law, with the request or run that kept it."""
    for request in DataSubjectRequest.objects.filter(erasure_report__isnull=False).only(
        "id", "erasure_report"
    ):
        for item in (request.erasure_report or {}).get("kept", []):
            yield f"request:{request.pk}", item
    for run in RetentionRun.objects.only("id", "report"):
        for item in (run.report or {}).get("kept", []):
            yield f"retention_run:{run.pk}", item


def _erase_kept(today: datetime.date) -> list[dict[str, Any]]:
    """The kept records whose ``until`` has passed, erased."""
    done = []
    for source, item in _kept_items():
        key, record_id = item.get("type", ""), item.get("id", "")
        until = datetime.date.fromisoformat(item["until"])
        if not key or not is_registered(key) or until >= today:
            continue
        kind = record_type(key)
        if kind.retention is None or not kind.retention.erase:
            continue
        record = kind.model_class()._default_manager.filter(pk=record_id).first()
        if record is None:
            continue  # erased before (a rule on its type, an earlier run)
        _erase_documents(kind, None, [record])
        done.append(
            {"source": source, "type": key, "id": record_id, "until": item["until"], "erased": True}
        )
    return done


def run_retention(*, today: datetime.date | None = None) -> RetentionRun:
    """Erase what every enabled rule and every kept record's period lets go."""
    today = today or timezone.localdate()
    kept: list[dict[str, Any]] = []
    rules = [
        _run_rule(rule, today, kept)
        for rule in RetentionRule.objects.filter(enabled=True).order_by("record_type", "category")
        if is_registered(rule.record_type)
    ]
    expired_kept = _erase_kept(today)
    erased = sum(item["erased"] for item in rules) + len(expired_kept)
    failed = sum(item["failed"] for item in rules)
    run = RetentionRun.objects.create(
        ran_on=today,
        finished_at=timezone.now(),
        erased=erased,
        report={"rules": rules, "kept": kept, "kept_erased": expired_kept},
    )
    if erased or failed:
        _tell_officers(run, failed)
    return run


def _tell_officers(run: RetentionRun, failed: int) -> None:
    message = _("Retention run of %(day)s: %(count)s records erased.") % {
        "day": run.ran_on.isoformat(),
        "count": run.erased,
    }
    if failed:
        message += " " + _("%(count)s could not be erased; the next run tries again.") % {
            "count": failed
        }
    officers = (
        get_user_model()
        .objects.filter(
            Q(kontor_roles__data_subject_requests=True) | Q(is_superuser=True), is_active=True
        )
        .distinct()
    )
    for officer in officers:
        notify(recipient=officer, message=message, link=reverse("privacy-retention"))


@task()
def run_retention_rules() -> dict[str, Any]:
    run = run_retention()
    return {"run": str(run.pk), "erased": run.erased}
