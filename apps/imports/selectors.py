"""Reads of the import pages: recent jobs, and the rejected rows of a job as its report shows them."""

from __future__ import annotations

from collections.abc import Iterator

from apps.imports.fields import TARGET_FIELDS
from apps.imports.models import ImportJob, ImportRowError


def import_jobs_recent(limit: int = 50) -> list[ImportJob]:
    return list(ImportJob.objects.select_related("created_by")[:limit])


def column_name(job: ImportJob, field: str) -> str:
    """The file's own name for the column a field was read from (the field name for API imports)."""
    index = job.mapping.get(field)
    if job.source == "csv" and index is not None and index < len(job.header):
        return str(job.header[index])
    return str(TARGET_FIELDS[field]) if job.source == "csv" and field in TARGET_FIELDS else field


def import_report_rows(job: ImportJob) -> Iterator[tuple[int, str, str]]:
    names: dict[str, str] = {}
    for error in ImportRowError.objects.filter(job=job).order_by("row", "id").iterator(chunk_size=5000):
        if error.field not in names:
            names[error.field] = column_name(job, error.field)
        yield error.row, names[error.field], error.message


def import_report_sample(job: ImportJob, limit: int = 50) -> list[tuple[int, str, str]]:
    rows = []
    for n, row in enumerate(import_report_rows(job)):
        if n >= limit:
            break
        rows.append(row)
    return rows
