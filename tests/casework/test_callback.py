"""A callback at a time the debtor chooses, in their own time, inside the contact hours the gate applies (acme: FR,
08:00–20:00, no Sundays, no public holidays). NOW is Friday 20 November 2026, 11:00 in Paris."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client

from apps.audit.models import AuditEvent
from apps.casework.models import Case, CaseKind
from apps.contact.models import OptOutSource
from apps.contact.services import opt_out_record
from apps.policies.models import Channel
from tests.casework.conftest import sign_in

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def ask(portal, day: str, time: str, phone: str = "+33612345678", topic: str = ""):
    return portal.post("/p/help/callback/", {"day": day, "time": time, "phone": phone, "topic": topic})


def text(response) -> str:
    # Babel writes "8:00\u202fAM" in English and puts no-break spaces in dates.
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


def test_it_prefills_the_number_and_states_the_contact_hours(portal):
    body = text(portal.get("/p/help/callback/"))
    assert 'value="+33612345678"' in body
    assert "8:00 AM–8:00 PM" in body
    assert "no calls" in body  # Sundays
    assert "No calls on public holidays." in body
    assert "Europe/Paris" in body


def test_it_books_a_call_at_the_chosen_local_time(portal, debtor):
    response = ask(portal, "2026-11-21", "10:30", phone="06 12 34 56 78", topic="A payment plan")
    assert response.status_code == 302
    case = Case.objects.get()
    at = dt.datetime(2026, 11, 21, 10, 30, tzinfo=PARIS)
    assert (case.kind, case.debt, case.reply_by) == (CaseKind.CALLBACK, None, at)
    assert case.data["phone"] == "+33612345678"
    assert case.data["local_time"] == "2026-11-21 10:30 (Europe/Paris)"
    assert case.data["consented_callback"] is True
    assert case.details == "A payment plan"
    page = text(portal.get(response.url))
    assert "We will call you on November 21, 2026 at 10:30 AM (your time), on +33612345678." in page


@pytest.mark.parametrize(
    ("day", "time", "field", "message"),
    [
        ("2026-11-22", "10:00", "day", "We do not call on Sundays."),
        ("2026-11-21", "20:00", "time", "On that day we call between 8:00 AM and 8:00 PM, your time."),
        ("2026-11-23", "07:45", "time", "On that day we call between 8:00 AM and 8:00 PM, your time."),
        ("2026-11-19", "10:00", "day", "This time has already passed."),
        ("2026-11-20", "10:30", "time", "This time has already passed."),
        ("2026-11-20", "11:30", "time", "at least one hour from now"),
        ("2026-12-22", "10:00", "day", "Please choose a day within the next 30 days."),
        ("21/11/2026", "10:00", "day", "Enter a real date."),
        ("2026-11-21", "", "time", "Choose a time."),
    ],
)
def test_it_refuses_a_time_outside_the_contact_hours(portal, day, time, field, message):
    response = ask(portal, day, time)
    body = text(response)
    assert response.status_code == 422
    assert message in body
    assert f'id="id_{field}_error"' in body
    assert Case.objects.count() == 0


def test_it_refuses_a_public_holiday(tenant, debtor):
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, tzinfo=dt.UTC), tick=False):
        # A month later: a new visit (the first session has expired).
        response = ask(sign_in(Client(HTTP_HOST="acme.localhost"), debtor), "2026-12-25", "10:00")
    assert response.status_code == 422
    assert "December 25, 2026 is a public holiday" in text(response)
    assert Case.objects.count() == 0


def test_it_refuses_a_number_it_cannot_call(portal):
    response = ask(portal, "2026-11-21", "10:00", phone="12")
    assert response.status_code == 422
    assert "“12” is not a" in text(response)
    assert Case.objects.count() == 0


def test_it_says_calls_must_be_allowed_first_when_the_debtor_stopped_them(portal, debtor, actor):
    opt_out_record(debtor=debtor, channel=Channel.PHONE, source=OptOutSource.PORTAL, actor=actor)
    assert "allow phone calls in your contact preferences" in portal.get("/p/help/callback/").content.decode()
    response = ask(portal, "2026-11-21", "10:00")
    assert response.status_code == 422
    assert Case.objects.count() == 0


def test_it_books_one_call_on_a_double_click_and_moves_it_to_a_new_time(portal, debtor):
    ask(portal, "2026-11-21", "10:30")
    ask(portal, "2026-11-21", "10:30")
    assert Case.objects.count() == 1
    ask(portal, "2026-11-23", "17:15")
    case = Case.objects.get()
    assert case.reply_by == dt.datetime(2026, 11, 23, 17, 15, tzinfo=PARIS)
    assert case.data["local_time"] == "2026-11-23 17:15 (Europe/Paris)"
    moved = AuditEvent.objects.for_object(case).get(action="case.rescheduled")
    assert moved.actor_label == "debtor C-100 (portal)"
