"""The staff casework pages (worklist, case, call form with its errors, approval queue) for keyboard and screen
reader users: one h1, a label for every field, ids used once and descriptions that exist, no inline script or style
(strict CSP)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.arrangements.services import arrangement_request
from apps.audit.services import Actor
from apps.casework.services import case_note_add
from tests.casework.helpers import open_case
from tests.casework.test_accessibility import parse

pytestmark = pytest.mark.django_db


class Ids(HTMLParser):
    """Ids with how often each is used, and scripts written in the page (a script file, like htmx's, is fine)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
        if tag == "script" and not dict(attrs).get("src"):
            self.inline_scripts += 1


def ids_of(html: str) -> Ids:
    found = Ids()
    found.feed(html)
    return found


@pytest.fixture
def pages(client_for, manager, debtor, debt, second_debt) -> dict[str, str]:
    case = open_case(debtor, "No option fits", debt=debt)
    case_note_add(case=case, author=manager, body="Called the shop.", actor=Actor.for_user(manager))
    arrangement_request(
        debt=second_debt, kind="plan", actor=Actor.system("test"), instalment_count=30, frequency="weekly"
    )
    browser = client_for(manager)
    call = reverse("casework:call", kwargs={"case_id": case.pk})
    found = {
        "worklist": browser.get("/cases/"),
        "case": browser.get(reverse("casework:detail", kwargs={"case_id": case.pk})),
        "call": browser.get(call),
        "call with errors": browser.post(call, {"agreement": "plan", "follow_up_date": "2026-11-24"}),
        "approvals": browser.get(reverse("casework:approvals")),
    }
    assert found["call with errors"].status_code == 422
    return {name: response.content.decode() for name, response in found.items()}


def test_every_casework_page_has_one_h1_labelled_fields_and_no_inline_code(pages):
    for name, html in pages.items():
        page = parse(html)
        assert page.h1 == 1, name
        unlabelled = [f for f in page.fields if f not in page.labelled]
        assert not unlabelled, (name, unlabelled)
        missing = [i for i in page.described_by if i not in page.ids]
        assert not missing, (name, missing)
        assert (ids_of(html).inline_scripts, page.inline_styles) == (0, 0), name


def test_no_id_is_used_twice(pages):
    for name, html in pages.items():
        assert not [i for i, n in ids_of(html).ids.items() if n > 1], name
