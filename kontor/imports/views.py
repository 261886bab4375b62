"""The import pages: upload a file, map its columns (with a preview and the
guessed mapping), choose the options, follow the progress, download the
rows that were refused."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.imports import mapping as mappings
from kontor.imports import selectors, services
from kontor.imports.forms import OptionsForm, UploadForm
from kontor.imports.models import Import, ImportStatus
from kontor.imports.tasks import import_start

PREVIEW_ROWS = 5
REFRESH_SECONDS = 2


def _get(request: HttpRequest, import_id: UUID) -> Import:
    found = selectors.import_get(user=request.user, import_id=import_id)
    if found is None:
        raise Http404
    return found


def _add_errors(form, errors: FieldErrors) -> None:
    for field, reasons in errors.errors.items():
        for reason in reasons:
            form.add_error(field if field in form.fields else None, f"{field}: {reason}")


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    initial = {"record_type": request.GET.get("type", "contacts")}
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = services.import_create(
                actor=request.user,
                upload=upload,
                filename=upload.name,
                record_type=form.cleaned_data["record_type"],
            )
        except PermissionDenied as exc:
            form.add_error("record_type", str(exc))
        except FieldErrors as exc:
            _add_errors(form, exc)
        else:
            return redirect("import-mapping", import_id=created.pk)
    imports = selectors.recent_imports(user=request.user)
    return render(request, "imports/import_new.html", {"form": form, "imports": imports})


@login_required
def import_mapping(request: HttpRequest, import_id: UUID) -> HttpResponse:
    data_import = _get(request, import_id)
    if data_import.created_by_id != request.user.pk:
        raise DjangoPermissionDenied
    if data_import.queued_at is not None:
        return redirect("import-detail", import_id=data_import.pk)
    saved = selectors.mappings_for(user=request.user, record_type=data_import.record_type)
    current = dict(data_import.mapping)
    if chosen := saved.filter(pk=request.GET.get("use") or 0).first():
        current.update({h: t for h, t in chosen.columns.items() if h in data_import.headers})
    form = OptionsForm(
        request.POST or None,
        initial={"update_by": data_import.update_by, "dry_run": data_import.dry_run},
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        columns = {
            header: request.POST.get(f"column-{index}", mappings.IGNORE)
            for index, header in enumerate(data_import.headers)
        }
        current = columns
        if form.is_valid():
            try:
                services.import_set_mapping(
                    actor=request.user,
                    data_import=data_import,
                    columns=columns,
                    update_by=form.cleaned_data["update_by"],
                    dry_run=form.cleaned_data["dry_run"],
                )
                if name := form.cleaned_data["mapping_name"]:
                    services.mapping_save(actor=request.user, data_import=data_import, name=name)
                import_start(data_import)
            except (FieldErrors, PermissionDenied) as exc:
                if isinstance(exc, FieldErrors):
                    errors = exc.errors
                    _add_errors(form, exc)
                else:
                    form.add_error(None, str(exc))
            else:
                messages.success(request, _("The import has started."))
                return redirect("import-detail", import_id=data_import.pk)
    preview = services.preview(data_import, PREVIEW_ROWS)
    columns = [
        {
            "index": index,
            "header": header,
            "target": current.get(header, mappings.IGNORE),
            "samples": [row[index] for row in preview if index < len(row)],
            "errors": errors.get(f"mapping.{header}", []),
        }
        for index, header in enumerate(data_import.headers)
    ]
    return render(
        request,
        "imports/import_mapping.html",
        {
            "data_import": data_import,
            "columns": columns,
            "targets": mappings.target_choices(data_import.record_type),
            "form": form,
            "saved_mappings": saved,
        },
    )


@login_required
def import_detail(request: HttpRequest, import_id: UUID) -> HttpResponse:
    data_import = _get(request, import_id)
    if data_import.queued_at is None and data_import.created_by_id == request.user.pk:
        return redirect("import-mapping", import_id=data_import.pk)
    running = data_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    rejected = list(data_import.rejected_rows.order_by("row_number")[:10])
    return render(
        request,
        "imports/import_detail.html",
        {
            "data_import": data_import,
            "running": running,
            "refresh_seconds": REFRESH_SECONDS,
            "rejected_rows": rejected,
            "list_url": "contact-list"
            if data_import.record_type == "contacts"
            else "organization-list",
        },
    )


@login_required
def import_errors(request: HttpRequest, import_id: UUID) -> HttpResponse:
    data_import = _get(request, import_id)
    response = StreamingHttpResponse(
        services.error_report_chunks(data_import), content_type="text/csv; charset=utf-8"
    )
    filename = services.error_report_filename(data_import)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
