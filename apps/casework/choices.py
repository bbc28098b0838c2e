"""The words of a debtor's request: dispute reasons, and how the structured part of a case reads on the case page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.money import format_money
from apps.debts.models import PaymentMethod


class DisputeReason(models.TextChoices):
    NOT_RECOGNISED = "not_recognised", _("I do not recognise this invoice")
    WRONG_AMOUNT = "wrong_amount", _("The amount is wrong")
    GOODS_OR_SERVICE = "goods_or_service", _("Something was wrong with what I bought")
    CANCELLED = "cancelled", _("I cancelled the order or sent the goods back")
    OTHER = "other", _("Another reason")


# Keys the help pages put in Case.data, as staff read them.
DATA_LABELS: dict[str, Promise] = {
    "reason": _("Reason"),
    "paid_on": _("Paid on"),
    "amount_minor": _("Amount paid"),
    "method": _("How it was paid"),
    "reference": _("Payment reference"),
    "local_time": _("Call at (debtor's time)"),
    "phone": _("Number to call"),
    "topic": _("What it is about"),
    "contact_value": _("Contact point"),
}
# Kept for the record but not worth a row of their own. An arrangement's proposal, violations and missed instalments
# are shown by the arrangements block of the case page instead ({% debt_arrangements %}).
# Links kept for the record (the phone task, the contact point, the call a follow-up came from) are not shown either.
HIDDEN_DATA = frozenset(
    {
        "currency",
        "at",
        "timezone",
        "consented_callback",
        "arrangement",
        "proposal",
        "violations",
        "missed",
        "message",
        "contact_point",
        "call",
        "from_case",
    }
)


def data_value(key: str, value: Any, data: dict[str, Any]) -> Any:
    """One value of Case.data as a person reads it."""
    if key == "reason":
        return DisputeReason(value).label if value in DisputeReason.values else value
    if key == "method":
        return PaymentMethod(value).label if value in PaymentMethod.values else value
    if key == "amount_minor" and isinstance(value, int) and data.get("currency"):
        return format_money(value, str(data["currency"]), get_language() or "en")
    if key == "paid_on" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def data_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The structured part of a request, labelled, in a stable order; follow-ups are shown on their own."""
    return [
        (str(DATA_LABELS.get(key, key)), data_value(key, value, data))
        for key, value in data.items()
        if key != "follow_ups" and key not in HIDDEN_DATA and value not in (None, "", [])
    ]
