"""Helpers of the casework tests: a phone task written and delivered as the engine's phone step would be, and a
case opened by the system."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test.utils import CaptureQueriesContext

from apps.audit.services import Actor
from apps.casework.models import Case, CaseKind
from apps.casework.services import case_open
from apps.debtors.models import ContactPoint, Debtor
from apps.outbox.models import Message
from apps.outbox.services import message_enqueue
from apps.policies.models import Channel, Stage
from apps.policies.rendering import RenderedMessage
from tests.factories import NOW

SYSTEM = Actor.system("test")
SCRIPT = "Hello, this is Acme about your invoice. Ask whether a payment plan would help."


def phone_task(debtor: Debtor, capture: Any, *, key: str = "phone-1") -> Message:
    """A phone step's message, delivered (it becomes an open task in the agents' list)."""
    with capture(execute=True):
        message = message_enqueue(
            idempotency_key=key,
            debtor=debtor,
            debts=list(debtor.debts.order_by("due_date")),
            channel=Channel.PHONE,
            contact_point=ContactPoint.objects.get(debtor=debtor, kind="phone"),
            template=None,
            rendered=RenderedMessage(subject="", body=SCRIPT),
            stage=Stage.FRIENDLY,
            source="automatic",
            actor_label="collection run",
        )
    message.refresh_from_db()
    return message


def open_case(debtor: Debtor, subject: str = "No option fits", *, kind: str = CaseKind.NONE_FIT, **kw: Any) -> Case:
    kw.setdefault("reply_by", NOW + dt.timedelta(days=2))
    return case_open(kind=kind, debtor=debtor, subject=subject, actor=SYSTEM, **kw)


def count_queries(connection: Any, fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)
