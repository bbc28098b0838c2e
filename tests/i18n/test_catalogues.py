"""French and Polish catalogues are complete: every string marked for translation has a checked translation."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.i18n.conftest import IGNORE, LANGS, catalogue

PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdfr]|%[sdfr]|\{\w*\}")
# What makemessages reads: the Python and templates of the project itself.
SOURCES = ("apps", "templates", "config")


def load(lang: str) -> Catalog:
    with catalogue(lang).open("rb") as fh:
        return read_po(fh, locale=lang, abort_invalid=True)


def placeholders(text: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(text)))


@pytest.mark.parametrize("lang", LANGS)
def test_it_has_a_checked_translation_for_every_message(lang: str) -> None:
    problems = []
    for message in load(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
    assert problems == [], f"{lang}: run makemessages, then translate these:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_it_keeps_every_placeholder_of_the_english_text(lang: str) -> None:
    problems = []
    for message in load(lang):
        if not message.id:
            continue
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if placeholders(text) != placeholders(source):
                problems.append(f"{source!r} → {text!r}")
    assert problems == []


@pytest.mark.parametrize("lang", LANGS)
def test_it_declares_language_charset_and_plural_rule(lang: str) -> None:
    # The header as written (babel would normalise it): a multi-line header value is joined first.
    text = catalogue(lang).read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0].replace('"\n"', "")
    assert f"Language: {lang}\\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\\n" in header
    assert f"Plural-Forms: {PLURAL_FORMS[lang]}\\n" in header


def test_it_uses_the_three_polish_plural_forms() -> None:
    with translation.override("pl"):
        forms = {n: translation.ngettext("%(counter)s debtor", "%(counter)s debtors", n) for n in (1, 2, 5, 22, 112)}
        assert translation.ngettext("(%(counter)s debt)", "(%(counter)s debts)", 1) == "(%(counter)s należność)"
    assert forms[1] == "%(counter)s dłużnik"
    assert {forms[2], forms[5], forms[22], forms[112]} == {"%(counter)s dłużników"}
    with translation.override("fr"):
        assert translation.ngettext("%(counter)s debtor", "%(counter)s debtors", 1) == "%(counter)s débiteur"
        assert translation.ngettext("%(counter)s debtor", "%(counter)s debtors", 2) == "%(counter)s débiteurs"


def test_it_has_every_string_the_code_marks_for_translation(tmp_path: Path) -> None:
    """Extract the messages from a copy of the sources (so the real catalogues stay untouched) and compare."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (tmp_path / "locale").mkdir()
    with contextlib.chdir(tmp_path), override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["fr"], ignore_patterns=IGNORE, verbosity=0)
    with (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po").open("rb") as fh:
        wanted = {(m.context, m.id) for m in read_po(fh) if m.id}
    for lang in LANGS:
        have = {(m.context, m.id) for m in load(lang) if m.id}
        missing = sorted(str(msgid) for _ctx, msgid in wanted - have)
        assert missing == [], f"{lang}: new strings to translate (run makemessages -l fr -l pl):\n" + "\n".join(missing)
