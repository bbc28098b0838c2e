"""Every write of the import: create a job from an upload, map its columns, run it, and the API's bulk upsert."""

from __future__ import annotations

import csv
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.tenancy import on_commit_in_tenant
from apps.imports import files, sql
from apps.imports.fields import TARGET_FIELDS, guess_mapping, missing_required
from apps.imports.models import DateOrder, ImportJob, ImportSource, ImportStatus

logger = logging.getLogger(__name__)

BATCHES = 10
MIN_BATCH = 20_000
API_MAX_ROWS = 50_000


def _tenant() -> Any:
    return getattr(connection, "tenant")  # noqa: B009  (set by django-tenants, unknown to the type stubs)


def _default_conventions() -> tuple[str, bool]:
    tenant = _tenant()
    order = DateOrder.MONTH_FIRST if tenant.jurisdiction == "US" else DateOrder.DAY_FIRST
    decimal_comma = tenant.jurisdiction in ("FR", "PL") or tenant.default_locale in ("fr", "pl")
    return order, decimal_comma


def _sniff_conventions(path: Path, info: files.CsvInfo, mapping: dict[str, int]) -> tuple[str, bool]:
    """Let the first rows overrule the tenant's defaults when they are unambiguous (31/01 is day first)."""
    order, decimal_comma = _default_conventions()
    amounts, dates = [], []
    for n, (_line, fields) in enumerate(files.records(path, info.encoding, info.delimiter)):
        if n >= 200:
            break
        for field in ("amount", "lifetime_revenue"):
            if field in mapping and mapping[field] < len(fields):
                amounts.append(fields[mapping[field]].strip())
        for field in ("issue_date", "due_date", "customer_since"):
            if field in mapping and mapping[field] < len(fields):
                dates.append(fields[mapping[field]].strip())
    if any(re.fullmatch(r"-?[\d\s.]*\d,\d{1,3}", a) and not re.fullmatch(r"\d{1,3}(,\d{3})+", a) for a in amounts):
        decimal_comma = True
    elif any(re.fullmatch(r"-?[\d\s,]*\d\.\d{1,2}", a) for a in amounts):
        decimal_comma = False
    parts = [m.groups() for d in dates if (m := re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-]\d{4}", d))]
    if any(int(first) > 12 for first, _second in parts):
        order = DateOrder.DAY_FIRST
    elif any(int(second) > 12 for _first, second in parts):
        order = DateOrder.MONTH_FIRST
    return order, decimal_comma


def import_job_create(*, upload: File, actor: Actor) -> ImportJob:
    """Store an uploaded CSV (streamed to disk), read its header and guess the mapping. Nothing is imported yet."""
    limit = settings.AMIABLE_IMPORT_MAX_BYTES
    size = upload.size or 0
    if size > limit:
        raise DomainError(
            _("The file is %(size)s; the largest file you can import is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            field="file",
        )
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    name = Path(upload.name or "import.csv").name[:255]
    job = ImportJob(
        source=ImportSource.CSV,
        original_name=name,
        size_bytes=size,
        default_currency=_tenant().currency,
        created_by=actor.user,
        api_key_id=actor.api_key_id,
        created_by_label=actor.label,
    )
    job.file.save(name, upload, save=False)
    try:
        path = Path(job.file.path)
        tenant = _tenant()
        info = files.inspect(path, language="pl" if tenant.jurisdiction == "PL" else tenant.default_locale)
        mapping = guess_mapping(info.header)
        order, decimal_comma = _sniff_conventions(path, info, mapping)
    except (DomainError, csv.Error) as exc:
        job.file.delete(save=False)
        if isinstance(exc, DomainError):
            raise
        raise DomainError(_("The file is not a readable CSV file: %(error)s") % {"error": exc}, field="file") from exc
    job.encoding = info.encoding
    job.delimiter = info.delimiter
    job.header = info.header
    job.mapping = mapping
    job.date_order = order
    job.decimal_comma = decimal_comma
    with transaction.atomic():
        job.save()
        audit_record(
            actor=actor,
            action="import.uploaded",
            obj=job,
            after={"file": name, "size_bytes": size, "encoding": info.encoding, "delimiter": info.delimiter},
        )
    return job


def _check_mapping(job: ImportJob, mapping: dict[str, int]) -> dict[str, int]:
    unknown = set(mapping) - set(TARGET_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field="mapping")
    for field, index in mapping.items():
        if not 0 <= index < len(job.header):
            raise DomainError(_("There is no column %(n)s in the file.") % {"n": index + 1}, field=field)
    missing = missing_required(mapping)
    if missing:
        raise DomainError(
            _("Choose a column for: %(fields)s. These are required.")
            % {"fields": ", ".join(str(TARGET_FIELDS[f]) for f in missing)},
            field="mapping",
        )
    return mapping


def import_job_configure(
    *, job: ImportJob, mapping: dict[str, int], date_order: str, decimal_comma: bool, actor: Actor
) -> ImportJob:
    """Save the column mapping and reading conventions a manager chose."""
    if job.status != ImportStatus.MAPPING:
        raise DomainError(_("This import has already started."))
    if date_order not in DateOrder.values:
        raise DomainError(_("Unknown date format."), field="date_order")
    job.mapping = _check_mapping(job, mapping)
    job.date_order = date_order
    job.decimal_comma = decimal_comma
    job.save(update_fields=["mapping", "date_order", "decimal_comma"])
    return job


def _settings(job: ImportJob) -> sql.Settings:
    tenant = _tenant()
    return sql.Settings(
        ncols=len(job.header),
        mapping={k: int(v) for k, v in job.mapping.items()},
        date_order=job.date_order,
        decimal_comma=job.decimal_comma,
        default_currency=job.default_currency,
        region=tenant.jurisdiction,
        country=tenant.country,
        today=tenant_today(),
    )


def import_job_preview(*, job: ImportJob, limit: int = 20) -> list[dict[str, Any]]:
    """The first rows with the problems the real run would find, computed by the same SQL and rolled back."""
    _check_mapping(job, job.mapping)
    s = _settings(job)
    records = []
    for n, record in enumerate(files.records(Path(job.file.path), job.encoding, job.delimiter)):
        if n >= limit:
            break
        records.append(record)
    with transaction.atomic():
        sql.stage_create(s, first_row=2)
        sql.stage_rows(s, records)
        sql.stage_prepare(s)
        sql.stage_validate(s)
        found = sql.errors()
        # Nothing of the preview may stay: not even the temporary tables.
        transaction.set_rollback(True)
    by_row: dict[int, dict[str, str]] = {}
    for row_no, field, message in found:
        by_row.setdefault(row_no, {}).setdefault(field, message)
    mapped = [(f, job.mapping[f]) for f in TARGET_FIELDS if f in job.mapping]
    return [
        {
            "row": line,
            "values": [(f, fields[i] if i < len(fields) else "", by_row.get(line, {}).get(f)) for f, i in mapped],
            "errors": by_row.get(line, {}),
        }
        for line, fields in records
    ]


def import_job_start(*, job: ImportJob, actor: Actor) -> ImportJob:
    """Queue the job. The task runs in this tenant's schema once the transaction commits."""
    from apps.imports.tasks import import_job_run_task

    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.MAPPING:
            raise DomainError(_("This import has already started."))
        _check_mapping(locked, locked.mapping)
        locked.status = ImportStatus.QUEUED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="import.started",
            obj=locked,
            after={"mapping": locked.mapping, "date_order": locked.date_order, "decimal_comma": locked.decimal_comma},
        )
        job_id = str(locked.pk)
        on_commit_in_tenant(lambda: import_job_run_task.delay(job_id))
    return locked


def _actor_of(job: ImportJob) -> Actor:
    return Actor(label=job.created_by_label, user=job.created_by, api_key_id=job.api_key_id)


def _stage_csv(job: ImportJob, s: sql.Settings) -> None:
    path = Path(job.file.path)
    try:
        with transaction.atomic():
            sql.stage_copy_csv(s, files.utf8_chunks(path, job.encoding), job.delimiter)
    except psycopg.DataError:
        # A record COPY cannot split (ragged row, blank line): stage the file record by record instead,
        # so each such row is rejected on its own rather than failing the file.
        sql.stage_rows(s, ((line, list(fields)) for line, fields in files.records(path, job.encoding, job.delimiter)))


def _process(job: ImportJob, stage: Callable[[sql.Settings], None], first_row: int) -> ImportJob:
    """Stage, check and write every row of the job, committing a batch at a time for the progress bar."""
    s = _settings(job)
    actor = _actor_of(job)
    clock = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        logger.info("import %s: %s in %.2f s", job.pk, what, now - clock)
        clock = now

    try:
        with transaction.atomic():
            sql.stage_create(s, first_row=first_row)
            stage(s)
            lap("staged")
            total = sql.stage_prepare(s)
            lap("prepared")
            ImportJob.objects.filter(pk=job.pk).update(phase="checking", total_rows=total)
            rejected = sql.stage_validate(s)
            sql.errors_save(job.pk)
            lap("checked")
            ImportJob.objects.filter(pk=job.pk).update(phase="writing", rejected_count=rejected)
        lo, hi = sql.row_range()
        step = max(MIN_BATCH, (hi - lo + 1) // BATCHES + 1)
        reason = _("Import %(name)s") % {"name": job.original_name or job.get_source_display()}
        note = _("Amount changed by import %(name)s") % {"name": job.original_name or job.get_source_display()}
        today = tenant_today()
        for start in range(lo, hi + 1, step):
            end = start + step - 1
            with transaction.atomic():
                c = sql.write_batch(
                    lo=start,
                    hi=end,
                    job_id=str(job.pk),
                    actor_label=actor.label,
                    actor_user_id=actor.user.pk if actor.user is not None else None,
                    actor_api_key_id=actor.api_key_id,
                    today=today,
                    reason=reason,
                    adjustment_note=note,
                )
                ImportJob.objects.filter(pk=job.pk).update(
                    processed_rows=sql.rows_up_to(end),
                    created_count=F("created_count") + c.created,
                    updated_count=F("updated_count") + c.updated,
                    unchanged_count=F("unchanged_count") + c.unchanged,
                )
            lap(f"wrote rows {start}-{end}")
    except DomainError as exc:
        return _fail(job, exc.message)
    except psycopg.DataError as exc:
        return _fail(job, _("The file could not be read: %(error)s") % {"error": str(exc).splitlines()[0]})
    except Exception:
        _fail(job, _("The import stopped on an unexpected error. Rows written before it stay; upload the file again."))
        raise
    finally:
        sql.stage_drop()
    with transaction.atomic():
        job.refresh_from_db()
        job.status = ImportStatus.DONE
        job.phase = ""
        job.processed_rows = job.total_rows
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "phase", "processed_rows", "finished_at"])
        audit_record(
            actor=actor,
            action="import.completed",
            obj=job,
            after={
                "source": job.source,
                "file": job.original_name,
                "rows": job.total_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "rejected": job.rejected_count,
            },
        )
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, phase="", failure_message=message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        audit_record(actor=_actor_of(job), action="import.failed", obj=job, after={"reason": message})
    return job


