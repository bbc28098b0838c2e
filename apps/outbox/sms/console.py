"""Development SMS backend: appends each SMS to a file (AMIABLE_SMS_FILE) or prints it; never reaches a phone."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.outbox.sms.base import InboundSms, SmsBackend, StatusReport


class ConsoleSmsBackend(SmsBackend):
    name = "console"

    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        provider_id = "dev-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        line = json.dumps({"id": provider_id, "to": to, "body": body}, ensure_ascii=False)
        path = getattr(settings, "AMIABLE_SMS_FILE", "")
        if path:
            target = Path(path)
            sent = target.read_text(encoding="utf-8") if target.exists() else ""
            # Same key, same id: a retried send is written once, as a provider with idempotency keys would.
            if f'"id": "{provider_id}"' not in sent:
                with target.open("a", encoding="utf-8") as f:
                    f.write(line + "\n")
        else:
            sys.stdout.write(line + "\n")
        return provider_id

    def verify(self, request: HttpRequest) -> bool:
        # Only for local development: the dev backend is never configured in production.
        return bool(settings.DEBUG)

    def parse_inbound(self, data: Any) -> InboundSms:
        return InboundSms(
            provider_message_id=str(data.get("id", "")),
            from_number=str(data.get("from", "")),
            to_number=str(data.get("to", "")),
            body=str(data.get("body", "")),
        )

    def parse_status(self, data: Any) -> StatusReport:
        return StatusReport(provider_message_id=str(data.get("id", "")), status=str(data.get("status", "")))
