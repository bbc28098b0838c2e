"""R6 offers: an arm's settlement discount replaces the margins' for its debtors, in the portal and when agreed."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from apps.arrangements.models import ArrangementStatus
from apps.arrangements.selectors import debt_options
from apps.arrangements.services import arrangement_request
from apps.audit.services import Actor
from apps.engine.due import due_steps
from apps.experiments.models import Arm, Experiment
from apps.experiments.selectors import margins_for
from apps.experiments.services import arm_update, experiment_start, experiment_stop, experiment_weights_set
from apps.policies.models import Margins
from apps.policies.selectors import margins_get
from apps.portal.access import portal_actor
from apps.tenants.models import Tenant
from tests.arrangements.conftest import MARGINS, sign_in
from tests.factories import NOW, TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def clock(tenant: Tenant):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def margins(tenant: Tenant) -> Margins:
    row = margins_get()
    Margins.objects.filter(pk=row.pk).update(**MARGINS)
    return row


def _assign_everyone_to(experiment: Experiment, label: str, actor: Actor) -> None:
    """Steer newcomers into one arm (running weights may be zero), then let a run assign them."""
    weights = {arm.pk: 1 if arm.label == label else 0 for arm in experiment.arms.all()}
    experiment_weights_set(experiment=experiment, weights=weights, actor=actor)
    due_steps(today=TODAY, assign_at=NOW)


@pytest.mark.usefixtures("margins")
def test_an_arms_discount_is_offered_and_agreed_inside_the_margins(
    actor: Actor, experiment: Experiment, tenant: Tenant
) -> None:
    arm_b = experiment.arms.get(letter="B")
    arm_update(arm=arm_b, version=arm_b.version, weight=50, settlement_discount_pct=35, actor=actor)
    experiment_start(experiment=experiment, actor=actor)
    bea = make_debtor(actor, "C-B", "Bea Arm-B", preferred_language="en")
    bea_debt = make_debt(actor, bea, "INV-B", 1000_00, days_past_due=70)
    _assign_everyone_to(experiment, "B", actor)
    alan = make_debtor(actor, "C-A", "Alan Arm-A", preferred_language="en")
    alan_debt = make_debt(actor, alan, "INV-A", 1000_00, days_past_due=70)
    _assign_everyone_to(experiment, "A", actor)

    assert margins_for(bea).max_settlement_discount_pct == 35
    assert margins_for(alan).max_settlement_discount_pct == 20
    assert margins_get().max_settlement_discount_pct == 20  # the tenant's margins are untouched
    assert debt_options(bea_debt).options.settlement.discount_pct == 35

    page = sign_in(Client(HTTP_HOST=f"{tenant.subdomain}.localhost"), bea).get(f"/p/debts/{bea_debt.pk}/options/")
    body = re.sub(r"\s+", " ", page.content.decode())
    assert "€350.00 (35%)" in body

    agreed = arrangement_request(debt=bea_debt, kind="settlement", discount_pct=35, actor=portal_actor(bea))
    assert (agreed.status, agreed.within_margins, agreed.total_minor) == (ArrangementStatus.ACTIVE, True, 650_00)
    asked = arrangement_request(debt=alan_debt, kind="settlement", discount_pct=35, actor=portal_actor(alan))
    assert (asked.status, asked.within_margins) == (ArrangementStatus.PENDING, False)


@pytest.mark.usefixtures("margins")
def test_stopping_returns_offers_to_the_margins(actor: Actor, experiment: Experiment) -> None:
    arm_b = experiment.arms.get(letter="B")
    arm_update(arm=arm_b, version=arm_b.version, weight=50, settlement_discount_pct=35, actor=actor)
    experiment_start(experiment=experiment, actor=actor)
    bea = make_debtor(actor, "C-B", "Bea Arm-B")
    make_debt(actor, bea, "INV-B", 1000_00, days_past_due=70)
    _assign_everyone_to(experiment, "B", actor)
    assert margins_for(bea).max_settlement_discount_pct == 35

    experiment_stop(experiment=experiment, actor=actor)

    assert margins_for(bea).max_settlement_discount_pct == 20


def test_the_holdout_keeps_the_margins(actor: Actor, experiment: Experiment) -> None:
    holdout = Arm.objects.get(experiment=experiment, kind="holdout")
    with pytest.raises(Exception, match="holdout keeps the usual margins"):
        arm_update(arm=holdout, weight=10, settlement_discount_pct=30, actor=actor)
