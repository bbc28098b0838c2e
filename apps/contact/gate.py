"""The contact gate (R4, E2): every outbound attempt, automatic or manual, asks here first and gets allow, deny or
defer-until with the rule that decided. Anything the gate does not recognise is refused.

`gate_check` reads one request; `gate_check_many` answers a batch the same way from one query per table, for the
daily run. `gate_decide(_many)` also records each answer as a GateDecision row (shown on the debtor's timeline).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import holidays
from django.db import transaction
from django.db.models import Min
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contact.models import CallOutcome, ChannelOptOut, ContactAttempt, GateDecision, GateOutcome, OptOutSource
from apps.contact.timezones import candidate_zones, debtor_country, debtor_timezone, zone
from apps.core.tenancy import current_tenant
from apps.debtors.models import Consent, ContactKind, ContactPoint, Debtor, DebtorKind, Validity
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus
from apps.outbox.models import Message, Source
from apps.policies.models import Channel, ContactRules, MessageTemplate
from apps.tenants.models import TenantRole

# The contact point kind each channel needs.
CHANNEL_KIND = {
    Channel.EMAIL: ContactKind.EMAIL,
    Channel.SMS: ContactKind.PHONE,
    Channel.PHONE: ContactKind.PHONE,
    Channel.LETTER: ContactKind.ADDRESS,
}
# Letters go by post: no time of day applies to them, every suppression does.
TIMED_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.PHONE})
# FDCPA 805(a)(1): 08:00–21:00 at the consumer's location; the end is exclusive (20:59 ok, 21:00 refused).
US_WINDOW = (dt.time(8, 0), dt.time(21, 0))
# PL6, industry code: weekdays 06:00–22:00, weekends 08:00–20:00.
PL_WINDOWS = {False: (dt.time(6, 0), dt.time(22, 0)), True: (dt.time(8, 0), dt.time(20, 0))}
US_CALLS_PER_7_DAYS = 7
US_COOLDOWN_DAYS = 7
# 940 CMR 7.04(1)(f): in Massachusetts at most two telephone communications (calls and texts) per 7 days per debt.
MA_PHONE_PER_7_DAYS = 2
# US9: without a validation notice, only five days may pass after the first contact.
VALIDATION_NOTICE_DAYS = 5
# How far back attempts matter: the longest cap (letters per month) plus a margin for zone offsets.
HISTORY_DAYS = 32
LOOKAHEAD_DAYS = 60
CHUNK = 5000
SOURCES = frozenset(Source.values)


@dataclass(frozen=True)
class ContactRequest:
    debtor: Debtor
    channel: str
    at: dt.datetime
    debts: tuple[Debt, ...] = ()
    contact_point: ContactPoint | None = None
    template: MessageTemplate | None = None
    source: str = Source.AUTOMATIC
    actor_label: str = "collection run"
    # US2: a call the debtor asked for (recorded consent) is exempt from the 7-day cooldown.
    consented_callback: bool = False


@dataclass(frozen=True)
class Verdict:
    outcome: str
    rule: str
    detail: str = ""
    defer_until: dt.datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == GateOutcome.ALLOW


ALLOW = Verdict(GateOutcome.ALLOW, "allowed")


def _deny(rule: str, detail: str) -> Verdict:
    return Verdict(GateOutcome.DENY, rule, detail)


@dataclass
class _Context:
    """Everything the rules read, loaded once for a batch of debtors."""

    rules: ContactRules
    jurisdiction: str
    agency: bool = False
    history: dt.timedelta = dt.timedelta(days=HISTORY_DAYS)
    points: dict[Any, list[ContactPoint]] = field(default_factory=dict)
    opt_outs: dict[Any, dict[str, ChannelOptOut]] = field(default_factory=dict)
    attempts: dict[Any, list[ContactAttempt]] = field(default_factory=dict)
    first_contact: dict[Any, dt.datetime] = field(default_factory=dict)
    active_debts: dict[Any, list[Debt]] = field(default_factory=dict)
    locations: dict[Any, _Location] = field(default_factory=dict)
    # The debtor's suppressions as stored now (the caller's row may be older than a cease or attorney notice).
    standing: dict[Any, tuple[dt.datetime | None, str]] = field(default_factory=dict)

    def location(self, debtor: Debtor) -> _Location:
        """Where the debtor is (country, zone, every candidate zone), worked out once per debtor and batch."""
        found = self.locations.get(debtor.pk)
        if found is None:
            points = self.points.get(debtor.pk, [])
            tz = debtor_timezone(debtor, points)
            zones = [z for z in (zone(name) for name in candidate_zones(debtor, points)) if z is not None] or [tz]
            found = self.locations[debtor.pk] = _Location(debtor_country(debtor, points), tz, zones)
        return found


@dataclass(frozen=True)
class _Location:
    country: str
    tz: zoneinfo.ZoneInfo
    zones: list[zoneinfo.ZoneInfo]


def _contact_rules() -> ContactRules:
    from apps.policies.selectors import contact_rules_get

    return contact_rules_get()


def _ids(ids: list[Any]) -> RawSQL:
    # One array parameter instead of thousands of placeholders: planning and quoting stay cheap for big batches.
    return RawSQL("SELECT unnest(%s::uuid[])", (ids,))


def _chunks(ids: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _load(requests: Sequence[ContactRequest]) -> _Context:
    tenant = current_tenant()
    rules = _contact_rules()
    ctx = _Context(
        rules=rules,
        jurisdiction=str(getattr(tenant, "jurisdiction", "") or ""),
        agency=getattr(tenant, "role", "") == TenantRole.AGENCY,
        history=dt.timedelta(days=max(HISTORY_DAYS, rules.call_cooldown_days_after_conversation + 2)),
    )
    if not requests:
        return ctx
    debtors = {r.debtor.pk: r.debtor for r in requests}
    ids = list(debtors)
    # A naive time is refused by _check; it must not shift (or break) the batch's history window.
    since = min((r.at for r in requests if r.at.tzinfo is not None), default=timezone.now()) - ctx.history
    without_debts = list(dict.fromkeys(r.debtor.pk for r in requests if not r.debts))
    for part in _chunks(ids):
        rows = Debtor.objects.filter(id__in=_ids(part)).values_list("id", "cease_requested_at", "attorney_details")
        ctx.standing.update((pk, (cease, attorney)) for pk, cease, attorney in rows)
        for point in ContactPoint.objects.filter(debtor_id__in=_ids(part)):
            ctx.points.setdefault(point.debtor_id, []).append(point)
        for opt_out in ChannelOptOut.objects.filter(debtor_id__in=_ids(part), revoked_at__isnull=True):
            ctx.opt_outs.setdefault(opt_out.debtor_id, {})[opt_out.channel] = opt_out
        attempts = ContactAttempt.objects.filter(debtor_id__in=_ids(part), occurred_at__gte=since).only(
            "debtor_id", "debt_id", "channel", "occurred_at", "call_outcome"
        )
        for attempt in attempts:
            ctx.attempts.setdefault(attempt.debtor_id, []).append(attempt)
        us_law = ctx.jurisdiction == "US" or any(ctx.location(debtors[i]).country == "US" for i in part)
        if ctx.agency and us_law:
            firsts = (
                ContactAttempt.objects.filter(debtor_id__in=_ids(part))
                .values("debtor_id")
                .annotate(first=Min("occurred_at"))
                .values_list("debtor_id", "first")
            )
            ctx.first_contact.update(dict(firsts))
    for part in _chunks(without_debts):
        for debt in Debt.objects.filter(debtor_id__in=_ids(part), status__in=ACTIVE_STATUSES):
            ctx.active_debts.setdefault(debt.debtor_id, []).append(debt)
    return ctx


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> Any:
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError:
        # The holidays package has no calendar for this country: no public-holiday rule applies there.
        return {}


def _window(rules: ContactRules, laws: frozenset[str], day: dt.date) -> tuple[dt.time, dt.time]:
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    if "US" in laws:
        start, end = max(start, US_WINDOW[0]), min(end, US_WINDOW[1])
    if "PL" in laws:
        pl_start, pl_end = PL_WINDOWS[day.weekday() >= 5]
        start, end = max(start, pl_start), min(end, pl_end)
    return start, end


def _closed_day(rules: ContactRules, country: str, day: dt.date) -> str:
    if rules.no_sundays and day.weekday() == 6:
        return "sunday"
    if rules.no_public_holidays and country and day in _holidays(country, day.year):
        return "public_holiday"
    return ""


def _blocked_in(rules: ContactRules, laws: frozenset[str], country: str, tz: zoneinfo.ZoneInfo, at: dt.datetime) -> str:
    """Why `at` is outside the contact window in `tz`, or "" when it is inside."""
    local = at.astimezone(tz)
    if closed := _closed_day(rules, country, local.date()):
        return closed
    start, end = _window(rules, laws, local.date())
    return "" if start <= local.time() < end else "quiet_hours"


def _next_open(
    rules: ContactRules, laws: frozenset[str], country: str, zones: list[zoneinfo.ZoneInfo], after: dt.datetime
) -> dt.datetime | None:
    """The first moment at or after `after` when the window is open in every zone."""
    if not any(_blocked_in(rules, laws, country, tz, after) for tz in zones):
        return after
    candidates: set[dt.datetime] = set()
    first = min(after.astimezone(tz).date() for tz in zones)
    for offset in range(LOOKAHEAD_DAYS):
        day = first + dt.timedelta(days=offset)
        for tz in zones:
            start, _end = _window(rules, laws, day)
            moment = dt.datetime.combine(day, start, tzinfo=tz).astimezone(dt.UTC)
            if moment > after:
                candidates.add(moment)
    for moment in sorted(candidates):
        if not any(_blocked_in(rules, laws, country, tz, moment) for tz in zones):
            return moment
    return None


@dataclass(frozen=True)
class ContactHours:
    """One debtor's contact window exactly as the gate applies it (tenant rules, jurisdiction limits, every zone the
    debtor may be in), for pages where a debtor picks a time to be called."""

    rules: ContactRules
    laws: frozenset[str]
    country: str
    tz: zoneinfo.ZoneInfo
    zones: tuple[zoneinfo.ZoneInfo, ...]

    def window(self, day: dt.date) -> tuple[dt.time, dt.time]:
        """Contact allowed from the first time until (excluding) the second, in the debtor's zone on `day`."""
        return _window(self.rules, self.laws, day)

    def closed(self, day: dt.date) -> str:
        """Why nobody is contacted on `day` ("sunday", "public_holiday"), or "" on an open day."""
        return _closed_day(self.rules, self.country, day)

    def blocked(self, at: dt.datetime) -> str:
        """Why `at` is outside the window in one of the debtor's zones ("quiet_hours", "sunday", "public_holiday"),
        or "" when contact is allowed then in all of them."""
        for tz in self.zones:
            if reason := _blocked_in(self.rules, self.laws, self.country, tz, at):
                return reason
        return ""

    def next_open(self, after: dt.datetime) -> dt.datetime | None:
        return _next_open(self.rules, self.laws, self.country, list(self.zones), after)


