"""The debtor's personal portal link: signed, expiring, for one debtor of one tenant. No password, no account."""

from __future__ import annotations

import enum

from django.conf import settings
from django.core import signing
from django.urls import reverse

from apps.core.tenancy import current_tenant
from apps.debtors.models import Debtor
from apps.tenants.services import tenant_base_url

SALT = "amiable.portal.link"


class TokenProblem(enum.Enum):
    INVALID = "invalid"
    EXPIRED = "expired"


def portal_token(*, debtor_id: object) -> str:
    # The schema name is signed too, so a token minted for one tenant opens nothing on another tenant's host.
    return signing.dumps({"d": str(debtor_id), "t": current_tenant().schema_name}, salt=SALT)


def portal_token_read(token: str) -> str | TokenProblem:
    """The debtor id a token names, or why it does not open the portal."""
    max_age = settings.AMIABLE_PORTAL_LINK_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        return TokenProblem.EXPIRED
    except signing.BadSignature:
        return TokenProblem.INVALID
    if not isinstance(data, dict) or data.get("t") != current_tenant().schema_name or not data.get("d"):
        return TokenProblem.INVALID
    return str(data["d"])


def portal_link(debtor: Debtor | object) -> str:
    """The absolute link every message carries; accepts a debtor or a debtor id (the daily run has only ids)."""
    debtor_id = debtor.pk if isinstance(debtor, Debtor) else debtor
    path = reverse("portal:open", kwargs={"token": portal_token(debtor_id=debtor_id)})
    return tenant_base_url(current_tenant()) + path
