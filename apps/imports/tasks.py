"""Background work of imports. Tenant-aware Celery runs each task in the schema it was queued from."""

from __future__ import annotations

from celery import shared_task

from apps.imports.services import import_job_run


@shared_task(name="apps.imports.tasks.import_job_run_task")
def import_job_run_task(job_id: str) -> None:
    import_job_run(job_id=job_id)