def contact_hours(debtor: Debtor) -> ContactHours:
    """The debtor's contact window under the current tenant's rules (reads the rules and the contact points)."""
    tenant = current_tenant()
    ctx = _Context(rules=_contact_rules(), jurisdiction=str(getattr(tenant, "jurisdiction", "") or ""))
    ctx.points[debtor.pk] = list(ContactPoint.objects.filter(debtor_id=debtor.pk))
    where = ctx.location(debtor)
    laws = frozenset({ctx.jurisdiction, where.country})
    return ContactHours(ctx.rules, laws, where.country, where.tz, tuple(where.zones))


def _local_day_start(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)


def _debts_of(request: ContactRequest, ctx: _Context) -> list[Debt]:
    return list(request.debts) if request.debts else ctx.active_debts.get(request.debtor.pk, [])


def _contact_point_rule(request: ContactRequest, ctx: _Context, laws: frozenset[str]) -> Verdict | None:
    if request.contact_point is None:
        if request.channel == Channel.PHONE and request.source == Source.MANUAL:
            return _deny("no_contact_point", _("Say which number is called."))
        return _deny("no_contact_point", _("No contact point for this channel."))
    # The contact point as stored now, which must be one of this debtor's.
    point = next((p for p in ctx.points.get(request.debtor.pk, []) if p.pk == request.contact_point.pk), None)
    if point is None or point.kind != CHANNEL_KIND[Channel(request.channel)]:
        return _deny("invalid_contact", _("This contact point cannot carry this channel for this debtor."))
    if point.opted_out_at is not None:
        return _deny("opted_out", _("The debtor opted out of this contact point."))
    if point.validity == Validity.INVALID:
        return _deny("invalid_contact", _("The contact point is marked invalid and needs an update."))
    if point.consent == Consent.REVOKED:
        return _deny("consent", _("Consent for this contact point was revoked."))
    if "US" in laws:
        if point.is_workplace and point.consent != Consent.GRANTED:
            return _deny("workplace", _("Workplace contact without the debtor's consent (FDCPA 805(a)(3))."))
        if request.channel == Channel.SMS and point.consent != Consent.GRANTED:
            return _deny("consent", _("Texts need the debtor's recorded consent (TCPA)."))
    return None


