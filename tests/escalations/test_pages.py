"""The escalation and call-script pages a manager works in: they render, with one h1, a label for every field, unique
ids and no inline script or style (strict CSP)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.audit.services import Actor
from apps.debts.models import Debt
from apps.escalations.services import agency_handoff
from apps.policies.models import CallScript

pytestmark = pytest.mark.django_db
ClientFor = Callable[..., Client]


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.ids: Counter[str] = Counter()
        self.labelled: set[str] = set()
        self.fields: list[str] = []
        self.inline = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[str(a["id"])] += 1
        if "style" in a or (tag == "script" and not a.get("src")):
            self.inline += 1
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(str(a.get("id") or a.get("name")))


def test_every_page_is_labelled_and_csp_clean(client_for: ClientFor, manager: User, debt: Debt) -> None:
    script = CallScript.objects.get(stage="final", segment="at_risk", locale="pl")
    actor = Actor.system("test")
    agency_handoff(debt=debt, agency_name="Recouvra SAS", commission_pct=30, reason="No answer", actor=actor)
    client = client_for(manager)
    for url in (
        f"/debts/{debt.pk}/",
        f"/escalations/debts/{debt.pk}/",
        "/escalations/",
        "/policies/scripts/",
        f"/policies/scripts/{script.pk}/",
        "/policies/margins/",
        "/policies/contact-rules/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = Page()
        page.feed(response.content.decode())
        assert page.h1 == 1, url
        assert [i for i, n in page.ids.items() if n > 1] == [], url
        assert [f for f in page.fields if f not in page.labelled] == [], url
        assert page.inline == 0, url
    assert "Recouvra SAS" in client.get("/escalations/").content.decode()
