"""The i18n tests read compiled catalogues: compile them once per run when a .mo is missing or older than its .po."""

from __future__ import annotations

import contextlib
import fcntl
import gettext
import hashlib
import tempfile
from pathlib import Path

import pytest
from asgiref.local import Local
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real

LANGS = ("fr", "pl")
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# Directories holding other projects' catalogues (Django's own, in the venv) or build output, never ours.
IGNORE = [".venv", ".git", "var", "media", "staticfiles", "node_modules", "bench", "docker"]


def catalogue(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def stale() -> list[str]:
    out = []
    for lang in LANGS:
        po = catalogue(lang)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(lang)
    return out


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    if not stale():
        return
    # Test workers may start together; one compiles while the others wait, then find nothing stale.
    key = hashlib.sha256(str(LOCALE_DIR).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"amiable-compilemessages-{key}.lock"
    with lock_path.open("w") as lock, contextlib.chdir(settings.BASE_DIR):
        fcntl.flock(lock, fcntl.LOCK_EX)
        todo = stale()
        if todo:
            call_command("compilemessages", locale=todo, ignore_patterns=IGNORE, verbosity=0)
            # Catalogues loaded before compiling (by earlier tests in this process) would hide the new ones.
            gettext._translations.clear()  # type: ignore[attr-defined]
            trans_real._translations = {}
            trans_real._default = None
            trans_real._active = Local()