def _suppression_rule(request: ContactRequest, ctx: _Context, debts: list[Debt], today: dt.date) -> Verdict | None:
    debtor, template = request.debtor, request.template
    exception = template is not None and template.is_exception
    if debtor.pk not in ctx.standing:
        return _deny("unknown_debtor", _("The debtor does not exist (any more)."))
    cease_requested_at, attorney_details = ctx.standing[debtor.pk]
    if attorney_details:
        return _deny("attorney", _("The debtor is represented by an attorney: no direct contact."))
    if cease_requested_at is not None and not exception:
        return _deny("cease", _("The debtor asked to stop all contact; only confirmations and remedies may follow."))
    opt_out = ctx.opt_outs.get(debtor.pk, {}).get(request.channel)
    if opt_out is not None:
        if opt_out.source == OptOutSource.STOP_KEYWORD:
            return _deny("stop_keyword", _("The debtor replied STOP."))
        return _deny("opted_out", _("The debtor opted out of this channel."))
    for debt in debts:
        if debt.status == DebtStatus.DISPUTED and not exception:
            if debt.verification_sent_at is None:
                detail = _("Debt %(ref)s is disputed: on hold until verification is sent.")
            else:
                detail = _("Debt %(ref)s is disputed: on hold until it is resumed.")
            return _deny("dispute_hold", detail % {"ref": debt.external_ref})
    if template is not None and template.is_legal:
        for debt in debts:
            if debt.limitation_expires_on is not None and debt.limitation_expires_on < today:
                return _deny(
                    "time_barred",
                    _("Debt %(ref)s is time-barred: no legal-stage message.") % {"ref": debt.external_ref},
                )
    return None


