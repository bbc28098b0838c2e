"""E4 email: through Django's SMTP backend to a real local SMTP server, with one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.contact.models import ChannelOptOut, OptOutSource
from apps.debtors.models import ContactPoint, Validity
from apps.debtors.services import contact_point_add
from apps.outbox import delivery
from apps.outbox.models import Message, MessageStatus
from apps.outbox.tasks import outbox_deliver_pending_tenant
from apps.policies.models import Channel
from tests.outbox.conftest import BOUNCING, Recorder

pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_it_sends_email_over_smtp_with_one_click_unsubscribe(enqueue: Any, smtp_server: Recorder) -> None:
    message = enqueue(Channel.EMAIL, body="Hello Camille,\nyour invoice INV-1 is 10 days late.")

    assert message.last_error == ""
    assert message.status == MessageStatus.SENT
    [received] = smtp_server.received
    assert received["To"] == "camille@example.org"
    assert received["Subject"] == "Your invoice INV-1"
    assert "Acme Recouvrement SARL" in received["From"]
    assert received["Message-ID"] == f"<{message.pk}@amiable.localhost>"
    assert message.provider_message_id == received["Message-ID"]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://acme\.localhost(:\d+)?/outbox/unsubscribe/[^/]+/>", received["List-Unsubscribe"])
    assert "your invoice INV-1 is 10 days late." in received.get_payload(decode=True).decode()


def test_it_marks_a_refused_address_bounced_and_invalid(
    enqueue: Any, smtp_server: Recorder, debtor: Any, actor: Any
) -> None:
    point = contact_point_add(debtor=debtor, kind="email", value=BOUNCING, actor=actor)

    message = enqueue(Channel.EMAIL, contact_point=point)

    assert message.status == MessageStatus.BOUNCED
    assert smtp_server.received == []
    point.refresh_from_db()
    assert point.validity == Validity.INVALID
    assert "refused" in point.validity_note


def _unsubscribe_path(enqueue: Any, smtp_server: Recorder) -> str:
    enqueue(Channel.EMAIL)
    header = smtp_server.received[0]["List-Unsubscribe"]
    match = re.search(r"(/outbox/unsubscribe/[^/]+/)", header)
    assert match
    return match.group(1)


def test_it_shows_a_confirm_page_then_unsubscribes_without_login(
    enqueue: Any, smtp_server: Recorder, client_for: Any, debtor: Any
) -> None:
    path = _unsubscribe_path(enqueue, smtp_server)
    browser: Client = client_for()

    page = browser.get(path)
    assert page.status_code == 200
    assert "Confirm: unsubscribe" in page.content.decode()
    assert not ChannelOptOut.objects.exists()

    done = browser.post(path)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    opt_out = ChannelOptOut.objects.get(debtor=debtor)
    assert (opt_out.channel, opt_out.source) == (Channel.EMAIL, OptOutSource.UNSUBSCRIBE_LINK)
    assert AuditEvent.objects.filter(action="debtor.opt_out", object_id=str(debtor.pk)).exists()
    # Other channels keep working: the email address itself is not touched.
    assert ContactPoint.objects.get(debtor=debtor, kind="email").validity != Validity.INVALID


def test_it_accepts_the_mail_clients_one_click_post(enqueue: Any, smtp_server: Recorder, client_for: Any) -> None:
    path = _unsubscribe_path(enqueue, smtp_server)
    browser = Client(HTTP_HOST="acme.localhost", enforce_csrf_checks=True)

    response = browser.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert ChannelOptOut.objects.filter(channel=Channel.EMAIL).count() == 1
    browser.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert ChannelOptOut.objects.filter(channel=Channel.EMAIL).count() == 1


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "not-a-token"])
def test_it_refuses_a_tampered_unsubscribe_link(
    enqueue: Any, smtp_server: Recorder, client_for: Any, mangle: Any
) -> None:
    path = _unsubscribe_path(enqueue, smtp_server)
    token = path.rstrip("/").rsplit("/", 1)[1]

    response = client_for().post(f"/outbox/unsubscribe/{mangle(token)}/")

    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert not ChannelOptOut.objects.exists()


def test_it_refuses_another_tenants_unsubscribe_link(
    enqueue: Any, smtp_server: Recorder, client_for: Any, other_tenant: Any
) -> None:
    path = _unsubscribe_path(enqueue, smtp_server)

    response = client_for(on=other_tenant).post(path)

    assert response.status_code == 404
    assert not ChannelOptOut.objects.exists()


def test_it_never_resends_an_email_whose_outcome_is_unknown(
    enqueue: Any, smtp_server: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kw: Any) -> None:
        raise SystemExit("worker killed after the SMTP server accepted")

    real_record = delivery._record_sent
    monkeypatch.setattr(delivery, "_record_sent", crash)
    with pytest.raises(SystemExit):
        enqueue(Channel.EMAIL)
    monkeypatch.setattr(delivery, "_record_sent", real_record)

    with time_machine.travel(timezone.now() + delivery.STALE_AFTER + dt.timedelta(minutes=1)):
        outbox_deliver_pending_tenant()

    # SMTP has no idempotency key: at most once, and the message says why it stopped.
    assert len(smtp_server.received) == 1
    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED
    assert "outcome unknown" in message.last_error
