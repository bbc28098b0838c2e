"""R2: the preview of a draft beside the live version, from the engine's own due-step query, writing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.services import Actor
from apps.engine.models import StepDone
from apps.engine.preview import preview
from apps.policies.models import PolicyVersion, Step
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_it_shows_each_step_on_the_day_it_falls_due_under_draft_and_live(
    actor: Actor, live_version: PolicyVersion
) -> None:
    draft = PolicyVersion.objects.create(policy=live_version.policy, number=2)
    Step.objects.create(
        version=draft, position=1, offset_days=3, channel="sms", template_key="engine-early", stage="friendly"
    )
    ana = make_debtor(actor, "D-1", "Ana")
    debt = make_debt(actor, ana, "INV-1", 100_00, days_past_due=0)

    result = preview(draft, days=10, start=TODAY)

    live_days = [(row.day, row.offset_days, row.channel) for row in result.live.rows]
    assert live_days == [
        (TODAY, -3, "email"),  # the reminder was never sent
        (TODAY + dt.timedelta(days=1), 1, "email"),
        (TODAY + dt.timedelta(days=7), 7, "sms"),
    ]
    assert [(row.day, row.template_key) for row in result.draft.rows] == [
        (TODAY + dt.timedelta(days=3), "engine-early")
    ]
    assert result.draft.rows[0].debtor == ana
    assert result.draft.rows[0].debts == [debt]
    counts = {d.day: (d.draft, d.live) for d in result.days}
    assert counts[TODAY + dt.timedelta(days=3)] == (1, 0)
    assert counts[TODAY + dt.timedelta(days=7)] == (0, 1)
    assert counts[TODAY + dt.timedelta(days=4)] == (0, 0)
    assert len(result.days) == 10
    assert not StepDone.objects.exists()


def test_it_shows_managers_the_preview_page_and_its_fragment(
    actor: Actor, live_version: PolicyVersion, manager: object, client_for: Callable[..., Client]
) -> None:
    ana = make_debtor(actor, "D-1", "Ana Preview")
    make_debt(actor, ana, "INV-PREVIEW", 100_00, days_past_due=6)
    url = reverse("engine:preview", kwargs={"policy_id": live_version.policy_id})
    page = client_for(manager).get(url)
    assert page.status_code == 200
    assert "Ana Preview" in page.text
    assert "INV-PREVIEW" in page.text
    fragment = client_for(manager).get(url, headers={"HX-Request": "true", "HX-Target": "policy-preview"})
    assert "Ana Preview" in fragment.text
    assert "<html" not in fragment.text


def test_it_refuses_the_preview_to_agents(
    live_version: PolicyVersion, agent: object, client_for: Callable[..., Client]
) -> None:
    url = reverse("engine:preview", kwargs={"policy_id": live_version.policy_id})
    assert client_for(agent).get(url).status_code == 403


def test_the_version_page_links_to_its_preview(
    live_version: PolicyVersion, manager: object, client_for: Callable[..., Client]
) -> None:
    client = client_for(manager)
    page = client.get(
        reverse("policies:version", kwargs={"policy_id": live_version.policy_id, "number": live_version.number})
    )
    link = reverse("engine:preview", kwargs={"policy_id": live_version.policy_id}) + f"?version={live_version.pk}"
    assert link in page.content.decode()
    assert client.get(link).status_code == 200
