"""Casework fixtures: a debtor of acme (Paris) with an email, a phone and an address, two debts, signed in to the
portal in English; documents of each kind a debtor may send; the clock at NOW (a Friday, 11:00 in Paris)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pypdf import PdfWriter

from apps.audit.services import Actor
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.services import contact_point_add
from apps.debts.models import Debt
from apps.portal.access import SESSION_KEY
from apps.tenants.models import Tenant
from tests.factories import NOW, make_debt, make_debtor


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    # No database fixture here: the transactional claim tests choose their own tenant (test_claim_race.py).
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def debtor(actor: Actor) -> Debtor:
    d = make_debtor(actor, "C-100", "Camille Durand", preferred_language="fr")
    contact_point_add(debtor=d, kind="email", value="camille@example.fr", is_primary=True, actor=actor)
    contact_point_add(debtor=d, kind="phone", value="+33612345678", is_primary=True, actor=actor)
    contact_point_add(
        debtor=d,
        kind="address",
        address_line1="8 avenue Foch",
        postal_code="75116",
        city="Paris",
        country="FR",
        actor=actor,
    )
    return d


@pytest.fixture
def debt(actor: Actor, debtor: Debtor) -> Debt:
    return make_debt(actor, debtor, "INV-1", 120_00, days_past_due=40, description="Order 1")


@pytest.fixture
def second_debt(actor: Actor, debtor: Debtor) -> Debt:
    return make_debt(actor, debtor, "INV-2", 80_00, days_past_due=10, description="Order 2")


@pytest.fixture
def other_debtor(actor: Actor) -> Debtor:
    return make_debtor(actor, "C-200", "Bruno Autre")


@pytest.fixture
def other_debt(actor: Actor, other_debtor: Debtor) -> Debt:
    return make_debt(actor, other_debtor, "INV-OTHER", 99_00, days_past_due=20)


def sign_in(client: Client, debtor: Debtor) -> Client:
    session = client.session
    session[SESSION_KEY] = str(debtor.pk)
    session.save()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def portal(tenant: Tenant, debtor: Debtor) -> Client:
    """The debtor's browser, signed in to the portal, pages in English."""
    return sign_in(Client(HTTP_HOST=f"{tenant.subdomain}.localhost"), debtor)


def email_point(debtor: Debtor) -> ContactPoint:
    return ContactPoint.objects.get(debtor=debtor, kind="email")


def pdf_bytes(pages: int = 1, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def upload() -> Callable[..., SimpleUploadedFile]:
    """A file as a browser would send it; the name and the declared type are whatever the sender says."""

    def make(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content, content_type=content_type)

    return make
