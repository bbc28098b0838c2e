"""Twilio adapter: Programmable Messaging REST API over HTTPS with basic auth, and X-Twilio-Signature checks.

Twilio's Messages API documents no idempotency key, so this backend says `idempotent = False`: the outbox then
never re-sends a Twilio message whose first attempt may have been accepted (at most once, see outbox.delivery).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.outbox.models import MessageStatus
from apps.outbox.sms.base import InboundSms, SmsBackend, SmsError, StatusReport

# Error codes Twilio documents for numbers that cannot receive SMS: the contact point needs an update.
INVALID_NUMBER_CODES = frozenset({"21211", "21214", "21612", "21614", "30005", "30006"})
STATUS_MAP = {
    "queued": MessageStatus.SENT,
    "accepted": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.FAILED,
    "failed": MessageStatus.FAILED,
}
TIMEOUT_SECONDS = 15


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's algorithm: the full URL, then each POST parameter name and value sorted by name, HMAC-SHA1 with
    the auth token, base64."""
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TwilioSmsBackend(SmsBackend):
    name = "twilio"
    idempotent = False

    def __init__(self) -> None:
        config = settings.AMIABLE_TWILIO
        self.account_sid: str = config["account_sid"]
        self.auth_token: str = config["auth_token"]
        self.from_number: str = config["from_number"]
        self.api_base: str = config.get("api_base", "https://api.twilio.com").rstrip("/")
        self.status_callback: str = config.get("status_callback", "")

    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        fields = {"To": to, "From": self.from_number, "Body": body}
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        auth = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the base URL is configuration, https in production)
            url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = _json(exc.read())
            code = str(detail.get("code", ""))
            raise SmsError(
                f"Twilio refused the message ({exc.code}, code {code}): {detail.get('message', '')}",
                permanent=code in INVALID_NUMBER_CODES or exc.code == 400,
            ) from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise SmsError(f"Twilio could not be reached: {exc}") from exc
        return str(answer["sid"])

    def verify(self, request: HttpRequest) -> bool:
        given = request.headers.get("X-Twilio-Signature", "")
        if not given:
            return False
        params = {k: request.POST.get(k, "") for k in request.POST}
        expected = twilio_signature(self.auth_token, request.build_absolute_uri(), params)
        return hmac.compare_digest(given, expected)

    def parse_inbound(self, data: Any) -> InboundSms:
        return InboundSms(
            provider_message_id=data.get("MessageSid", ""),
            from_number=data.get("From", ""),
            to_number=data.get("To", ""),
            body=data.get("Body", ""),
        )

    def parse_status(self, data: Any) -> StatusReport:
        code = str(data.get("ErrorCode", "") or "")
        status = STATUS_MAP.get(data.get("MessageStatus", ""), "")
        return StatusReport(
            provider_message_id=data.get("MessageSid", ""),
            status=status,
            error=f"Twilio error {code}" if code else "",
            invalid_number=code in INVALID_NUMBER_CODES,
        )


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
