"""C3 call scripts: defaults per stage, segment and language with the jurisdiction's disclosures; which script a
call gets; managers edit them, agents read them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.engine.models import CollectionRun, StepDone, StepOutcome
from apps.policies.defaults import LOCALES, MINI_MIRANDA, SCRIPT_SEGMENTS, default_call_scripts
from apps.policies.models import CallScript, ContactRules, PolicyVersion, Stage, Step, VersionStatus
from apps.policies.scripts import call_script_for, call_script_pick
from apps.policies.services import ScriptRefused, call_script_save, contact_rules_update
from apps.policies.validation import call_script_check
from apps.tenants.models import Tenant
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
ClientFor = Callable[..., Client]
SEGMENTS = ["", *SCRIPT_SEGMENTS]


def _script(stage: str, segment: str = "", locale: str = "en") -> CallScript:
    return CallScript.objects.get(stage=stage, segment=segment, locale=locale)


def _act_on(debt: Debt, stage: str, offset: int, run_date: dt.date = TODAY) -> None:
    """Record that the engine acted on a step of `stage` for `debt` (what the daily run leaves behind)."""
    version = PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).first()
    assert version is not None
    step = Step.objects.create(
        version=version,
        position=100 + StepDone.objects.count(),
        offset_days=offset,
        channel="email",
        template_key="overdue",
        stage=stage,
    )
    run, _ = CollectionRun.objects.get_or_create(run_date=run_date)
    StepDone.objects.create(
        debt=debt, run=run, step=step, kind="schedule", offset_days=offset, outcome=StepOutcome.QUEUED
    )


def _segment(debtor: Debtor, segment: str) -> Debtor:
    Debtor.objects.filter(pk=debtor.pk).update(segment=segment)
    debtor.refresh_from_db()
    return debtor


# Defaults --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", ["US", "FR", "PL"])
def test_it_ships_a_script_for_every_stage_segment_and_language_that_passes_every_check(jurisdiction: str) -> None:
    rows = default_call_scripts(jurisdiction)
    assert {(r["stage"], r["segment"], r["locale"]) for r in rows} == {
        (stage, segment, locale) for stage in Stage.values for segment in SEGMENTS for locale in LOCALES
    }
    for row in rows:
        check = call_script_check(
            stage=row["stage"], locale=row["locale"], jurisdiction=jurisdiction, fields=row, calls_recorded=True
        )
        assert (check.errors, check.warnings) == ([], []), (row["stage"], row["segment"], row["locale"])


def test_it_installs_the_french_scripts_with_creditor_identity_amicable_nature_and_l111_8(tenant: Tenant) -> None:
    assert CallScript.objects.count() == len(Stage.values) * len(SEGMENTS) * len(LOCALES)
    for locale, amicable in (("fr", "amiable"), ("en", "amicable"), ("pl", "polubown")):
        for stage in Stage.values:
            script = _script(stage, "", locale)
            assert "{{ creditor.name }}" in script.disclosures
            assert amicable in script.disclosures
            assert "L111-8" in script.disclosures
            assert "{{ total }}" not in script.voicemail


def test_it_installs_the_us_scripts_with_the_mini_miranda_and_no_third_party_disclosure(other_tenant: Tenant) -> None:
    with tenant_context(other_tenant):
        for locale in LOCALES:
            for stage in Stage.values:
                script = _script(stage, "at_risk", locale)
                assert MINI_MIRANDA[locale] in script.disclosures
                assert "{{ debtor.name }}" in script.disclosures
        assert "anyone else" in _script("friendly").disclosures
        assert not re.search(r"\b(?:debts?|owe|collect)\b", _script("final").voicemail.lower())
    connection.set_schema_to_public()


def test_it_writes_polish_disclosures_with_identity_basis_and_the_harassment_ban() -> None:
    for row in default_call_scripts("PL"):
        assert "{{ creditor.name }}" in row["disclosures"]
        assert "{{ debts }}" in row["disclosures"]
        assert "190a" in row["disclosures"]
    polish = next(r for r in default_call_scripts("PL") if r["locale"] == "pl")
    assert "zakaz nękania" in polish["disclosures"]


# Which script a call gets ----------------------------------------------------------------------------------------


def _render(debtor: Debtor, debt: Debt | None, user: User | None = None) -> str:
    request = RequestFactory().get("/")
    context = Context(
        {"debtor": debtor, "debt": debt, "request": request, "can": {"manage_policies": user is not None}}
    )
    return Template("{% load call_scripts %}{% call_script debtor debt %}").render(context)


def test_it_picks_the_friendly_script_in_the_debtors_language_and_segment_before_any_step(actor: Actor) -> None:
    debtor = _segment(make_debtor(actor, "C-1", "Camille Durand", preferred_language="fr"), "on_time")
    debt = make_debt(actor, debtor, "INV-1", 120_00, days_past_due=3)

    shown = call_script_for(debtor=debtor, debt=debt)

    assert shown.script == _script(Stage.FRIENDLY, "on_time", "fr")
    assert (shown.stage, shown.other_segment, shown.other_language) == (Stage.FRIENDLY, False, False)
    assert shown.goal.endswith("c'est sans doute un oubli.")
    assert "Dites simplement ce qui reste à régler : 120,00\u00a0€." in shown.talking_points
    assert any("Acme Recouvrement SARL" in line for line in shown.disclosures)


def test_it_picks_the_stage_of_the_last_step_acted_on_for_the_debt(actor: Actor) -> None:
    debtor = _segment(make_debtor(actor, "C-1", "Camille Durand", preferred_language="en"), "at_risk")
    debt = make_debt(actor, debtor, "INV-1", 120_00, days_past_due=70)
    other = make_debt(actor, debtor, "INV-2", 80_00, days_past_due=70)
    _act_on(debt, Stage.FIRM, 30, TODAY - dt.timedelta(days=40))
    _act_on(debt, Stage.FINAL, 60, TODAY - dt.timedelta(days=10))
    _act_on(other, Stage.FIRM, 30, TODAY - dt.timedelta(days=5))

    assert call_script_for(debtor=debtor, debt=debt).script == _script(Stage.FINAL, "at_risk", "en")
    assert call_script_for(debtor=debtor, debt=other).script == _script(Stage.FIRM, "at_risk", "en")
    # About all the debtor's debts: the latest step on any of them.
    assert call_script_for(debtor=debtor).stage == Stage.FIRM


def test_it_falls_back_to_any_segment_then_the_tenants_language(actor: Actor, tenant: Tenant) -> None:
    debtor = _segment(make_debtor(actor, "C-1", "Jan Kowalski", preferred_language="pl"), "repeatedly_late")
    debt = make_debt(actor, debtor, "INV-1", 120_00, days_past_due=10)
    assert call_script_for(debtor=debtor, debt=debt).script == _script(Stage.FRIENDLY, "repeatedly_late", "pl")

    _script(Stage.FRIENDLY, "repeatedly_late", "pl").delete()
    shown = call_script_for(debtor=debtor, debt=debt)
    assert shown.script == _script(Stage.FRIENDLY, "", "pl")
    assert shown.other_segment

    _script(Stage.FRIENDLY, "", "pl").delete()
    shown = call_script_for(debtor=debtor, debt=debt)
    assert shown.script == _script(Stage.FRIENDLY, "repeatedly_late", tenant.default_locale)
    assert shown.other_language

    assert call_script_pick(stage=Stage.FRIENDLY, segment="", locale="de", tenant_locale="fr") == _script(
        Stage.FRIENDLY, "", "fr"
    )


def test_it_renders_the_tag_beside_a_call_form_with_the_recording_notice_when_calls_are_recorded(
    actor: Actor, manager: User
) -> None:
    debtor = _segment(make_debtor(actor, "C-1", "Ann Smith", preferred_language="en"), "new")
    debt = make_debt(actor, debtor, "INV-9", 64_90, days_past_due=5)
    html = _render(debtor, debt)
    assert "Call script" in html
    assert "Friendly" in html
    assert "Who should receive our invoices?" in html
    assert "This call is recorded" not in html
    assert "Edit this script" not in html

    contact_rules_update(actor=actor, calls_recorded=True)
    html = _render(debtor, debt, user=manager)
    assert "This call is recorded so that we both have an accurate record of what we agree." in html
    assert "Edit this script" in html


def test_it_warns_the_agent_off_legal_threats_on_a_time_barred_debt(actor: Actor) -> None:
    debtor = make_debtor(actor, "C-1", "Ann Smith")
    debt = make_debt(actor, debtor, "INV-OLD", 64_90, days_past_due=900)
    Debt.objects.filter(pk=debt.pk).update(limitation_expires_on=TODAY - dt.timedelta(days=1))
    debt.refresh_from_db()
    assert "Debt INV-OLD is time-barred: do not mention legal action or a lawsuit." in _render(debtor, debt)


# Editing ---------------------------------------------------------------------------------------------------------


def _fields(script: CallScript, **changes: str) -> dict[str, Any]:
    return {
        **{
            f: getattr(script, f)
            for f in ("goal", "talking_points", "open_questions", "voicemail", "disclosures", "recording_notice")
        },
        **changes,
    }


def test_a_manager_edits_a_script_and_it_is_audited(client_for: ClientFor, manager: User) -> None:
    script = _script(Stage.FIRM, "new", "en")
    response = client_for(manager).post(
        f"/policies/scripts/{script.pk}/",
        _fields(script, goal="Agree a first payment today.", open_questions="What could you pay this week?"),
    )
    assert response.status_code == 302
    script.refresh_from_db()
    assert (script.goal, script.open_questions) == ("Agree a first payment today.", "What could you pay this week?")
    assert script.updated_by_label == Actor.for_user(manager).label
    event = AuditEvent.objects.get(action="call_script.updated", object_id=str(script.pk))
    assert event.after == {"goal": "Agree a first payment today.", "open_questions": "What could you pay this week?"}


def test_an_agent_reads_scripts_but_cannot_edit_them(client_for: ClientFor, agent: User) -> None:
    script = _script(Stage.FRIENDLY)
    client = client_for(agent)
    assert client.get("/policies/scripts/").status_code == 200
    page = client.get(f"/policies/scripts/{script.pk}/")
    assert page.status_code == 200
    assert "<fieldset disabled>" in page.content.decode()
    assert re.search(r'<textarea[^>]*name="talking_points"[^>]*>\s*Start warmly', page.content.decode())
    assert client.post(f"/policies/scripts/{script.pk}/", _fields(script, goal="Be firm.")).status_code == 403
    assert client.post(f"/policies/scripts/{script.pk}/preview/", _fields(script)).status_code == 403
    script.refresh_from_db()
    assert script.goal != "Be firm."


def test_it_refuses_to_drop_the_french_l111_8_disclosure(client_for: ClientFor, manager: User) -> None:
    script = _script(Stage.FRIENDLY, "", "fr")
    before = script.disclosures
    without = "\n".join(line for line in before.splitlines() if "L111-8" not in line)
    response = client_for(manager).post(f"/policies/scripts/{script.pk}/", _fields(script, disclosures=without))
    assert response.status_code == 422
    assert "article L111-8" in response.content.decode()
    script.refresh_from_db()
    assert script.disclosures == before


def test_it_refuses_a_us_script_without_the_mini_miranda_or_with_a_revealing_voicemail(other_tenant: Tenant) -> None:
    with tenant_context(other_tenant):
        script = _script(Stage.FIRM, "", "en")
        actor = Actor.system("test")
        with pytest.raises(ScriptRefused) as refused:
            call_script_save(script=script, actor=actor, disclosures="Say hello to {{ debtor.name }}.")
        errors = refused.value.check.field_errors["disclosures"]
        assert any("debt-collector disclosure" in e for e in errors)
        assert any("third-party disclosure" in e for e in errors)
        with pytest.raises(ScriptRefused) as refused:
            call_script_save(script=script, actor=actor, voicemail="Call us about your debt of {{ total }}.")
        assert list(refused.value.check.field_errors) == ["voicemail"]
        script.refresh_from_db()
        assert MINI_MIRANDA["en"] in script.disclosures
    connection.set_schema_to_public()


def test_it_warns_about_a_threatening_friendly_script_and_saves_it(manager: User) -> None:
    script = _script(Stage.FRIENDLY, "", "en")
    saved, warnings = call_script_save(
        script=script, actor=Actor.for_user(manager), talking_points="Tell them we will go to court."
    )
    assert saved.talking_points == "Tell them we will go to court."
    assert any("sounds threatening" in w for w in warnings)


def test_it_previews_a_script_on_sample_data_with_what_the_checks_say(client_for: ClientFor, manager: User) -> None:
    script = _script(Stage.FRIENDLY, "", "en")
    response = client_for(manager).post(
        f"/policies/scripts/{script.pk}/preview/", _fields(script, goal="Hello {{ debtor.name }}, owing {{ total }}.")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello Alex Martin, owing €166.25." in html
    assert "No problem found." in html
    response = client_for(manager).post(
        f"/policies/scripts/{script.pk}/preview/", _fields(script, goal="{{ portal_link }}")
    )
    assert "Unknown placeholder {{ portal_link }}" in response.content.decode()


def test_it_refuses_to_record_calls_while_a_script_has_no_recording_notice(manager: User) -> None:
    actor = Actor.for_user(manager)
    call_script_save(script=_script(Stage.FINAL, "at_risk", "pl"), actor=actor, recording_notice="")
    with pytest.raises(Exception, match="need a call-recording notice"):
        contact_rules_update(actor=actor, calls_recorded=True)
    assert not ContactRules.objects.get().calls_recorded


def test_it_installs_missing_scripts_in_an_existing_tenant_and_keeps_edited_ones(tenant: Tenant) -> None:
    from apps.policies.services import policies_install_defaults

    earlier = set(AuditEvent.objects.values_list("pk", flat=True))
    kept = _script(Stage.FIRM, "new", "fr")
    CallScript.objects.filter(pk=kept.pk).update(goal="Notre propre objectif.")
    CallScript.objects.exclude(pk=kept.pk).delete()

    policies_install_defaults(tenant=tenant)
    policies_install_defaults(tenant=tenant)

    assert CallScript.objects.count() == len(default_call_scripts("FR"))
    assert _script(Stage.FIRM, "new", "fr").goal == "Notre propre objectif."
    installs = AuditEvent.objects.filter(action="policies.defaults_installed").exclude(pk__in=earlier)
    assert [e.after["call_scripts"] for e in installs] == [len(default_call_scripts("FR")) - 1]
