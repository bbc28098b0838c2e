"""The owner edits the organisation's settings; the currency is fixed once debts exist."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.debtors.services import debtor_create
from apps.debts.services import debt_create
from apps.tenants.models import Tenant
from apps.tenants.services import SETTINGS_FIELDS

pytestmark = pytest.mark.django_db


def settings_form(tenant: Tenant, **changes):
    data = {name: getattr(tenant, name) for name in SETTINGS_FIELDS}
    return {**data, **changes}


def png(size: tuple[int, int] = (40, 20)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#2f6f5e").save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_it_saves_the_settings_with_an_audit_record(client_for, owner, tenant):
    response = client_for(owner).post(
        "/accounts/settings/",
        settings_form(
            tenant,
            legal_name="Acme Recouvrement SAS",
            city="Villeurbanne",
            brand_color="#AA3300",
            timezone="Europe/Warsaw",
            support_email="aide@acme.test",
        ),
    )

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.legal_name, tenant.city, tenant.brand_color, tenant.timezone, tenant.support_email) == (
        "Acme Recouvrement SAS",
        "Villeurbanne",
        "#aa3300",
        "Europe/Warsaw",
        "aide@acme.test",
    )
    event = AuditEvent.objects.get(action="tenant.updated")
    assert event.before["legal_name"] == "Acme Recouvrement SARL"
    assert event.after["legal_name"] == "Acme Recouvrement SAS"


def test_it_refuses_a_bad_colour_and_timezone(client_for, owner, tenant):
    response = client_for(owner).post(
        "/accounts/settings/", settings_form(tenant, brand_color="red", timezone="Europe/Atlantis")
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_brand_color_error"' in page
    assert 'id="id_timezone_error"' in page


def test_it_stores_and_serves_an_uploaded_logo(client_for, owner, tenant):
    browser = client_for(owner)

    response = browser.post("/accounts/settings/", {**settings_form(tenant), "logo": png()})

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.logo.name.endswith(".png")
    served = browser.get("/accounts/settings/logo/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png"), "valid image"),
        ("big", "larger than 2000 pixels"),
    ],
)
def test_it_refuses_a_logo_that_is_not_a_small_image(client_for, owner, tenant, upload, message):
    file = png((2400, 10)) if upload == "big" else upload

    response = client_for(owner).post("/accounts/settings/", {**settings_form(tenant), "logo": file})

    assert response.status_code == 400
    assert message in response.content.decode()
    tenant.refresh_from_db()
    assert not tenant.logo


def test_it_changes_the_currency_while_there_are_no_debts(client_for, owner, tenant):
    response = client_for(owner).post("/accounts/settings/", settings_form(tenant, currency="PLN"))

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.currency == "PLN"


def test_it_refuses_to_change_the_currency_once_debts_exist(client_for, owner, tenant):
    actor = Actor.for_user(owner)
    debtor = debtor_create(external_ref="C-1", name="Camille Martin", actor=actor)
    debt_create(
        debtor=debtor,
        external_ref="INV-1",
        amount_minor=120_00,
        currency="EUR",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        actor=actor,
    )

    response = client_for(owner).post("/accounts/settings/", settings_form(tenant, currency="USD", city="Paris"))

    assert response.status_code == 400
    assert "debts are already recorded in EUR" in response.content.decode()
    tenant.refresh_from_db()
    assert (tenant.currency, tenant.city) == ("EUR", "Lyon")


def test_it_forbids_a_manager_the_settings(client_for, manager, tenant):
    assert client_for(manager).get("/accounts/settings/").status_code == 403
