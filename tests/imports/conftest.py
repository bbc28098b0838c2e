"""Import helpers: CSV files written the way spreadsheets export them, and running a job end to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.services import Actor
from apps.imports.models import ImportJob
from apps.imports.services import import_job_configure, import_job_create, import_job_start

HEADER = "debtor_ref,debtor_name,email,phone,debt_ref,description,amount,currency,issue_date,due_date"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def upload(data: bytes, name: str = "debts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def run_import(actor: Actor, django_capture_on_commit_callbacks: Any) -> Callable[..., ImportJob]:
    """Upload, keep the guessed mapping (or the given conventions), start, and run the task (eagerly)."""

    def run(
        data: bytes, *, decimal_comma: bool = False, date_order: str | None = None, name: str = "debts.csv"
    ) -> ImportJob:
        job = import_job_create(upload=upload(data, name), actor=actor)
        import_job_configure(
            job=job,
            mapping=job.mapping,
            date_order=date_order or job.date_order,
            decimal_comma=decimal_comma,
            actor=actor,
        )
        with django_capture_on_commit_callbacks(execute=True):
            import_job_start(job=job, actor=actor)
        job.refresh_from_db()
        return job

    return run
