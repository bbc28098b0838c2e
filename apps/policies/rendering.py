"""Turns a message template and a debtor's debts into the text that is sent, in the template's language.

Templates are tenant-written Django template text, rendered by a separate engine with no loaders and no tag
libraries, against plain values (never model instances), so a template can read placeholders and nothing else.
The output is plain text (SMS, email text part, letter and call-script body): whoever embeds it in HTML escapes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import holidays
from babel.dates import format_date
from django.db.models import Sum
from django.template import Context, Engine

from apps.core.dates import tenant_today
from apps.core.money import format_money

ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=False, string_if_invalid="")

# Debtor-facing words of the itemised debt list (data in three languages, like the templates themselves).
LABELS = {
    "en": {
        "issued": "issued",
        "due": "due",
        "principal": "principal",
        "interest": "interest",
        "charges": "charges",
        "credits": "paid or credited",
        "balance": "balance",
    },
    "fr": {
        "issued": "émise le",
        "due": "échéance",
        "principal": "principal",
        "interest": "intérêts",
        "charges": "frais",
        "credits": "payé ou crédité",
        "balance": "reste dû",
    },
    "pl": {
        "issued": "wystawiona",
        "due": "termin",
        "principal": "należność główna",
        "interest": "odsetki",
        "charges": "opłaty",
        "credits": "zapłacono lub uznano",
        "balance": "do zapłaty",
    },
}
SAMPLE_LINK = {"portal_link": "‹payment page link›", "opt_out_link": "‹opt-out link›"}
VALIDATION_RECEIPT_BUSINESS_DAYS = 5
VALIDATION_PERIOD_DAYS = 30


@dataclasses.dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


@dataclasses.dataclass(frozen=True)
class Party:
    name: str
    address: str
    email: str = ""
    phone: str = ""

    def __str__(self) -> str:
        return f"{self.name}, {self.address}"


@dataclasses.dataclass(frozen=True)
class DebtAmounts:
    """One debt's figures in minor units: what the itemised list shows."""

    reference: str
    description: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    principal: int
    interest: int = 0
    charges: int = 0
    credits: int = 0

    @property
    def balance(self) -> int:
        return self.principal + self.interest + self.charges - self.credits


class DebtLines(list[dict[str, str]]):
    """The debts as a list (for {% for %}) that prints as an itemised text block ({{ debts }})."""

    def __init__(self, lines: Iterable[dict[str, str]], text: str) -> None:
        super().__init__(lines)
        self.text = text

    def __str__(self) -> str:
        return self.text


@functools.cache
def _us_federal_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("US", years=[year, year + 1])


def validation_end_date_for(sent_on: dt.date) -> dt.date:
    """US11: assumed receipt 5 business days after sending (weekends, federal holidays skipped), then 30 days."""
    federal = _us_federal_holidays(sent_on.year)
    day, counted = sent_on, 0
    while counted < VALIDATION_RECEIPT_BUSINESS_DAYS:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in federal:
            counted += 1
    return day + dt.timedelta(days=VALIDATION_PERIOD_DAYS)


def _lang(locale: str) -> str:
    lang = (locale or "en").split("-")[0].lower()
    return lang if lang in LABELS else "en"


def _date(value: dt.date, locale: str) -> str:
    return str(format_date(value, format="long", locale=locale.replace("-", "_")))


def debt_amounts(debts: Sequence[Any]) -> list[DebtAmounts]:
    """Principal / interest / charges / credits per debt, summed from the ledger in one query."""
    from apps.debts.models import ENTRY_SIGN, EntryKind, LedgerEntry

    sums: dict[Any, dict[str, int]] = defaultdict(dict)
    rows = (
        LedgerEntry.objects.filter(debt__in=[d.pk for d in debts])
        .values("debt_id", "kind")
        .annotate(s=Sum("amount_minor"))
    )
    for row in rows:
        sums[row["debt_id"]][row["kind"]] = int(row["s"] or 0)
    out = []
    for debt in debts:
        by_kind = sums.get(debt.pk, {})
        principal = sum(
            v for k, v in by_kind.items() if k not in {EntryKind.INTEREST, EntryKind.FEE} and ENTRY_SIGN[k] >= 0
        )
        credits = -sum(v for k, v in by_kind.items() if ENTRY_SIGN[k] < 0)
        out.append(
            DebtAmounts(
                reference=debt.external_ref,
                description=debt.description,
                issue_date=debt.issue_date,
                due_date=debt.due_date,
                currency=debt.currency,
                principal=principal,
                interest=by_kind.get(EntryKind.INTEREST, 0),
                charges=by_kind.get(EntryKind.FEE, 0),
                credits=credits,
            )
        )
    return out


def _lines(amounts: Sequence[DebtAmounts], locale: str) -> tuple[DebtLines, str]:
    words = LABELS[_lang(locale)]
    lines, texts = [], []
    totals: dict[str, int] = defaultdict(int)
    for a in amounts:
        money = {
            f: format_money(getattr(a, f), a.currency, locale)
            for f in ("principal", "interest", "charges", "credits", "balance")
        }
        line = {
            "reference": a.reference,
            "description": a.description,
            "issue_date": _date(a.issue_date, locale),
            "due_date": _date(a.due_date, locale),
            **money,
        }
        lines.append(line)
        title = f"{a.reference} — {a.description}" if a.description else a.reference
        parts = [
            f"{words['principal']} {money['principal']}",
            f"{words['interest']} {money['interest']}",
            f"{words['charges']} {money['charges']}",
        ]
        if a.credits:
            parts.append(f"{words['credits']} {money['credits']}")
        texts.append(
            f"• {title} ({words['issued']} {line['issue_date']}, {words['due']} {line['due_date']}): "
            f"{', '.join(parts)}; {words['balance']} {money['balance']}"
        )
        totals[a.currency] += a.balance
    total = " + ".join(format_money(v, c, locale) for c, v in sorted(totals.items()))
    return DebtLines(lines, "\n".join(texts)), total


