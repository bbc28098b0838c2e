"""Outbox fixtures: a debtor with email, phone and address, messages written through message_enqueue, and a real
local SMTP server (aiosmtpd) that the email backend talks to."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from apps.audit.services import Actor
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.services import contact_point_add
from apps.outbox.models import Message
from apps.outbox.services import message_enqueue
from apps.policies.models import Channel, Stage
from apps.policies.rendering import RenderedMessage
from tests.factories import make_debt, make_debtor

BOUNCING = "gone@example.org"


@pytest.fixture
def debtor(actor: Actor) -> Debtor:
    d = make_debtor(actor, "C-100", "Camille Durand")
    contact_point_add(debtor=d, kind="email", value="camille@example.org", actor=actor)
    contact_point_add(debtor=d, kind="phone", value="+33612345678", actor=actor)
    contact_point_add(
        debtor=d,
        kind="address",
        value="8 avenue Foch, 75116 Paris, FR",
        address_line1="8 avenue Foch",
        postal_code="75116",
        city="Paris",
        country="FR",
        actor=actor,
    )
    make_debt(actor, d, "INV-1", 120_00, days_past_due=10, description="Order 1")
    return d


@pytest.fixture
def enqueue(debtor: Debtor, django_capture_on_commit_callbacks: Any) -> Callable[..., Message]:
    """Write a message as the engine does and run what is queued on commit (delivery, eagerly)."""

    def make(channel: str = Channel.EMAIL, key: str = "k1", body: str = "Hello, please pay.", **kw: Any) -> Message:
        kind = {"email": "email", "sms": "phone", "phone": "phone", "letter": "address"}[channel]
        point = kw.pop("contact_point", None) or ContactPoint.objects.get(debtor=debtor, kind=kind)
        with django_capture_on_commit_callbacks(execute=kw.pop("deliver", True)):
            message = message_enqueue(
                idempotency_key=key,
                debtor=kw.pop("to", debtor),
                debts=list(debtor.debts.all()),
                channel=channel,
                contact_point=point,
                template=None,
                rendered=RenderedMessage(subject=kw.pop("subject", "Your invoice INV-1"), body=body),
                stage=kw.pop("stage", Stage.FRIENDLY),
                source="automatic",
                actor_label="test",
                **kw,
            )
        message.refresh_from_db()
        return message

    return make


class Recorder:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == BOUNCING:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.received.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Recorder]:
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        with override_settings(MAILERS=mailers):
            yield recorder
    finally:
        controller.stop()
