"""Q6 on the options pages: one h1, the skip link and language switcher, a label for every field, descriptions that
exist, ids used once, no inline script or style (the htmx script is a file), and readable colours."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from apps.arrangements.services import arrangement_request, none_fit_request
from apps.portal.access import portal_actor
from tests.arrangements.conftest import days
from tests.casework.test_accessibility import contrast, parse
from tests.factories import TODAY, make_debt

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(portal, debtor, debt, actor) -> dict[str, str]:
    base = f"/p/debts/{debt.pk}/options/"
    found = {
        "options": portal.get(base),
        "options with a plan": portal.get(
            base, {"down_payment": "10", "frequency": "weekly", "instalment_count": "40"}
        ),
        "options with errors": portal.post(f"{base}promise/", {"pay_by": "tomorrow"}),
        "plan errors": portal.post(
            f"{base}plan/", {"down_payment": "x", "frequency": "monthly", "instalment_count": "3"}
        ),
    }
    agreed = arrangement_request(
        debt=debt,
        kind="plan",
        instalment_count=3,
        frequency="monthly",
        down_payment_minor=100_00,
        actor=portal_actor(debtor),
    )
    found["agreed"] = portal.get(f"{base}{agreed.pk}/")
    second = make_debt(actor, debtor, "INV-2", 400_00, days_past_due=3)
    waiting = arrangement_request(debt=second, kind="promise", pay_by=TODAY + days(80), actor=portal_actor(debtor))
    found["waiting"] = portal.get(f"/p/debts/{second.pk}/options/{waiting.pk}/")
    case = none_fit_request(debt=second, details="Half now, half in March", actor=portal_actor(debtor))
    found["request sent"] = portal.get(f"/p/debts/{second.pk}/options/request/{case.pk}/")
    return {name: response.content.decode() for name, response in found.items()}


def test_every_options_page_has_one_h1_labels_and_no_inline_script_or_style(pages):
    for name, html in pages.items():
        page = parse(html)
        assert '<html lang="en">' in html, name
        assert page.h1 == 1, name
        assert 'href="#main"' in html, name
        assert "lang-switch" in page.ids, name
        unlabelled = [f for f in page.fields if f not in page.labelled]
        assert not unlabelled, (name, unlabelled)
        missing = [i for i in page.described_by if i not in page.ids]
        assert not missing, (name, missing)
        assert page.inline_styles == 0, name
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert [i for i, n in ids.items() if n > 1] == [], name
        # The only script is htmx, from a file (the strict CSP refuses inline script).
        assert re.findall(r"<script(?![^>]*\ssrc=)", html) == [], name


def test_the_options_colours_have_enough_contrast():
    ink, ok, white, page = "#1c2421", "#1f6f3f", "#ffffff", "#f6f8f7"
    for foreground, background in [(ok, white), (ok, page), (ink, "#dcf1e3"), (ink, "#fff3c4"), (ink, "#fde8d7")]:
        assert contrast(foreground, background) >= 4.5, (foreground, background)
