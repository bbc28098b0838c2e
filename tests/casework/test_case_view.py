"""C2: a case's page shows the debtor's profile (customer since, lifetime revenue, payment history, segment,
recorded reasons), all their debts with status and balance, and one timeline, newest first, of messages (with the
contact gate's refusals), payments and other ledger entries, notes, calls, documents and case events — read in a
fixed number of queries however long the history. Notes are dated and signed; cases are handed over."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from apps.accounts.models import Role
from apps.audit.services import Actor
from apps.casework.calls import call_log
from apps.casework.help import dispute_request
from apps.casework.models import CaseNote
from apps.casework.services import case_claim, case_note_add
from apps.casework.uploads import check_upload
from apps.contact.gate import ContactRequest, gate_decide
from apps.contact.models import CallOutcome
from apps.debtors.models import ContactPoint, ReasonSource
from apps.debtors.services import debtor_update, reason_record
from apps.debts.services import debt_payment_record
from apps.outbox.models import Message
from apps.portal.access import portal_actor
from tests.casework.conftest import pdf_bytes
from tests.casework.helpers import SYSTEM, count_queries, open_case
from tests.conftest import make_user
from tests.factories import NOW, TODAY

pytestmark = pytest.mark.django_db


def page_of(client, case) -> str:
    response = client.get(reverse("casework:detail", kwargs={"case_id": case.pk}))
    assert response.status_code == 200
    return response.content.decode()


def add_history(debtor, debt, case, agent, n: int, *, start: int = 0) -> None:
    """n of every kind of timeline entry, an hour apart."""
    for i in range(start, start + n):
        moment = NOW - dt.timedelta(days=10) + dt.timedelta(hours=i)
        with time_machine.travel(moment, tick=False):
            Message.objects.create(
                idempotency_key=f"m-{i}",
                debtor=debtor,
                channel="email",
                to_address="camille@example.fr",
                locale="fr",
                stage="friendly",
                subject=f"Reminder {i}",
                body="Hello",
                status="sent",
                created_by_label="collection run",
            )
            gate_decide(ContactRequest(debtor=debtor, channel="sms", at=NOW, debts=(debt,), contact_point=None))
            debt_payment_record(
                debt=debt,
                amount_minor=1_00,
                received_on=moment.date(),
                method="transfer",
                reference=f"p-{i}",
                actor=SYSTEM,
            )
            case_note_add(case=case, author=agent, body=f"Note {i}", actor=Actor.for_user(agent))
            reason_record(debtor=debtor, reason="forgot", source=ReasonSource.STAFF, actor=SYSTEM)
            other = open_case(debtor, f"Other case {i}")
            case_claim(case=other, user=agent, actor=Actor.for_user(agent))


def test_it_shows_the_debtors_profile_and_all_their_debts(client_for, agent, debtor, debt, second_debt, actor):
    debtor_update(debtor=debtor, actor=actor, customer_since=dt.date(2019, 3, 1), lifetime_revenue_minor=4_250_00)
    debt_payment_record(debt=debt, amount_minor=20_00, received_on=TODAY, method="transfer", actor=actor)
    reason_record(debtor=debtor, reason="unhappy", source=ReasonSource.PORTAL, actor=portal_actor(debtor), debt=debt)
    reason_record(debtor=debtor, reason="cash_flow", source=ReasonSource.CALL, actor=actor, note="Waiting on a client")
    case = open_case(debtor, "No option fits", debt=debt)

    page = page_of(client_for(agent), case)

    for text in (
        "Customer since",
        "Mar 1, 2019",
        "€4,250.00",
        "1 payment",
        "€20.00",
        "<strong>Cash flow</strong>",  # the latest recorded reason
        "Waiting on a client",
        "Cash flow ×1, Unhappy with the goods or service ×1",
        "INV-1",
        "€100.00",  # INV-1's balance after the payment
        "INV-2",
        "€80.00",
        "€180.00",  # the open balance
    ):
        assert text in page, text


def test_it_merges_everything_into_one_timeline_newest_first(client_for, agent, debtor, debt, second_debt, upload):
    dispute = dispute_request(
        debtor=debtor,
        debt=debt,
        reason="wrong_amount",
        details="Charged twice.",
        uploads=[check_upload(upload("proof.pdf", pdf_bytes()))],
        actor=portal_actor(debtor),
    ).case
    moments = iter(NOW + dt.timedelta(minutes=m) for m in range(1, 10))
    with time_machine.travel(next(moments), tick=False):
        Message.objects.create(
            idempotency_key="m",
            debtor=debtor,
            channel="email",
            to_address="camille@example.fr",
            locale="fr",
            stage="friendly",
            subject="Your invoice INV-1",
            body="Hello",
            status="sent",
            created_by_label="collection run",
        )
    with time_machine.travel(next(moments), tick=False):
        # A disputed debt: the gate refuses to contact the debtor about it.
        debt.refresh_from_db()
        gate_decide(ContactRequest(debtor=debtor, channel="email", at=NOW, debts=(debt,), contact_point=None))
    with time_machine.travel(next(moments), tick=False):
        debt_payment_record(debt=debt, amount_minor=30_00, received_on=TODAY, method="transfer", actor=SYSTEM)
    with time_machine.travel(next(moments), tick=False):
        case_note_add(case=dispute, author=agent, body="Asked the shop for the order.", actor=Actor.for_user(agent))
    # Not about the disputed debt: the gate allows a call about the other one.
    with time_machine.travel(next(moments), tick=False):
        other = open_case(debtor, "Callback please", debt=second_debt)
        call_log(
            case=other,
            agent=agent,
            contact_point=ContactPoint.objects.get(debtor=debtor, kind="phone"),
            outcome=CallOutcome.VOICEMAIL,
            note="Left a message.",
            actor=Actor.for_user(agent),
        )

    body = page_of(client_for(agent), dispute)
    timeline = body[body.index('id="timeline-title"') :]
    order = [
        "Voicemail · +33612345678",  # on another case of the debtor, linked
        "Asked the shop for the order.",
        "Payment on INV-1",
        "Email refused by the contact rules",
        "Email: Your invoice INV-1",
    ]
    positions = [timeline.index(text) for text in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    # The dispute itself came first (all at one moment: its case, the debt disputed, the document).
    for text in ("proof.pdf", "Disputed: INV-1", "Case opened"):
        assert timeline.rindex(text) > positions[-1], text
    assert "Debt INV-1 is disputed" in timeline
    assert "Left a message." in timeline
    assert f'href="/cases/{other.pk}/">Callback please</a>' in timeline
    assert "€30.00" in timeline


def test_it_reads_the_case_page_in_a_fixed_number_of_queries(client_for, agent, debtor, debt, second_debt):
    case = open_case(debtor, "No option fits", debt=debt)
    browser = client_for(agent)
    add_history(debtor, debt, case, agent, 1)
    few = count_queries(connection, lambda: page_of(browser, case))
    add_history(debtor, debt, case, agent, 12, start=1)
    many = count_queries(connection, lambda: page_of(browser, case))
    assert many == few, (few, many)


def test_an_agent_adds_a_dated_signed_note(client_for, agent, debtor, debt):
    case = open_case(debtor, "No option fits", debt=debt)
    browser = client_for(agent)

    response = browser.post(reverse("casework:note", kwargs={"case_id": case.pk}), {"body": " Sent the statement. "})

    assert response.status_code == 302
    note = CaseNote.objects.get()
    assert (note.case, note.author, note.author_label, note.body, note.created_at) == (
        case,
        agent,
        agent.email,
        "Sent the statement.",
        NOW,
    )
    page = page_of(browser, case)
    assert "Note added." in page
    assert "Sent the statement." in page


def test_an_empty_note_is_refused(client_for, agent, debtor):
    case = open_case(debtor)
    response = client_for(agent).post(reverse("casework:note", kwargs={"case_id": case.pk}), {"body": "  "})
    assert response.status_code == 422
    assert "Write the note first." in response.content.decode()
    assert not CaseNote.objects.exists()


def test_a_viewer_reads_notes_but_writes_none(client_for, viewer, agent, debtor):
    case = open_case(debtor)
    case_note_add(case=case, author=agent, body="Checked the order.", actor=Actor.for_user(agent))
    browser = client_for(viewer)
    page = page_of(browser, case)
    assert "Checked the order." in page
    assert "Add the note" not in page
    assert browser.post(reverse("casework:note", kwargs={"case_id": case.pk}), {"body": "x"}).status_code == 403


@pytest.fixture
def colleague(tenant):
    return make_user(Role.AGENT, "bea.agent@acme.test")


def assign(client, case, to, expected):
    return client.post(
        reverse("casework:assign", kwargs={"case_id": case.pk}),
        {"user": str(to.public_id) if to else "", "expected": str(expected.public_id) if expected else ""},
        follow=True,
    )


def test_an_agent_hands_their_case_to_a_colleague(client_for, agent, colleague, debtor):
    case = open_case(debtor)
    case_claim(case=case, user=agent, actor=Actor.for_user(agent))
    response = assign(client_for(agent), case, colleague, agent)
    assert "Bea.Agent holds the case now." in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == colleague


def test_an_agent_cannot_take_a_colleagues_case_but_a_manager_can_hand_it_over(
    client_for, agent, colleague, manager, debtor
):
    case = open_case(debtor)
    case_claim(case=case, user=colleague, actor=Actor.for_user(colleague))

    response = client_for(agent).post(reverse("casework:claim", kwargs={"case_id": case.pk}), follow=True)
    assert "Bea.Agent has this case: ask them, or a manager, to hand it over." in response.content.decode()
    response = assign(client_for(agent), case, agent, colleague)
    assert "only a manager can hand it to someone else" in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == colleague

    assign(client_for(manager), case, agent, colleague)
    case.refresh_from_db()
    assert case.assigned_to == agent


def test_a_hand_over_from_a_stale_page_changes_nothing(client_for, agent, colleague, manager, debtor):
    case = open_case(debtor)
    case_claim(case=case, user=colleague, actor=Actor.for_user(colleague))
    # The manager's page showed the case unassigned; the colleague took it since.
    response = assign(client_for(manager), case, agent, None)
    assert "Bea.Agent has this case" in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == colleague
