"""C1: the worklist holds every kind of case, counts open ones per kind, filters by who holds a case and by a
search, sorts by the reply-by time, and lets an agent take a case from the list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from apps.accounts.models import Role
from apps.audit.services import Actor
from apps.casework.models import CaseKind
from apps.casework.services import case_claim, case_resolve
from tests.casework.helpers import SYSTEM, open_case
from tests.conftest import make_user
from tests.factories import NOW, make_debt, make_debtor

pytestmark = pytest.mark.django_db


def subjects(response) -> list[str]:
    return [c.subject for c in response.context["page"].object_list]


def test_every_kind_of_case_reaches_the_worklist_and_is_counted(client_for, agent, debtor):
    for n, kind in enumerate(CaseKind.values):
        open_case(debtor, f"{kind} case", kind=kind, reply_by=NOW + dt.timedelta(hours=n + 1))
    open_case(debtor, "late one", kind=CaseKind.DISPUTE, reply_by=NOW - dt.timedelta(hours=1))

    response = client_for(agent).get("/cases/")

    assert sorted(subjects(response)) == sorted([f"{kind} case" for kind in CaseKind.values] + ["late one"])
    summary = response.context["summary"]
    counts = {row.kind: (row.open, row.overdue) for row in summary.kinds}
    assert counts[CaseKind.DISPUTE] == (2, 1)
    assert all(counts[kind] == (1, 0) for kind in CaseKind.values if kind != CaseKind.DISPUTE)
    assert (summary.open, summary.overdue, summary.unassigned, summary.mine) == (len(CaseKind.values) + 1, 1, 14, 0)
    page = response.content.decode()
    for label in ("Phone step", "Contact to fix", "Follow-up call", "Chargeback", "Missed instalment"):
        assert label in page


def test_it_filters_by_who_holds_the_case(client_for, agent, manager, debtor):
    colleague = make_user(Role.AGENT, "bea.agent@acme.test")
    mine = open_case(debtor, "mine")
    theirs = open_case(debtor, "theirs")
    open_case(debtor, "nobody's")
    case_claim(case=mine, user=agent, actor=Actor.for_user(agent))
    case_claim(case=theirs, user=colleague, actor=Actor.for_user(colleague))
    client = client_for(manager)

    assert subjects(client.get("/cases/?assigned=nobody")) == ["nobody's"]
    assert subjects(client.get(f"/cases/?assigned={colleague.public_id}")) == ["theirs"]
    page = client.get("/cases/").content.decode()
    assert f'<option value="{colleague.public_id}">Bea.Agent</option>' in page


def test_it_searches_subject_debtor_and_invoice(client_for, agent, actor, debtor, debt):
    open_case(debtor, "Camille's dispute", kind=CaseKind.DISPUTE, debt=debt)
    someone = make_debtor(actor, "Z-9", "Zoe Zed")
    open_case(someone, "Chargeback on card", kind=CaseKind.CHARGEBACK, debt=make_debt(actor, someone, "Z-INV", 5_00))
    client = client_for(agent)

    assert subjects(client.get("/cases/?q=zoe")) == ["Chargeback on card"]
    assert subjects(client.get("/cases/?q=INV-1")) == ["Camille's dispute"]
    assert subjects(client.get("/cases/?q=c-100")) == ["Camille's dispute"]
    assert subjects(client.get("/cases/?q=chargeback")) == ["Chargeback on card"]


def test_it_sorts_by_reply_by_or_age(client_for, agent, debtor):
    with time_machine.travel(NOW - dt.timedelta(hours=2), tick=False):
        open_case(debtor, "high, later", kind=CaseKind.DISPUTE, reply_by=NOW + dt.timedelta(days=3))
    open_case(debtor, "normal, sooner", reply_by=NOW + dt.timedelta(days=1))
    client = client_for(agent)

    assert subjects(client.get("/cases/")) == ["high, later", "normal, sooner"]
    assert subjects(client.get("/cases/?sort=due")) == ["normal, sooner", "high, later"]
    assert subjects(client.get("/cases/?sort=newest")) == ["normal, sooner", "high, later"]
    assert subjects(client.get("/cases/?sort=oldest")) == ["high, later", "normal, sooner"]


def test_an_agent_takes_a_case_from_the_list_and_comes_back_to_it(client_for, agent, debtor):
    case = open_case(debtor, "Take me", kind=CaseKind.HARDSHIP)
    client = client_for(agent)
    page = client.get("/cases/?kind=hardship").content.decode()
    assert reverse("casework:claim", kwargs={"case_id": case.pk}) in page

    response = client.post(
        reverse("casework:claim", kwargs={"case_id": case.pk}), {"from": "list", "query": "kind=hardship"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/cases/?kind=hardship"
    assert "The case is yours: Take me." in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == agent
    assert subjects(client.get("/cases/?mine=on")) == ["Take me"]


def test_a_resolved_case_cannot_be_taken(client_for, agent, debtor):
    case = open_case(debtor)
    case_resolve(case=case, resolution="done", actor=SYSTEM)
    response = client_for(agent).post(reverse("casework:claim", kwargs={"case_id": case.pk}), follow=True)
    assert "This case is already resolved." in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to is None
