"""E3: messages are written once, delivered once, whatever crashes or races happen in between."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from apps.contact.models import ContactAttempt
from apps.outbox import delivery
from apps.outbox.models import Message, MessageStatus
from apps.outbox.sms.console import ConsoleSmsBackend
from apps.outbox.tasks import outbox_deliver_pending_tenant
from apps.policies.models import Channel

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def sms_file(tmp_path: Path) -> Any:
    path = tmp_path / "sms.jsonl"
    with override_settings(AMIABLE_SMS_BACKEND="apps.outbox.sms.console.ConsoleSmsBackend", AMIABLE_SMS_FILE=str(path)):
        yield path


def _sent(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_it_writes_a_message_once_per_idempotency_key(enqueue: Any, sms_file: Path) -> None:
    first = enqueue(Channel.SMS, key="run:2026-11-20:debtor")
    again = enqueue(Channel.SMS, key="run:2026-11-20:debtor", body="Another text")

    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert len(_sent(sms_file)) == 1
    assert _sent(sms_file)[0]["body"] == "Hello, please pay."


def test_it_delivers_an_sms_through_the_dev_backend_and_records_the_attempt(enqueue: Any, sms_file: Path) -> None:
    message = enqueue(Channel.SMS)

    assert message.status == MessageStatus.SENT
    assert message.provider == "console"
    assert _sent(sms_file) == [{"id": message.provider_message_id, "to": "+33612345678", "body": "Hello, please pay."}]
    attempt = ContactAttempt.objects.get(message=message)
    assert attempt.channel == Channel.SMS


def test_it_retries_a_failed_send_later_and_sends_it_once(
    enqueue: Any, sms_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real_send = ConsoleSmsBackend.send

    def flaky(self: ConsoleSmsBackend, **kw: Any) -> str:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise ConnectionError("provider unreachable")
        return real_send(self, **kw)

    monkeypatch.setattr(ConsoleSmsBackend, "send", flaky)
    message = enqueue(Channel.SMS)
    assert message.status == MessageStatus.QUEUED
    assert "provider unreachable" in message.last_error

    # Not yet due: the back-off holds it.
    assert outbox_deliver_pending_tenant() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        outbox_deliver_pending_tenant()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        outbox_deliver_pending_tenant()
        outbox_deliver_pending_tenant()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 3
    assert len(_sent(sms_file)) == 1
    assert ContactAttempt.objects.filter(message=message).count() == 1


def test_it_sends_once_when_the_worker_dies_after_the_provider_accepted(
    enqueue: Any, sms_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_record = delivery._record_sent

    def crash(*args: Any, **kw: Any) -> None:
        raise SystemExit("worker killed after the provider accepted")

    monkeypatch.setattr(delivery, "_record_sent", crash)
    with pytest.raises(SystemExit):
        enqueue(Channel.SMS)
    message = Message.objects.get()
    assert message.status == MessageStatus.SENDING
    assert len(_sent(sms_file)) == 1

    monkeypatch.setattr(delivery, "_record_sent", real_record)
    # A retry right away finds it being sent by someone else; after STALE_AFTER the sweep settles it.
    assert delivery.message_deliver(message.pk) is None
    with time_machine.travel(timezone.now() + delivery.STALE_AFTER + dt.timedelta(minutes=1)):
        outbox_deliver_pending_tenant()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    # The provider got the same idempotency key twice and sent one SMS.
    assert len(_sent(sms_file)) == 1
    assert ContactAttempt.objects.filter(message=message).count() == 1


def test_it_lets_only_one_of_two_racing_workers_send(
    enqueue: Any, sms_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_send = ConsoleSmsBackend.send
    second: dict[str, Any] = {}

    def send_while_another_worker_tries(self: ConsoleSmsBackend, **kw: Any) -> str:
        # The second worker arrives while the first is talking to the provider.
        second["result"] = delivery.message_deliver(kw["idempotency_key"])
        return real_send(self, **kw)

    monkeypatch.setattr(ConsoleSmsBackend, "send", send_while_another_worker_tries)
    message = enqueue(Channel.SMS)
    delivery.message_deliver(message.pk)

    assert second["result"] is None
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert len(_sent(sms_file)) == 1


def test_it_holds_a_message_until_its_not_before(enqueue: Any, sms_file: Path) -> None:
    later = timezone.now() + dt.timedelta(hours=5)
    message = enqueue(Channel.SMS, not_before=later)
    assert message.status == MessageStatus.QUEUED
    assert _sent(sms_file) == []

    with time_machine.travel(later + dt.timedelta(minutes=1)):
        outbox_deliver_pending_tenant()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
