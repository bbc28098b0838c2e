"""Signed one-click unsubscribe tokens: one per debtor and channel, no login needed, unforgeable."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from apps.core.tenancy import current_tenant
from apps.tenants.services import tenant_base_url

SALT = "amiable.outbox.unsubscribe"


def unsubscribe_token(*, debtor_id: object, channel: str) -> str:
    # The schema name is signed too, so a token from one tenant means nothing on another tenant's host.
    return signing.dumps({"d": str(debtor_id), "c": channel, "t": current_tenant().schema_name}, salt=SALT)


def unsubscribe_token_read(token: str) -> tuple[str, str] | None:
    """(debtor id, channel) from a token, or None if it was tampered with or belongs to another tenant."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != current_tenant().schema_name:
        return None
    return str(data.get("d", "")), str(data.get("c", ""))


def unsubscribe_url(*, debtor_id: object, channel: str) -> str:
    path = reverse("outbox:unsubscribe", kwargs={"token": unsubscribe_token(debtor_id=debtor_id, channel=channel)})
    return tenant_base_url(current_tenant()) + path
