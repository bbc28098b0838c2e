"""Inbound STOP intent in English, French and Polish (US18: STOP, quit, end, revoke, opt out, cancel, unsubscribe)."""

from __future__ import annotations

import re
import unicodedata

# Normalised (upper case, no accents, single spaces). Polish "ł" has no decomposition, so it is folded by hand.
STOP_KEYWORDS: frozenset[str] = frozenset(
    {
        # en
        "STOP",
        "STOPALL",
        "STOP ALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPT OUT",
        "OPTOUT",
        "OPT-OUT",
        # fr
        "ARRET",
        "ARRETER",
        "ARRETEZ",
        "DESABONNER",
        "DESABONNEMENT",
        "DESINSCRIRE",
        "STOP SMS",
        # pl
        "NIE PISZ",
        "NIE PISAC",
        "WYPISZ",
        "WYPISZ MNIE",
        "REZYGNUJE",
        "REZYGNACJA",
        "KONIEC",
        "NIE WYSYLAJ",
    }
)
_LONGEST = max(len(k.split()) for k in STOP_KEYWORDS)


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9\- ]+", " ", plain).split())


def stop_intent(text: str) -> bool:
    """True when a reply is a STOP keyword on its own or starts with one ("Stop please", "Nie pisz więcej")."""
    words = normalise(text).split()
    if not words:
        return False
    return any(" ".join(words[:n]) in STOP_KEYWORDS for n in range(1, min(_LONGEST, len(words)) + 1))