def _party(tenant: Any) -> Party:
    address = ", ".join(
        p
        for p in [
            tenant.address_line1,
            getattr(tenant, "address_line2", ""),
            f"{tenant.postal_code} {tenant.city}".strip(),
            tenant.country,
        ]
        if p
    )
    return Party(
        name=tenant.legal_name,
        address=address,
        email=getattr(tenant, "support_email", ""),
        phone=getattr(tenant, "support_phone", ""),
    )


def _context(
    *,
    locale: str,
    debtor_name: str,
    debtor_reference: str,
    amounts: Sequence[DebtAmounts],
    tenant: Any,
    today: dt.date,
    extra: dict[str, Any],
) -> Context:
    debts, total = _lines(amounts, locale)
    party = _party(tenant)
    values = {
        "debtor": {"name": debtor_name, "reference": debtor_reference},
        "creditor": party,
        "collector": party,
        "debts": debts,
        "total": total,
        "today": _date(today, locale),
        **extra,
    }
    return Context(values, autoescape=False)


def render_text(
    *,
    template: Any,
    debtor_name: str,
    debtor_reference: str,
    amounts: Sequence[DebtAmounts],
    tenant: Any,
    links: dict[str, str],
    today: dt.date,
    validation_end: dt.date | None = None,
    payment: dict[str, str] | None = None,
) -> RenderedMessage:
    locale = template.locale or "en"
    context = _context(
        locale=locale,
        debtor_name=debtor_name,
        debtor_reference=debtor_reference,
        amounts=amounts,
        tenant=tenant,
        today=today,
        extra={
            "portal_link": links.get("portal_link", ""),
            "opt_out_link": links.get("opt_out_link", ""),
            "validation_end_date": _date(validation_end or validation_end_date_for(today), locale),
            # Receipts and autopay reminders: the card payment's amount, date, invoice, reference and card.
            "payment": payment or {},
        },
    )
    subject = ENGINE.from_string(template.subject or "").render(context).strip() if template.subject else ""
    body = ENGINE.from_string(template.body).render(context).strip()
    # A subject is one line; non-breaking spaces in amounts stay.
    return RenderedMessage(subject=re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", subject), body=body)


def render_message(
    *,
    template: Any,
    debtor: Any,
    debts: Sequence[Any],
    tenant: Any,
    links: dict[str, str],
    payment: dict[str, str] | None = None,
) -> RenderedMessage:
    """The message `template` gives for `debtor` and `debts` (money and dates in the template's language)."""
    ends = [d.validation_ends_on for d in debts if getattr(d, "validation_ends_on", None)]
    return render_text(
        template=template,
        debtor_name=debtor.name,
        debtor_reference=debtor.external_ref,
        amounts=debt_amounts(debts),
        tenant=tenant,
        links=links,
        today=tenant_today(),
        validation_end=min(ends) if ends else None,
        payment=payment,
    )


def render_sample(*, template: Any, tenant: Any, today: dt.date | None = None) -> RenderedMessage:
    """The template on sample data: what the editor's live preview shows."""
    today = today or tenant_today()
    currency = getattr(tenant, "currency", "EUR") or "EUR"
    amounts = sample_amounts(currency, today)
    return render_text(
        template=template,
        debtor_name="Alex Martin",
        debtor_reference="C-0001",
        amounts=amounts,
        tenant=tenant,
        links=SAMPLE_LINK,
        today=today,
        payment={
            "amount": format_money(64_90, currency, template.locale or "en"),
            "date": _date(today, template.locale or "en"),
            "invoice": "INV-1077",
            "reference": "pi_3Q0sample",
            "card": "Visa •••• 4242",
        },
    )


def render_script(
    *,
    fields: dict[str, str],
    locale: str,
    debtor_name: str,
    debtor_reference: str,
    amounts: Sequence[DebtAmounts],
    tenant: Any,
    today: dt.date,
) -> dict[str, str]:
    """A call script's texts for one debtor and their debts (C3), in the script's language. Plain text."""
    context = _context(
        locale=locale,
        debtor_name=debtor_name,
        debtor_reference=debtor_reference,
        amounts=amounts,
        tenant=tenant,
        today=today,
        extra={},
    )
    return {name: ENGINE.from_string(text or "").render(context).strip() for name, text in fields.items()}


def sample_amounts(currency: str, today: dt.date) -> list[DebtAmounts]:
    """Two invoices the editors' previews show."""
    return [
        DebtAmounts(
            reference="INV-1042",
            description="Order 1042",
            issue_date=today - dt.timedelta(days=45),
            due_date=today - dt.timedelta(days=15),
            currency=currency,
            principal=120_00,
            interest=1_35,
            credits=20_00,
        ),
        DebtAmounts(
            reference="INV-1077",
            description="Order 1077",
            issue_date=today - dt.timedelta(days=20),
            due_date=today - dt.timedelta(days=5),
            currency=currency,
            principal=64_90,
        ),
    ]
