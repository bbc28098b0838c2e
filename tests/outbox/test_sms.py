"""E4 SMS: the Twilio adapter against a local fake Twilio, signed inbound replies (STOP), status callbacks."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client, override_settings

from apps.contact.models import ChannelOptOut, OptOutSource
from apps.debtors.models import ContactPoint, Validity
from apps.outbox.models import InboundMessage, MessageStatus
from apps.outbox.sms.twilio import twilio_signature
from apps.policies.models import Channel

pytestmark = pytest.mark.usefixtures("frozen_clock")

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "twilio-auth-token"
UNREACHABLE = "+33600000000"


class FakeTwilio(BaseHTTPRequestHandler):
    """Twilio's Create Message endpoint, as far as the adapter uses it."""

    requests: list[dict[str, Any]]

    def do_POST(self) -> None:
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        self.server.requests.append({"path": self.path, "auth": self.headers["Authorization"], "form": form})  # type: ignore[attr-defined]
        if form["To"] == UNREACHABLE:
            status, answer = 400, {"code": 21211, "message": "The 'To' number is not a valid phone number."}
        else:
            status, answer = 201, {"sid": f"SM{len(self.server.requests):032d}", "status": "queued"}  # type: ignore[attr-defined]
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def twilio() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    config = {
        "account_sid": SID,
        "auth_token": TOKEN,
        "from_number": "+33700000001",
        "api_base": f"http://127.0.0.1:{server.server_port}",
    }
    try:
        with override_settings(AMIABLE_SMS_BACKEND="apps.outbox.sms.twilio.TwilioSmsBackend", AMIABLE_TWILIO=config):
            yield server
    finally:
        server.shutdown()
        server.server_close()


def test_it_computes_twilios_documented_signature() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    signature = twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)
    assert signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_it_sends_an_sms_through_twilios_api(enqueue: Any, twilio: Any) -> None:
    message = enqueue(Channel.SMS, body="Reminder: invoice INV-1 is due. Reply STOP to opt out.")

    assert message.status == MessageStatus.SENT
    assert message.provider == "twilio"
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert base64.b64decode(request["auth"].split()[1]).decode() == f"{SID}:{TOKEN}"
    assert request["form"] == {
        "To": "+33612345678",
        "From": "+33700000001",
        "Body": "Reminder: invoice INV-1 is due. Reply STOP to opt out.",
    }
    assert message.provider_message_id == f"SM{1:032d}"


def test_it_fails_an_invalid_number_and_marks_it_for_update(enqueue: Any, twilio: Any, debtor: Any, actor: Any) -> None:
    from apps.debtors.services import contact_point_add

    point = contact_point_add(debtor=debtor, kind="phone", value=UNREACHABLE, actor=actor)
    message = enqueue(Channel.SMS, contact_point=point)

    assert message.status == MessageStatus.FAILED
    assert "21211" in message.last_error
    point.refresh_from_db()
    assert point.validity == Validity.INVALID


def _signed_post(path: str, params: dict[str, str], *, token: str = TOKEN) -> Any:
    client = Client(HTTP_HOST="acme.localhost")
    signature = twilio_signature(token, f"http://acme.localhost{path}", params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


INBOUND = "/outbox/sms/inbound/twilio/"


def test_it_stores_a_signed_reply(twilio: Any, debtor: Any) -> None:
    response = _signed_post(
        INBOUND, {"MessageSid": "SMin1", "From": "+33612345678", "To": "+33700000001", "Body": "ok"}
    )

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.debtor, inbound.body, inbound.stop_detected) == (debtor, "ok", False)
    assert not ChannelOptOut.objects.exists()


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_it_refuses_a_reply_with_a_bad_signature(twilio: Any, debtor: Any, token: str) -> None:
    params = {"MessageSid": "SMin2", "From": "+33612345678", "To": "+33700000001", "Body": "STOP"}
    if token:
        response = _signed_post(INBOUND, params, token=token)
    else:
        response = Client(HTTP_HOST="acme.localhost").post(INBOUND, params)

    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
    assert not ChannelOptOut.objects.exists()


@pytest.mark.parametrize("body", ["STOP", "Arrêt", "nie pisz"])
def test_it_opts_the_debtor_out_of_sms_when_they_reply_stop(twilio: Any, debtor: Any, body: str) -> None:
    params = {"MessageSid": "SMin3", "From": "+33612345678", "To": "+33700000001", "Body": body}
    _signed_post(INBOUND, params)
    _signed_post(INBOUND, params)  # Twilio retries: stored once

    assert InboundMessage.objects.get().stop_detected
    opt_out = ChannelOptOut.objects.get(debtor=debtor)
    assert (opt_out.channel, opt_out.source) == (Channel.SMS, OptOutSource.STOP_KEYWORD)


def test_it_refuses_the_next_sms_after_stop(enqueue: Any, twilio: Any, debtor: Any) -> None:
    _signed_post(INBOUND, {"MessageSid": "SMin4", "From": "+33612345678", "To": "+33700000001", "Body": "STOP"})

    message = enqueue(Channel.SMS)

    assert message.status == MessageStatus.CANCELLED
    assert twilio.requests == []


STATUS = "/outbox/sms/status/twilio/"


def test_it_follows_delivery_reports(enqueue: Any, twilio: Any) -> None:
    message = enqueue(Channel.SMS)

    _signed_post(STATUS, {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"})
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.delivered_at is not None

    # A late "sent" report never undoes "delivered".
    _signed_post(STATUS, {"MessageSid": message.provider_message_id, "MessageStatus": "sent"})
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_it_marks_the_number_invalid_when_the_provider_reports_it_undeliverable(
    enqueue: Any, twilio: Any, debtor: Any
) -> None:
    message = enqueue(Channel.SMS)

    response = _signed_post(
        STATUS, {"MessageSid": message.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "30006"}
    )

    assert response.status_code == 204
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    point = ContactPoint.objects.get(debtor=debtor, kind="phone")
    assert point.validity == Validity.INVALID
    assert "30006" in point.validity_note
