"""Q6 on every portal page: the page's language, a skip link to the main content, one h1, a label for every field,
the language switcher, no inline script or style (strict CSP), and text colours with enough contrast (WCAG AA)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.casework.help import dispute_request
from apps.portal.access import portal_actor

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """What the checks need from a page: headings, fields and their labels, inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self.inline_styles = 0
        self.scripts = 0
        self.ids: set[str] = set()
        self.described_by: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if "style" in a:
            self.inline_styles += 1
        if a.get("aria-describedby"):
            self.described_by.extend(str(a["aria-describedby"]).split())
        if tag == "h1":
            self.h1 += 1
        elif tag == "script":
            self.scripts += 1
        elif tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(str(a.get("id") or a.get("name")))


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.fixture
def pages(portal, debtor, debt) -> dict[str, str]:
    case = dispute_request(
        debtor=debtor, debt=debt, reason="other", details="Why?", uploads=[], actor=portal_actor(debtor)
    ).case
    paths = [
        "/p/",
        "/p/help/",
        f"/p/help/debts/{debt.pk}/dispute/",
        f"/p/help/debts/{debt.pk}/already-paid/",
        f"/p/help/debts/{debt.pk}/not-mine/",
        "/p/help/hardship/",
        "/p/help/callback/",
        "/p/preferences/",
        f"/p/help/requests/{case.pk}/",
    ]
    found = {path: portal.get(path) for path in paths}
    found["error page"] = portal.post(f"/p/help/debts/{debt.pk}/already-paid/", {"amount": "abc"})
    signed_out = Client(HTTP_HOST="acme.localhost")
    found["sign-in"] = signed_out.get("/p/sign-in/")
    found["sign-in error"] = signed_out.post("/p/sign-in/", {"reference": ""})
    found["bad link"] = signed_out.get("/p/not-a-token/")
    return {name: response.content.decode() for name, response in found.items()}


def test_every_portal_page_is_in_the_readers_language_with_one_h1_and_a_skip_link(pages):
    for name, html in pages.items():
        page = parse(html)
        assert '<html lang="en">' in html, name
        assert page.h1 == 1, name
        assert 'href="#main"' in html, name
        assert "main" in page.ids, name
        assert "lang-switch" in page.ids, name  # the language switcher is on every page


def test_every_field_has_a_label_and_every_description_exists(pages):
    for name, html in pages.items():
        page = parse(html)
        unlabelled = [f for f in page.fields if f not in page.labelled]
        assert not unlabelled, (name, unlabelled)
        missing = [i for i in page.described_by if i not in page.ids]
        assert not missing, (name, missing)


def test_no_portal_page_has_inline_script_or_style(pages):
    for name, html in pages.items():
        page = parse(html)
        assert (page.scripts, page.inline_styles) == (0, 0), name


def _hex(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in _hex(colour)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_portal_colours_have_enough_contrast():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    var = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [
        (var["ink"], "#ffffff"),
        (var["muted"], "#ffffff"),
        (var["muted"], var["bg"]),
        (var["brand"], "#ffffff"),  # links; white text on the brand buttons is the same pair
        (var["brand"], var["bg"]),
        (var["danger"], "#ffffff"),  # errors
        (var["danger"], "#fbe9e9"),  # error messages
        (var["ink"], "#eef5f2"),  # notices
        (var["ink"], "#e7f3ec"),  # messages
        (var["ink"], "#fde8d7"),  # badges
    ]
    for foreground, background in pairs:
        assert contrast(foreground, background) >= 4.5, (foreground, background)
    # The focus ring: dark outline against the page, 3:1 for non-text contrast at least.
    assert contrast(var["ink"], "#ffffff") >= 3
    assert contrast(var["ink"], var["bg"]) >= 3