def _validation_rule(request: ContactRequest, ctx: _Context, debts: list[Debt], laws: frozenset[str]) -> Verdict | None:
    """US9: a consumer's validation notice is due within five days of the first contact; after that only the
    notice (a letter) may go out until it is recorded as sent. The duty is a debt collector's (agency tenants)."""
    if not ctx.agency or "US" not in laws or request.debtor.kind != DebtorKind.PERSON:
        return None
    if request.channel == Channel.LETTER:
        return None
    first = ctx.first_contact.get(request.debtor.pk)
    if first is None or request.at - first < dt.timedelta(days=VALIDATION_NOTICE_DAYS):
        return None
    for debt in debts:
        if debt.validation_notice_sent_on is None:
            return _deny(
                "validation_pending",
                _("No validation notice for %(ref)s within five days of the first contact.")
                % {"ref": debt.external_ref},
            )
    return None


def _cap_free_at(times: list[dt.datetime], limit: int, window_start: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """When the count of `times` since `window_start` drops below `limit`, the window sliding by whole days."""
    inside = sorted(t for t in times if t >= window_start)
    # The oldest attempts must leave the window until only limit - 1 remain.
    leaving = inside[len(inside) - limit]
    return leaving + span


def _cap_rules(
    request: ContactRequest, ctx: _Context, debts: list[Debt], tz: zoneinfo.ZoneInfo, laws: frozenset[str]
) -> tuple[str, str, dt.datetime] | None:
    """The first cap the request would exceed: (rule, detail, when it frees up). Days are debtor-local days."""
    rules, channel = ctx.rules, request.channel
    since = request.at - ctx.history
    attempts = [a for a in ctx.attempts.get(request.debtor.pk, []) if since <= a.occurred_at <= request.at]
    today = request.at.astimezone(tz).date()

    def day_start(days_back: int) -> dt.datetime:
        return _local_day_start(today - dt.timedelta(days=days_back), tz)

    def next_day(days_ahead: int) -> dt.datetime:
        return _local_day_start(today + dt.timedelta(days=days_ahead), tz)

    today_count = sum(1 for a in attempts if a.occurred_at >= day_start(0))
    if today_count >= max(rules.max_attempts_per_day, 0):
        return (
            "cap_daily",
            _("Already contacted today (at most %(n)d a day).") % {"n": rules.max_attempts_per_day},
            next_day(1),
        )

    limits = {
        Channel.EMAIL: (rules.max_emails_per_week, 7),
        Channel.SMS: (rules.max_sms_per_week, 7),
        Channel.LETTER: (rules.max_letters_per_month, 30),
    }
    if channel in limits:
        limit, days = limits[Channel(channel)]
        same = [a.occurred_at for a in attempts if a.channel == channel and a.occurred_at >= day_start(days - 1)]
        if len(same) >= limit:
            freed = _cap_free_at(same, max(limit, 1), day_start(days - 1), dt.timedelta(days=days)) if limit else None
            free_day = freed.astimezone(tz).date() if freed else today + dt.timedelta(days=days)
            return (
                "cap_channel",
                _("At most %(n)d by %(channel)s in %(days)d days.")
                % {
                    "n": limit,
                    "channel": Channel(channel).label,
                    "days": days,
                },
                _local_day_start(free_day, tz),
            )

    debt_ids = {d.pk for d in debts}

    def about(attempt: ContactAttempt) -> bool:
        # Per (person, debt); an attempt recorded without a debt counts against every debt (all numbers count).
        return not debt_ids or attempt.debt_id is None or attempt.debt_id in debt_ids

    if channel in (Channel.PHONE, Channel.SMS) and "US" in laws and _in_massachusetts(request, ctx):
        phone_like = [a for a in attempts if a.channel in (Channel.PHONE, Channel.SMS) and about(a)]
        per_debt = _per_debt(phone_like, debts, day_start(6))
        if per_debt and max(map(len, per_debt.values())) >= MA_PHONE_PER_7_DAYS:
            worst = max(per_debt.values(), key=len)
            freed = _cap_free_at(worst, MA_PHONE_PER_7_DAYS, day_start(6), dt.timedelta(days=7))
            return (
                "ma_2_in_7",
                _("Massachusetts: at most two calls or texts per debt in 7 days."),
                _local_day_start(freed.astimezone(tz).date(), tz),
            )

    if channel != Channel.PHONE:
        return None
    us = "US" in laws
    limit = min(rules.max_calls_per_7_days, US_CALLS_PER_7_DAYS) if us else rules.max_calls_per_7_days
    cooldown = max(rules.call_cooldown_days_after_conversation, US_COOLDOWN_DAYS if us else 0)
    calls = [a for a in attempts if a.channel == Channel.PHONE and about(a)]
    per_debt = _per_debt(calls, debts, day_start(6))
    if per_debt and max(map(len, per_debt.values())) >= limit:
        worst = max(per_debt.values(), key=len)
        freed = _cap_free_at(worst, max(limit, 1), day_start(6), dt.timedelta(days=7))
        return (
            "us_call_7_in_7" if us else "cap_calls",
            _("At most %(n)d calls about a debt in 7 days.") % {"n": limit},
            _local_day_start(freed.astimezone(tz).date(), tz),
        )
    if cooldown and not request.consented_callback:
        conversations = [a.occurred_at for a in calls if a.call_outcome == CallOutcome.CONVERSATION]
        if conversations:
            last_day = max(conversations).astimezone(tz).date()
            # Day 1 is the day of the conversation: the next call may come on day cooldown + 1.
            reopens = last_day + dt.timedelta(days=cooldown)
            if today < reopens:
                return (
                    "us_call_cooldown" if us else "call_cooldown",
                    _("No call within %(n)d days after a conversation.") % {"n": cooldown},
                    _local_day_start(reopens, tz),
                )
    return None


def _per_debt(attempts: list[ContactAttempt], debts: list[Debt], since: dt.datetime) -> dict[Any, list[dt.datetime]]:
    recent = [a for a in attempts if a.occurred_at >= since]
    if not debts:
        return {None: [a.occurred_at for a in recent]} if recent else {}
    grouped: dict[Any, list[dt.datetime]] = defaultdict(list)
    for debt in debts:
        for a in recent:
            if a.debt_id is None or a.debt_id == debt.pk:
                grouped[debt.pk].append(a.occurred_at)
    return grouped


def _in_massachusetts(request: ContactRequest, ctx: _Context) -> bool:
    return any(
        p.kind == ContactKind.ADDRESS and p.country == "US" and p.region.strip().upper() in {"MA", "MASSACHUSETTS"}
        for p in ctx.points.get(request.debtor.pk, [])
    )


def _check(request: ContactRequest, ctx: _Context) -> Verdict:
    if request.channel not in CHANNEL_KIND:
        return _deny("unknown_channel", _("Unknown channel."))
    if request.source not in SOURCES:
        return _deny("unknown_source", _("Unknown source of the attempt."))
    if request.at.tzinfo is None:
        return _deny("invalid_request", _("The time of the attempt has no time zone."))
    if ctx.jurisdiction not in ("US", "FR", "PL"):
        return _deny("unknown_jurisdiction", _("The tenant's jurisdiction has no contact rules."))
    where = ctx.location(request.debtor)
    country = where.country
    laws = frozenset({ctx.jurisdiction, country})
    tz = where.tz
    today = request.at.astimezone(tz).date()
    debts = _debts_of(request, ctx)

    for rule in (
        _suppression_rule(request, ctx, debts, today),
        _contact_point_rule(request, ctx, laws),
        _validation_rule(request, ctx, debts, laws),
    ):
        if rule is not None:
            return rule

    not_before = request.at
    cap = _cap_rules(request, ctx, debts, tz, laws)
    deciding, detail = "", ""
    if cap is not None:
        deciding, detail, not_before = cap
    if request.channel in TIMED_CHANNELS:
        zones = where.zones
        if not deciding:
            for local in zones:
                if reason := _blocked_in(ctx.rules, laws, country, local, request.at):
                    deciding = reason
                    detail = {
                        "quiet_hours": _("Outside the debtor's contact hours."),
                        "sunday": _("No contact on Sundays."),
                        "public_holiday": _("No contact on a public holiday."),
                    }[reason]
                    break
        if deciding:
            opens = _next_open(ctx.rules, laws, country, zones, not_before)
            if opens is None:
                return _deny(deciding, detail)
            not_before = opens
    if not deciding:
        return ALLOW
    return Verdict(GateOutcome.DEFER, deciding, detail, not_before)


def gate_check_many(requests: Sequence[ContactRequest]) -> list[Verdict]:
    """The gate's answers for a batch, one query per table for all the batch's debtors."""
    ctx = _load(requests)
    return [_check(request, ctx) for request in requests]


def gate_check(request: ContactRequest) -> Verdict:
    """The gate's answer for one attempt. Reads only."""
    return gate_check_many([request])[0]


def _decision(request: ContactRequest, verdict: Verdict, now: dt.datetime) -> GateDecision:
    return GateDecision(
        debtor_id=request.debtor.pk,
        debt_ids=[d.pk for d in request.debts],
        channel=request.channel[:10],
        decided_at=now,
        outcome=verdict.outcome,
        rule=verdict.rule[:60],
        detail=verdict.detail[:500],
        defer_until=verdict.defer_until,
        source=request.source[:10],
        actor_label=request.actor_label[:200],
    )


def gate_decide_many(requests: Sequence[ContactRequest]) -> list[Verdict]:
    """Check a batch and record every answer."""
    verdicts = gate_check_many(requests)
    now = timezone.now()
    GateDecision.objects.bulk_create(
        [_decision(r, v, now) for r, v in zip(requests, verdicts, strict=True)], batch_size=CHUNK
    )
    return verdicts


def gate_decide(request: ContactRequest) -> Verdict:
    return gate_decide_many([request])[0]


def contact_attempt_record(
    *,
    debtor: Debtor,
    channel: str,
    occurred_at: dt.datetime | None = None,
    debt: Debt | None = None,
    call_outcome: str = "",
    message: Message | None = None,
    source: str = Source.AUTOMATIC,
    actor_label: str,
) -> ContactAttempt:
    """One attempt that caps count: a message handed to a provider, or a call an agent placed."""
    if channel not in CHANNEL_KIND:
        raise ValueError(channel)
    if call_outcome and (channel != Channel.PHONE or call_outcome not in CallOutcome.values):
        raise ValueError(call_outcome)
    with transaction.atomic():
        return ContactAttempt.objects.create(
            debtor=debtor,
            debt=debt,
            channel=channel,
            occurred_at=occurred_at or timezone.now(),
            call_outcome=call_outcome,
            message=message,
            source=source,
            actor_label=actor_label[:200],
        )
