"""Letters: the rendered message in a print layout per jurisdiction, as WeasyPrint PDFs; one print file per run.

A run's letters are laid out as ONE HTML document and rendered by WeasyPrint once (fonts, styles and layout set
up once, not per letter): that is the print file. A letter outside a run gets a PDF of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from babel.dates import format_date
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from weasyprint import HTML

from apps.core.dates import tenant_today
from apps.core.money import format_money
from apps.core.tenancy import current_tenant
from apps.engine.models import CollectionRun
from apps.outbox.models import Message, MessageStatus
from apps.policies.models import Channel, Stage
from apps.policies.rendering import debt_amounts, validation_end_date_for

MERGE_CHUNK = 50

# Debtor-facing words of the layout, in the letter's language (data, like the templates).
WORDS = {
    "en": {
        "reference": "Reference",
        "date": "Date",
        "debt": "Invoice",
        "due": "Due",
        "principal": "Principal",
        "interest": "Interest",
        "charges": "Charges",
        "credits": "Paid or credited",
        "balance": "Balance",
        "total": "Total due",
        "collector": "Collector",
        "creditor": "Creditor",
        "basis": "Basis of the claim",
        "validation": "Validation notice",
        "validation_text": "If you do not dispute this debt, or any part of it, by {date}, we will assume it is "
        "correct. If you write to us by {date} to dispute all or part of it, we must stop collection of any "
        "amount you dispute until we send you information that shows you owe it. You may also ask us by {date} "
        "for the name and address of the original creditor, if different from the current creditor.",
        "validation_ends": "Validation period ends",
        "itemization": "Itemization date",
    },
    "fr": {
        "reference": "Référence",
        "date": "Date",
        "debt": "Facture",
        "due": "Échéance",
        "principal": "Principal",
        "interest": "Intérêts",
        "charges": "Frais",
        "credits": "Payé ou crédité",
        "balance": "Reste dû",
        "total": "Total à régler",
        "collector": "Chargé du recouvrement",
        "creditor": "Créancier",
        "basis": "Fondement de la créance",
        "l111_8": "Conformément à l'article L. 111-8 du code des procédures civiles d'exécution, les frais de "
        "recouvrement amiable restent à la charge du créancier, sauf s'ils concernent un acte dont "
        "l'accomplissement est prescrit par la loi au créancier. Toute stipulation contraire est réputée non écrite.",
        "demand": "Nous vous demandons de régler la somme de {total} "
        "ou de nous contacter pour convenir d'une solution.",
    },
    "pl": {
        "reference": "Sygnatura",
        "date": "Data",
        "debt": "Faktura",
        "due": "Termin",
        "principal": "Należność główna",
        "interest": "Odsetki",
        "charges": "Opłaty",
        "credits": "Zapłacono lub uznano",
        "balance": "Do zapłaty",
        "total": "Razem do zapłaty",
        "collector": "Windykator",
        "creditor": "Wierzyciel",
        "basis": "Podstawa roszczenia",
    },
}


def validation_end_date(sent_on: dt.date) -> dt.date:
    """US11: the validation period ends 30 days after assumed receipt, 5 business days (US federal holidays
    skipped) after the letter is sent. Sent 2026-09-04 -> 2026-10-14."""
    return validation_end_date_for(sent_on)


@dataclasses.dataclass(frozen=True)
class LetterRow:
    reference: str
    description: str
    due_date: str
    principal: str
    interest: str
    charges: str
    credits: str
    balance: str


def _lang(locale: str) -> str:
    lang = (locale or "en").split("-")[0].lower()
    return lang if lang in WORDS else "en"


def _address_lines(message: Message) -> list[str]:
    point = message.contact_point
    if point is not None and (point.address_line1 or point.city):
        lines = [point.address_line1, point.address_line2, f"{point.postal_code} {point.city}".strip(), point.country]
        return [line for line in lines if line]
    return [part.strip() for part in message.to_address.split(",") if part.strip()]


def letter_context(message: Message, *, sent_on: dt.date, tenant: Any) -> dict[str, Any]:
    """Everything the letter layout prints, money and dates already formatted in the letter's language."""
    locale = message.locale or "en"
    lang = _lang(locale)
    words = {**WORDS["en"], **WORDS[lang]}
    debts = sorted(message.debts.all(), key=lambda d: (d.due_date, d.external_ref))
    amounts = debt_amounts(debts)
    rows = [
        LetterRow(
            reference=a.reference,
            description=a.description,
            due_date=str(format_date(a.due_date, format="medium", locale=locale.replace("-", "_"))),
            **{f: format_money(getattr(a, f), a.currency, locale) for f in ("principal", "interest", "charges")},
            credits=format_money(a.credits, a.currency, locale),
            balance=format_money(a.balance, a.currency, locale),
        )
        for a in amounts
    ]
    totals: dict[str, int] = {}
    for a in amounts:
        totals[a.currency] = totals.get(a.currency, 0) + a.balance
    total = " + ".join(format_money(v, c, locale) for c, v in sorted(totals.items()))
    jurisdiction = tenant.jurisdiction
    # US9: the first letter to a consumer carries the validation information (Model Form B-1 content).
    us_validation = jurisdiction == "US" and message.stage == Stage.FRIENDLY and message.debtor.kind == "person"
    ends = validation_end_date(sent_on) if us_validation else None
    ends_text = str(format_date(ends, format="long", locale=locale.replace("-", "_"))) if ends is not None else ""
    creditor_lines = [
        line
        for line in [
            tenant.address_line1,
            tenant.address_line2,
            f"{tenant.postal_code} {tenant.city}".strip(),
            tenant.country,
        ]
        if line
    ]
    return {
        "lang": lang,
        "words": words,
        "message": message,
        "creditor_name": tenant.legal_name,
        "creditor_lines": creditor_lines,
        "creditor_contact": " · ".join(x for x in [tenant.support_email, tenant.support_phone] if x),
        "debtor_name": message.debtor.name,
        "address_lines": _address_lines(message),
        "date": str(format_date(sent_on, format="long", locale=locale.replace("-", "_"))),
        "reference": message.debtor.external_ref,
        "rows": rows,
        "total": total,
        "body": message.body,
        "is_fr": jurisdiction == "FR",
        # The R124-4 block is statutory French text: it is printed in French whatever the letter's language.
        "fr": WORDS["fr"],
        "fr_demand": WORDS["fr"]["demand"].format(total=_fr_total(amounts)),
        "us_validation": us_validation,
        "validation_ends": ends_text,
        "validation_text": words["validation_text"].format(date=ends_text) if ends else "",
        "itemization_date": rows[0].due_date if rows else "",
    }


