"""Signed, short-lived links: the signup handover (public site → tenant host) and staff invitations.

Both are django.core.signing tokens. The handover is single-use because it carries the user's last_login, which
signing in changes; an invitation is single-use because its row records acceptance.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.core import signing
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError

HANDOVER_SALT = "amiable.accounts.login-handover"
HANDOVER_MAX_AGE = dt.timedelta(minutes=2)
INVITATION_SALT = "amiable.accounts.invitation"
INVITATION_MAX_AGE = dt.timedelta(days=7)


class LinkProblem(enum.StrEnum):
    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class LinkError(DomainError):
    """A link that cannot be honoured; `problem` says why, so the page can say what to do."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(str(LINK_MESSAGES[problem]), code=problem.value)
        self.problem = problem


LINK_MESSAGES = {
    LinkProblem.TAMPERED: _("This link is not valid. Copy the whole link from the email, or ask for a new one."),
    LinkProblem.EXPIRED: _("This link has expired."),
    LinkProblem.USED: _("This link has already been used."),
    LinkProblem.REVOKED: _("This invitation was withdrawn."),
}


def _last_login_mark(user: Any) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def handover_token_make(*, user: Any, schema_name: str) -> str:
    payload = {"u": str(user.public_id), "s": schema_name, "l": _last_login_mark(user)}
    return signing.dumps(payload, salt=HANDOVER_SALT, compress=True)


def handover_token_read(token: str, *, schema_name: str) -> dict[str, str]:
    """The payload of a genuine, fresh handover token for this schema (LinkError otherwise)."""
    try:
        payload = signing.loads(token, salt=HANDOVER_SALT, max_age=HANDOVER_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkError(LinkProblem.EXPIRED) from None
    except signing.BadSignature:
        raise LinkError(LinkProblem.TAMPERED) from None
    if not isinstance(payload, dict) or payload.get("s") != schema_name:
        raise LinkError(LinkProblem.TAMPERED)
    return payload


def handover_token_matches(payload: dict[str, str], user: Any) -> bool:
    """False once the user has signed in since the token was made: the token is spent."""
    return payload.get("l") == _last_login_mark(user)


def invitation_token_make(*, invitation_public_id: str, schema_name: str) -> str:
    return signing.dumps({"i": invitation_public_id, "s": schema_name}, salt=INVITATION_SALT)


def invitation_token_read(token: str, *, schema_name: str) -> str:
    """The invitation's public id from a genuine, unexpired token for this schema (LinkError otherwise)."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkError(LinkProblem.EXPIRED) from None
    except signing.BadSignature:
        raise LinkError(LinkProblem.TAMPERED) from None
    if not isinstance(payload, dict) or payload.get("s") != schema_name or not payload.get("i"):
        raise LinkError(LinkProblem.TAMPERED)
    return str(payload["i"])
