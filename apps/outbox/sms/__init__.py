"""SMS providers behind one interface; AMIABLE_SMS_BACKEND names the one in use."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from apps.outbox.sms.base import SmsBackend

PROVIDERS = {
    "console": "apps.outbox.sms.console.ConsoleSmsBackend",
    "twilio": "apps.outbox.sms.twilio.TwilioSmsBackend",
}


def sms_backend(name: str | None = None) -> SmsBackend:
    """The configured backend, or the one called `name` (inbound webhooks say which provider they come from)."""
    path = PROVIDERS.get(name or "", "") if name else settings.AMIABLE_SMS_BACKEND
    if not path:
        raise LookupError(name)
    backend: SmsBackend = import_string(path)()
    return backend