def _fr_total(amounts: Sequence[Any]) -> str:
    totals: dict[str, int] = {}
    for a in amounts:
        totals[a.currency] = totals.get(a.currency, 0) + a.balance
    return " + ".join(format_money(v, c, "fr") for c, v in sorted(totals.items()))


def letters_html(messages: Sequence[Message], *, sent_on: dt.date | None = None) -> str:
    """One HTML document with every letter, each starting on a new page."""
    tenant = current_tenant()
    sent_on = sent_on or tenant_today()
    letters = [letter_context(m, sent_on=sent_on, tenant=tenant) for m in messages]
    return render_to_string("letters/letter.html", {"letters": letters, "brand_color": tenant.brand_color})


def html_to_pdf(html: str) -> bytes:
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def letter_pdf(message: Message, *, sent_on: dt.date | None = None) -> bytes:
    return html_to_pdf(letters_html([message], sent_on=sent_on))


def run_letters(run: CollectionRun) -> list[Message]:
    return list(
        Message.objects.filter(run=run, channel=Channel.LETTER)
        .exclude(status=MessageStatus.CANCELLED)
        .select_related("debtor", "contact_point")
        .prefetch_related("debts")
        .order_by("debtor__name", "id")
    )


def letters_merge(run: CollectionRun) -> CollectionRun:
    """All letters of `run` as one print file on run.letters_pdf (one page range per letter, in address order)."""
    letters = run_letters(run)
    if not letters:
        return run
    # Laid out in chunks (layout cost grows faster than linearly with one huge document), then written once as a
    # single PDF from all the chunks' pages: WeasyPrint's own way of combining documents.
    documents = [
        HTML(string=letters_html(letters[i : i + MERGE_CHUNK], sent_on=run.run_date)).render()
        for i in range(0, len(letters), MERGE_CHUNK)
    ]
    pages = [page for document in documents for page in document.pages]
    pdf: bytes = documents[0].copy(pages).write_pdf()
    with transaction.atomic():
        run.letters_pdf.save(f"run-{run.run_date.isoformat()}.pdf", ContentFile(pdf), save=False)
        run.save(update_fields=["letters_pdf"])
    return run
