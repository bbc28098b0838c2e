"""The import pages as a manager uses them: upload, map, preview, start, watch progress, download the report."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.debts.models import Debt
from apps.imports.models import ImportJob
from tests.imports.conftest import HEADER, csv_bytes, upload

ROWS = (
    "C-1,Camille Martin,camille@example.fr,,INV-1,Consulting,120.50,EUR,2026-01-10,2026-02-10",
    "C-2,Bruno Lefèvre,bruno@,,INV-2,,80,EUR,2026-01-10,2026-02-10",
)


@pytest.fixture
def browser(client_for, manager):
    return client_for(manager)


def mapping_post(job: ImportJob, action: str, **overrides: str) -> dict[str, str]:
    data = {field: str(index) for field, index in job.mapping.items()}
    data |= {"date_order": "dmy", "action": action}
    return data | overrides


def test_it_uploads_and_shows_the_guessed_mapping(browser):
    response = browser.post(reverse("imports:list"), {"file": upload(csv_bytes(*ROWS))})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", kwargs={"job_id": job.pk})
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert b"Start the import" in page.content
    assert job.mapping["amount"] == HEADER.split(",").index("amount")


@override_settings(AMIABLE_IMPORT_MAX_BYTES=100)
def test_it_refuses_a_file_over_the_limit_on_the_page(browser):
    response = browser.post(reverse("imports:list"), {"file": upload(csv_bytes(*ROWS))})

    assert response.status_code == 422
    assert "the largest file you can import is 100" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_says_which_required_column_is_missing(browser):
    browser.post(reverse("imports:list"), {"file": upload(csv_bytes(*ROWS))})
    job = ImportJob.objects.get()

    response = browser.post(
        reverse("imports:detail", kwargs={"job_id": job.pk}), mapping_post(job, "preview", due_date="")
    )

    assert response.status_code == 422
    assert "Choose a column for: Due date" in response.content.decode()


def test_it_previews_rows_with_their_problems_and_changes_nothing(browser):
    browser.post(reverse("imports:list"), {"file": upload(csv_bytes(*ROWS))})
    job = ImportJob.objects.get()

    response = browser.post(
        reverse("imports:detail", kwargs={"job_id": job.pk}), mapping_post(job, "preview", decimal_comma="")
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "“bruno@” is not a valid email address." in body
    assert not Debt.objects.exists()


def test_it_runs_the_import_shows_progress_and_offers_the_report(browser, django_capture_on_commit_callbacks):
    browser.post(reverse("imports:list"), {"file": upload(csv_bytes(*ROWS))})
    job = ImportJob.objects.get()
    url = reverse("imports:detail", kwargs={"job_id": job.pk})

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, mapping_post(job, "start"))

    assert response.status_code == 302
    fragment = browser.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert b'id="progress"' in fragment.content
    assert b"<html" not in fragment.content
    assert b"Import finished" in fragment.content
    assert Debt.objects.filter(external_ref="INV-1").exists()
    report = browser.get(reverse("imports:report", kwargs={"job_id": job.pk}))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows == [["row", "column", "reason"], ["3", "email", "“bruno@” is not a valid email address."]]


def test_it_polls_while_the_job_is_running(browser, actor):
    from apps.imports.services import import_job_create

    job = import_job_create(upload=upload(csv_bytes(*ROWS)), actor=actor)
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=200, processed_rows=50)

    fragment = browser.get(reverse("imports:detail", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true")

    body = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert '<progress value="25" max="100">' in body


@pytest.mark.parametrize("persona", ["viewer", "agent"])
def test_it_keeps_import_pages_from_viewers_and_agents(client_for, request, persona, actor):
    from apps.imports.services import import_job_create

    job = import_job_create(upload=upload(csv_bytes(*ROWS)), actor=actor)
    browser = client_for(request.getfixturevalue(persona))

    assert browser.get(reverse("imports:list")).status_code == 403
    assert browser.post(reverse("imports:list"), {"file": upload(csv_bytes(*ROWS))}).status_code == 403
    assert browser.get(reverse("imports:detail", kwargs={"job_id": job.pk})).status_code == 403
    assert browser.get(reverse("imports:report", kwargs={"job_id": job.pk})).status_code == 403


def test_it_hides_another_tenants_import(client_for, outsider, other_tenant, actor):
    from apps.imports.services import import_job_create

    job = import_job_create(upload=upload(csv_bytes(*ROWS)), actor=actor)

    response = client_for(outsider, on=other_tenant).get(reverse("imports:detail", kwargs={"job_id": job.pk}))

    assert response.status_code == 404
