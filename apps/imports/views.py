"""Staff pages of the CSV import: upload, map and preview, progress while it runs, the report of rejected rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.permissions import Perm, require_perm
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.imports import services
from apps.imports.forms import MappingForm, UploadForm
from apps.imports.models import ImportJob, ImportStatus
from apps.imports.selectors import import_jobs_recent, import_report_rows, import_report_sample

UNPROCESSABLE = 422


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(upload=form.cleaned_data["file"], actor=Actor.for_user(request.user))
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:detail", job_id=job.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "imports/list.html", {"form": form, "jobs": import_jobs_recent()}, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def import_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=job_id)
    if getattr(request, "htmx", False):
        return render(request, "imports/detail.html#progress", {"job": job})
    context: dict[str, Any] = {"job": job}
    if job.status == ImportStatus.MAPPING:
        form = MappingForm(request.POST or None, job=job)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            actor = Actor.for_user(request.user)
            try:
                services.import_job_configure(
                    job=job,
                    mapping=form.mapping(),
                    date_order=form.cleaned_data["date_order"],
                    decimal_comma=form.cleaned_data["decimal_comma"],
                    actor=actor,
                )
                if request.POST.get("action") == "start":
                    services.import_job_start(job=job, actor=actor)
                    return redirect("imports:detail", job_id=job.pk)
                context["preview"] = services.import_job_preview(job=job)
            except DomainError as exc:
                form.add_error(None, exc.message)
        if form.errors:
            return render(request, "imports/detail.html", context, status=UNPROCESSABLE)
    elif job.status == ImportStatus.DONE:
        context["report_sample"] = import_report_sample(job)
    return render(request, "imports/detail.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@require_perm(Perm.EDIT_DEBTS)  # type: ignore[arg-type]  # typed for HttpResponse; a streaming response is as good
def import_report(request: HttpRequest, job_id: UUID) -> StreamingHttpResponse:
    job = get_object_or_404(ImportJob, pk=job_id)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([_("row"), _("column"), _("reason")])
        for row in import_report_rows(job):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    return response