def import_job_run(*, job_id: str) -> ImportJob:
    """The task body. Safe to run twice: a finished job is left alone, and writes are idempotent by reference."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return job
        job.status = ImportStatus.RUNNING
        job.phase = "reading"
        job.started_at = timezone.now()
        job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = job.rejected_count = 0
        job.save()
    return _process(job, lambda s: _stage_csv(job, s), first_row=2)


def debts_bulk_upsert(*, rows: list[dict[str, str | None]], actor: Actor) -> ImportJob:
    """The API's bulk upsert: the rows of one request through the same checks and writes as a CSV import."""
    fields = list(TARGET_FIELDS)
    job = ImportJob.objects.create(
        source=ImportSource.API,
        status=ImportStatus.RUNNING,
        header=fields,
        mapping={f: i for i, f in enumerate(fields)},
        date_order=DateOrder.ISO,
        decimal_comma=False,
        default_currency=_tenant().currency,
        created_by=actor.user,
        api_key_id=actor.api_key_id,
        created_by_label=actor.label,
        started_at=timezone.now(),
    )

    def staged() -> Iterator[tuple[int, list[str | None]]]:
        for index, row in enumerate(rows):
            yield index, [row.get(f) for f in fields]

    return _process(job, lambda s: sql.stage_rows(s, staged()), first_row=0)
