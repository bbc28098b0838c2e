"""Who the portal is open to: the debtor a signed link or the fallback sign-in named, kept in the session.

The portal session is separate from staff sign-in: it is one session key, never a Django user. The fallback
sign-in is rate-limited per reference and per client address in the cache (keys prefixed with the schema)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.services import Actor, audit_record
from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt

SESSION_KEY = "portal_debtor_id"
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)


def portal_enter(request: HttpRequest, debtor: Debtor, *, how: str) -> None:
    """Open the portal for a debtor ("link" or "sign-in"), and write it in the audit log with the client address."""
    # A new session key on entry: a session id planted before the link was opened is worth nothing after.
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(debtor.pk)
    audit_record(
        actor=portal_actor(debtor),
        action=f"portal.entered_by_{how.replace('-', '_')}",
        obj=debtor,
        after={"client": client_ip(request)},
    )


def portal_actor(debtor: Debtor) -> Actor:
    """Who the audit log names for what a debtor does in the portal (one label for every portal action)."""
    return Actor.system(f"debtor {debtor.external_ref} (portal)")


def portal_leave(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def portal_debtor(request: HttpRequest) -> Debtor | None:
    debtor_id = request.session.get(SESSION_KEY)
    if not debtor_id:
        return None
    return Debtor.objects.filter(pk=debtor_id).first()


def _norm(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _keys(reference: str, ip: str) -> list[str]:
    return [f"portal:signin:ref:{_norm(reference)}", f"portal:signin:ip:{ip}"]


def _recent(key: str, now: dt.datetime) -> list[float]:
    since = (now - LOCKOUT).timestamp()
    return [t for t in cache.get(key, []) if t > since]


def signin_locked(*, reference: str, ip: str) -> bool:
    now = timezone.now()
    return any(len(_recent(key, now)) >= MAX_FAILURES for key in _keys(reference, ip))


def signin_failure_record(*, reference: str, ip: str) -> None:
    # The failure times themselves are kept (not a counter with a cache timeout), so the lockout ends by the clock.
    now = timezone.now()
    for key in _keys(reference, ip):
        cache.set(key, [*_recent(key, now), now.timestamp()], timeout=int(LOCKOUT.total_seconds()))
    if signin_locked(reference=reference, ip=ip):
        # The failure that locks is audited (staff see guessing); the reference typed is kept, never the detail.
        audit_record(
            actor=Actor.system("portal sign-in"),
            action="portal.sign_in_locked",
            object_type="portal.sign_in",
            object_repr=reference[:200],
            after={"reference": reference[:100], "client": ip, "minutes": int(LOCKOUT.total_seconds() // 60)},
        )


def signin_failures_clear(*, reference: str, ip: str) -> None:
    cache.delete_many(_keys(reference, ip))


def client_ip(request: HttpRequest) -> str:
    """The client's address for the lockout. Behind AMIABLE_TRUSTED_PROXIES proxies, each of which appends the
    address it saw to X-Forwarded-For, the client is that many entries from the right; anything further left was
    written by the client and is not trusted. With no proxy (the default) REMOTE_ADDR is the client."""
    proxies = settings.AMIABLE_TRUSTED_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def debtor_verify(*, reference: str, postal_code: str = "", date_of_birth: dt.date | None = None) -> Debtor | None:
    """The debtor a reference (theirs or one of their debts') names, if the one detail given matches; else None."""
    ref = reference.strip()
    if not ref or not (postal_code.strip() or date_of_birth):
        return None
    debtor = (
        Debtor.objects.filter(Q(external_ref=ref) | Q(pk__in=Debt.objects.filter(external_ref=ref).values("debtor")))
        .order_by()
        .first()
    )
    if debtor is None:
        return None
    if date_of_birth is not None and debtor.date_of_birth != date_of_birth:
        return None
    if postal_code.strip():
        codes = ContactPoint.objects.filter(debtor=debtor, kind="address").values_list("postal_code", flat=True)
        if _norm(postal_code) not in {_norm(c) for c in codes if c}:
            return None
    return debtor
