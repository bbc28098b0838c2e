"""Rendering: money and dates in the template's language, itemised debts, sandboxed templates, US11 dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import TemplateSyntaxError

from apps.audit.services import Actor
from apps.debts.services import debt_payment_record
from apps.policies.models import MessageTemplate
from apps.policies.rendering import render_message, render_sample, validation_end_date_for
from apps.policies.selectors import template_get
from apps.tenants.models import Tenant
from tests.factories import make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

LINKS = {"portal_link": "https://acme.example/p/abc", "opt_out_link": "https://acme.example/u/abc"}


def test_it_renders_a_french_email_with_french_money_and_dates(tenant: Tenant, actor: Actor) -> None:
    debtor = make_debtor(actor, "C-1", "Jeanne Dupont")
    debt = make_debt(actor, debtor, "F-2026-001", 185_25, days_past_due=10)
    template = template_get("overdue", "email", "fr")
    assert template is not None

    message = render_message(template=template, debtor=debtor, debts=[debt], tenant=tenant, links=LINKS)

    assert message.subject == "Votre paiement de 185,25\xa0€ est en retard"
    assert "Bonjour Jeanne Dupont," in message.body
    assert "• F-2026-001 (émise le 11 octobre 2026, échéance 10 novembre 2026)" in message.body
    assert "reste dû 185,25\xa0€" in message.body
    assert "https://acme.example/p/abc" in message.body
    assert "https://acme.example/u/abc" in message.body


def test_it_renders_polish_money_and_shows_what_was_paid(tenant: Tenant, actor: Actor) -> None:
    debtor = make_debtor(actor, "C-2", "Jan Kowalski")
    debt = make_debt(actor, debtor, "FV/11/2026", 500_00, currency="PLN", days_past_due=40)
    debt_payment_record(
        debt=debt, amount_minor=200_00, received_on=dt.date(2026, 11, 15), method="transfer", actor=actor
    )
    template = MessageTemplate(locale="pl", channel="sms", subject="", body="{{ debts }} | {{ total }}")

    message = render_message(template=template, debtor=debtor, debts=[debt], tenant=tenant, links={})

    assert "należność główna 500,00\xa0zł" in message.body
    assert "zapłacono lub uznano 200,00\xa0zł" in message.body
    assert message.body.endswith("| 300,00\xa0zł")


def test_it_renders_the_french_first_letter_with_the_creditor_and_l111_8(tenant: Tenant, actor: Actor) -> None:
    debtor = make_debtor(actor, "C-3", "Paul Martin")
    debt = make_debt(actor, debtor, "F-9", 99_00, days_past_due=30)
    template = template_get("first-letter", "letter", "fr")
    assert template is not None

    body = render_message(template=template, debtor=debtor, debts=[debt], tenant=tenant, links=LINKS).body

    assert body.startswith("Acme Recouvrement SARL\n12 rue des Lilas, 69003 Lyon, FR")
    assert "principal 99,00\xa0€, intérêts 0,00\xa0€, frais 0,00\xa0€" in body
    assert "restent à la charge du créancier" in body


def test_it_shows_unknown_placeholders_as_nothing_and_reads_no_files(tenant: Tenant) -> None:
    quiet = MessageTemplate(locale="en", channel="sms", body="Hi {{ debtor.name }}{{ settings.SECRET_KEY }}")
    assert render_sample(template=quiet, tenant=tenant).body == "Hi Alex Martin"
    with pytest.raises(TemplateSyntaxError):
        render_sample(template=MessageTemplate(locale="en", body="{% load static %}"), tenant=tenant)


def test_it_computes_the_us_validation_end_date_skipping_labor_day() -> None:
    # COMPLIANCE US11: sent 2026-09-04 → assumed received 2026-09-14 → validation ends 2026-10-14.
    assert validation_end_date_for(dt.date(2026, 9, 4)) == dt.date(2026, 10, 14)
