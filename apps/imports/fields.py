"""The fields an import fills, and the guess of which file column holds each (header names in en, fr, pl)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Target field → label shown on the mapping page. Order is the order of the mapping form.
TARGET_FIELDS: dict[str, StrOrPromise] = {
    "debtor_ref": _("Debtor reference"),
    "debtor_name": _("Debtor name"),
    "debtor_kind": _("Debtor kind (person / business)"),
    "email": _("Email"),
    "phone": _("Phone"),
    "address_line1": _("Address"),
    "postal_code": _("Postal code"),
    "city": _("City"),
    "country": _("Country (2 letters)"),
    "language": _("Language (en / fr / pl)"),
    "customer_since": _("Customer since"),
    "lifetime_revenue": _("Lifetime revenue"),
    "debt_ref": _("Debt reference"),
    "description": _("Description"),
    "amount": _("Amount"),
    "currency": _("Currency"),
    "issue_date": _("Issue date"),
    "due_date": _("Due date"),
}
REQUIRED_FIELDS = ("debtor_ref", "debtor_name", "debt_ref", "amount", "issue_date", "due_date")

_SYNONYMS: dict[str, list[str]] = {
    "debtor_ref": [
        "debtor ref",
        "debtor reference",
        "debtor id",
        "customer id",
        "customer ref",
        "customer number",
        "client id",
        "account",
        "account number",
        "ref client",
        "reference client",
        "numero client",
        "code client",
        "id klienta",
        "numer klienta",
        "nr klienta",
        "kod klienta",
        "identyfikator dluznika",
    ],
    "debtor_name": [
        "debtor name",
        "debtor",
        "name",
        "customer",
        "customer name",
        "client",
        "client name",
        "nom",
        "nom client",
        "raison sociale",
        "debiteur",
        "nom du debiteur",
        "nazwa",
        "nazwisko",
        "imie i nazwisko",
        "dluznik",
        "nazwa klienta",
        "klient",
    ],
    "debtor_kind": ["kind", "debtor kind", "type", "customer type", "type client", "typ", "typ klienta"],
    "email": ["email", "e-mail", "mail", "email address", "courriel", "adresse email", "adres email"],
    "phone": [
        "phone",
        "phone number",
        "telephone",
        "mobile",
        "tel",
        "portable",
        "numero de telephone",
        "telefon",
        "komorka",
        "nr telefonu",
        "numer telefonu",
    ],
    "address_line1": ["address", "address line 1", "street", "adresse", "rue", "adres", "ulica"],
    "postal_code": ["postal code", "postcode", "zip", "zip code", "code postal", "cp", "kod pocztowy"],
    "city": ["city", "town", "ville", "commune", "miasto", "miejscowosc"],
    "country": ["country", "country code", "pays", "kraj"],
    "language": ["language", "lang", "langue", "jezyk"],
    "customer_since": ["customer since", "client since", "client depuis", "klient od", "since"],
    "lifetime_revenue": [
        "lifetime revenue",
        "revenue",
        "total revenue",
        "chiffre d affaires",
        "ca",
        "przychod",
        "obroty",
    ],
    "debt_ref": [
        "debt ref",
        "debt reference",
        "invoice",
        "invoice number",
        "invoice no",
        "invoice id",
        "reference",
        "ref",
        "facture",
        "numero de facture",
        "no facture",
        "ref facture",
        "faktura",
        "numer faktury",
        "nr faktury",
    ],
    "description": ["description", "details", "libelle", "designation", "opis", "tytul"],
    "amount": [
        "amount",
        "amount due",
        "total",
        "balance",
        "sum",
        "montant",
        "montant du",
        "montant ttc",
        "somme",
        "kwota",
        "kwota do zaplaty",
        "wartosc",
        "naleznosc",
    ],
    "currency": ["currency", "devise", "monnaie", "waluta"],
    "issue_date": [
        "issue date",
        "invoice date",
        "date",
        "issued",
        "issued on",
        "date de facture",
        "date facture",
        "date d emission",
        "data wystawienia",
        "data faktury",
    ],
    "due_date": [
        "due date",
        "due",
        "due on",
        "payment due",
        "date d echeance",
        "echeance",
        "date limite",
        "termin platnosci",
        "termin",
        "data platnosci",
    ],
}


def _norm(text: str) -> str:
    """'Date d'échéance' → 'date d echeance'; 'Dłużnik' → 'dluznik'."""
    text = text.replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


_LOOKUP = {_norm(s): field for field, names in _SYNONYMS.items() for s in names} | {_norm(f): f for f in TARGET_FIELDS}


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Target field → column index, from the header names. The first column claiming a field wins."""
    mapping: dict[str, int] = {}
    for index, name in enumerate(header):
        field = _LOOKUP.get(_norm(name))
        if field and field not in mapping:
            mapping[field] = index
    return mapping


def missing_required(mapping: dict[str, int]) -> list[str]:
    return [f for f in REQUIRED_FIELDS if f not in mapping]
