"""C5: attorney letter, agency hand-off and write-off are actions of managers and owners, audited, each with a
reason; a hand-off takes the debt out of the engine's hands; a time-barred debt gets no attorney letter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.arrangements.models import Arrangement
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.contact.models import GateDecision
from apps.debtors.models import Debtor
from apps.debtors.services import contact_point_add
from apps.debts.models import Debt, DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from apps.engine.due import due_steps
from apps.engine.models import StepDone
from apps.engine.services import collection_run
from apps.escalations.models import AgencyHandoff, AttorneyLetter
from apps.escalations.services import agency_handoff, attorney_letter_send
from apps.outbox.models import Message
from apps.tenants.models import Tenant
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = pytest.mark.django_db
ClientFor = Callable[..., Client]
REASON = "No answer to three letters and two calls."


def _post(client: Client, url: str, prefix: str, **fields: object) -> object:
    return client.post(url, {f"{prefix}-{name}": value for name, value in fields.items()})


def _hand_off(client: Client, debt: Debt, **fields: object) -> object:
    values = {"agency_name": "Recouvra SAS", "commission_pct": 25, "reason": REASON, **fields}
    return _post(client, f"/escalations/debts/{debt.pk}/hand-off/", "handoff", **values)


# Roles ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agents_and_viewers_cannot_escalate(
    role: str, request: pytest.FixtureRequest, client_for: ClientFor, debt: Debt
) -> None:
    user: User = request.getfixturevalue(role)
    client = client_for(user)
    assert _post(client, f"/escalations/debts/{debt.pk}/attorney-letter/", "letter", reason=REASON).status_code == 403
    assert _hand_off(client, debt).status_code == 403
    assert _post(client, f"/escalations/debts/{debt.pk}/write-off/", "writeoff", reason=REASON).status_code == 403
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE
    assert not AgencyHandoff.objects.exists()
    page = client.get(f"/debts/{debt.pk}/").content.decode()
    assert "Before a hand-off" not in page
    assert "/hand-off/" not in page


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_managers_and_owners_hand_off_a_debt_and_it_is_audited(
    role: str, request: pytest.FixtureRequest, client_for: ClientFor, debt: Debt
) -> None:
    user: User = request.getfixturevalue(role)
    page = client_for(user).get(f"/debts/{debt.pk}/").content.decode()
    assert 'name="handoff-commission_pct"' in page
    assert 'value="30"' in page  # the tenant's default commission

    response = _hand_off(client_for(user), debt)

    assert response.status_code == 302
    assert response["Location"] == f"/debts/{debt.pk}/"
    debt.refresh_from_db()
    assert debt.status == DebtStatus.ESCALATED
    handoff = AgencyHandoff.objects.get(debt=debt)
    assert (handoff.agency_name, handoff.commission_pct, handoff.balance_minor, handoff.expected_net_minor) == (
        "Recouvra SAS",
        25,
        1000_00,
        750_00,
    )
    assert (handoff.reason, handoff.handed_off_by_label, handoff.is_open) == (REASON, Actor.for_user(user).label, True)
    event = AuditEvent.objects.get(action="escalation.agency_handoff")
    assert (event.actor_user, event.reason, event.object_id) == (user, REASON, str(handoff.pk))
    assert event.after["balance_minor"] == 1000_00
    assert AuditEvent.objects.filter(action="debt.escalate", object_id=str(debt.pk)).exists()
    page = client_for(user).get(f"/debts/{debt.pk}/").content.decode()
    assert "With Recouvra SAS since" in page


def test_every_action_needs_a_reason(client_for: ClientFor, manager: User, debt: Debt) -> None:
    client = client_for(manager)
    response = _hand_off(client, debt, reason="  ")
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = _post(client, f"/escalations/debts/{debt.pk}/write-off/", "writeoff", reason="")
    assert response.status_code == 422
    response = _post(client, f"/escalations/debts/{debt.pk}/attorney-letter/", "letter", reason="")
    assert response.status_code == 422
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE
    assert not AgencyHandoff.objects.exists()
    assert not Message.objects.filter(channel="letter").exists()


# Hand-off ---------------------------------------------------------------------------------------------------------


def test_a_handed_off_debt_is_left_alone_by_the_engine_until_it_is_taken_back(
    client_for: ClientFor, manager: User, actor: Actor, debtor: Debtor, debt: Debt
) -> None:
    other = make_debtor(actor, "C-200", "Bruno Autre")
    contact_point_add(debtor=other, kind="email", value="bruno@example.fr", actor=actor)
    other_debt = make_debt(actor, other, "INV-2", 50_00, days_past_due=70)
    due = {m.debtor_id: m.debt_ids for m in due_steps(today=TODAY).messages}
    assert due[debtor.pk] == (debt.pk,)

    agency_handoff(debt=debt, agency_name="Recouvra SAS", commission_pct=30, reason=REASON, actor=actor)

    due = {m.debtor_id for m in due_steps(today=TODAY).messages}
    assert debtor.pk not in due
    assert other.pk in due
    run = collection_run()
    assert not Message.objects.filter(debtor=debtor).exists()
    assert not StepDone.objects.filter(debt=debt).exists()
    assert StepDone.objects.filter(debt=other_debt, run=run).exists()

    handoff = AgencyHandoff.objects.get()
    response = _post(
        client_for(manager), f"/escalations/hand-offs/{handoff.pk}/take-back/", "recall", reason="Agency closed"
    )
    assert response.status_code == 302
    debt.refresh_from_db()
    handoff.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE
    assert (handoff.is_open, handoff.end_reason) == (False, "Agency closed")
    assert AuditEvent.objects.filter(action="escalation.handoff_ended", reason="Agency closed").exists()
    assert debtor.pk in {m.debtor_id for m in due_steps(today=TODAY).messages}


def test_it_refuses_a_second_hand_off_and_one_while_a_plan_runs(
    client_for: ClientFor, manager: User, actor: Actor, debt: Debt, debtor: Debtor
) -> None:
    assert _hand_off(client_for(manager), debt).status_code == 302
    response = _hand_off(client_for(manager), debt, agency_name="Other agency")
    assert response.status_code == 422
    assert "INV-1 is already with an agency." in response.content.decode()
    assert AgencyHandoff.objects.count() == 1

    planned = make_debt(actor, debtor, "INV-3", 300_00, days_past_due=70)
    Arrangement.objects.create(
        debt=planned,
        kind="plan",
        status="active",
        balance_minor=300_00,
        total_minor=300_00,
        currency="EUR",
        within_margins=True,
        created_by_label="test",
    )
    response = _hand_off(client_for(manager), planned)
    assert response.status_code == 422
    assert "has a payment arrangement running" in response.content.decode()


# Write-off --------------------------------------------------------------------------------------------------------


def test_a_manager_writes_a_debt_off_from_the_panel_and_its_hand_off_ends(
    client_for: ClientFor, manager: User, actor: Actor, debt: Debt
) -> None:
    agency_handoff(debt=debt, agency_name="Recouvra SAS", commission_pct=30, reason=REASON, actor=actor)
    response = _post(
        client_for(manager),
        f"/escalations/debts/{debt.pk}/write-off/",
        "writeoff",
        reason="Agency found the debtor insolvent",
        next=f"/debts/{debt.pk}/",
    )
    assert response.status_code == 302
    debt.refresh_from_db()
    assert debt.status == DebtStatus.WRITTEN_OFF
    assert debt_balance_minor(debt) == 0
    assert LedgerEntry.objects.get(debt=debt, kind=EntryKind.WRITE_OFF).amount_minor == -1000_00
    event = AuditEvent.objects.get(action="debt.write_off", object_id=str(debt.pk))
    assert (event.actor_user, event.reason) == (manager, "Agency found the debtor insolvent")
    assert not AgencyHandoff.objects.get().is_open


# Attorney letter --------------------------------------------------------------------------------------------------


def test_a_manager_sends_an_attorney_letter_through_the_outbox(
    client_for: ClientFor, manager: User, debt: Debt
) -> None:
    response = _post(client_for(manager), f"/escalations/debts/{debt.pk}/attorney-letter/", "letter", reason=REASON)

    assert response.status_code == 302
    letter = AttorneyLetter.objects.get(debt=debt)
    message = letter.message
    assert (message.channel, message.stage, message.source, message.locale) == ("letter", "final", "manual", "en")
    assert message.template is not None
    assert message.template.key == "attorney-letter"
    assert list(message.debts.all()) == [debt]
    assert "€1,000.00" in message.body
    assert "L111-8" in message.body  # acme is French: the letter quotes the article
    assert "Acme Recouvrement SARL has decided to pass this file to its lawyer" in message.body
    assert GateDecision.objects.get(channel="letter").outcome == "allow"
    event = AuditEvent.objects.get(action="escalation.attorney_letter")
    assert (event.actor_user, event.reason, event.after["message"]) == (manager, REASON, str(message.pk))
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE  # the schedule goes on until someone decides more
    # The same letter twice on one day is one letter.
    _post(client_for(manager), f"/escalations/debts/{debt.pk}/attorney-letter/", "letter", reason=REASON)
    assert AttorneyLetter.objects.count() == 1


def test_a_time_barred_debt_gets_no_attorney_letter(client_for: ClientFor, manager: User, debt: Debt) -> None:
    Debt.objects.filter(pk=debt.pk).update(limitation_expires_on=TODAY - dt.timedelta(days=1))

    response = _post(client_for(manager), f"/escalations/debts/{debt.pk}/attorney-letter/", "letter", reason=REASON)

    assert response.status_code == 422
    html = response.content.decode()
    assert "The attorney letter for INV-1 was not sent: Debt INV-1 is time-barred: no legal-stage message." in html
    assert not Message.objects.exists()
    assert not AttorneyLetter.objects.exists()
    assert GateDecision.objects.get(channel="letter").rule == "time_barred"
    assert not AuditEvent.objects.filter(action="escalation.attorney_letter").exists()


def test_it_refuses_an_attorney_letter_without_an_address_or_for_a_debt_in_a_plan(
    manager: User, actor: Actor, debt: Debt, debtor: Debtor
) -> None:
    nobody = make_debtor(actor, "C-300", "No Address")
    unaddressed = make_debt(actor, nobody, "INV-4", 200_00, days_past_due=80)
    with pytest.raises(Exception, match="No contact point for this channel"):
        attorney_letter_send(debt=unaddressed, reason=REASON, actor=actor)
    Debt.objects.filter(pk=debt.pk).update(status=DebtStatus.IN_PLAN)
    debt.refresh_from_db()
    with pytest.raises(Exception, match="goes only for an overdue debt; INV-1 is in a payment plan"):
        attorney_letter_send(debt=debt, reason=REASON, actor=actor)
    assert not Message.objects.exists()


def test_a_us_attorney_letter_waits_for_the_end_of_the_validation_period(other_tenant: Tenant, outsider: User) -> None:
    with tenant_context(other_tenant):
        actor = Actor.for_user(outsider)
        sam = make_debtor(actor, "US-1", "Sam Carter", preferred_language="en", timezone="America/New_York")
        contact_point_add(
            debtor=sam,
            kind="address",
            address_line1="5 Elm Street",
            postal_code="11201",
            city="Brooklyn",
            region="NY",
            country="US",
            actor=actor,
        )
        debt = make_debt(actor, sam, "US-INV-1", 400_00, currency="USD", days_past_due=40)
        Debt.objects.filter(pk=debt.pk).update(validation_ends_on=TODAY + dt.timedelta(days=3))
        debt.refresh_from_db()
        with pytest.raises(Exception, match="would overshadow the debtor's right to dispute"):
            attorney_letter_send(debt=debt, reason=REASON, actor=actor)
        Debt.objects.filter(pk=debt.pk).update(validation_ends_on=TODAY - dt.timedelta(days=1))
        debt.refresh_from_db()
        letter, _verdict = attorney_letter_send(debt=debt, reason=REASON, actor=actor)
        assert "This is an attempt to collect a debt" in letter.message.body
        assert "has decided to refer this account to its attorney" in letter.message.body
