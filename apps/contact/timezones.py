"""Where a debtor is, in time: the zone quiet hours are measured in (R4, US3), and the country whose holidays apply."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from babel.core import get_global
from phonenumbers import timezone as phone_timezone

from apps.core.tenancy import current_tenant
from apps.debtors.models import ContactKind, ContactPoint, Debtor

# A number mapped to more zones than this is not geographic (toll-free, a whole country): it locates nobody.
MAX_PHONE_ZONES = 4
# A US consumer whose zone cannot be narrowed down: quiet hours must hold in every contiguous zone (US3).
US_FALLBACK_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _calling_region(number: str) -> str:
    """The region of an E.164 number's calling code when the code has exactly one region (+33 FR, +48 PL)."""
    return _code_region(number[:4])


@lru_cache(maxsize=1024)
def _code_region(start: str) -> str:
    digits = start[1:] if start.startswith("+") else ""
    for length in (1, 2, 3):
        code = digits[:length]
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(code)) if code.isdigit() else None
        if regions:
            return regions[0] if len(regions) == 1 else ""
    return ""


# Parsed numbers by key: North American numbers share their area's answer by "+1" + area code + exchange.
_PHONE_CACHE: dict[str, tuple[str, tuple[str, ...]]] = {}
_PHONE_CACHE_SIZE = 200_000


def _phone_parse(number: str) -> tuple[str, tuple[str, ...]]:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "", ()
    region = phonenumbers.region_code_for_number(parsed) or ""
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if zone(z) is not None)
    return region, zones if 0 < len(zones) <= MAX_PHONE_ZONES else ()


def phone_info(number: str) -> tuple[str, tuple[str, ...]]:
    """(country, time zones) of a phone number; zones empty when unknown or not geographic (toll-free)."""
    # The calling code of a single-zone country settles it without parsing (most European numbers).
    region = _calling_region(number)
    if region and (single := country_zone(region)):
        return region, (single,)
    key = number[:8] if number.startswith("+1") else number
    found = _PHONE_CACHE.get(key)
    if found is None:
        found = _phone_parse(number)
        if len(_PHONE_CACHE) < _PHONE_CACHE_SIZE:
            _PHONE_CACHE[key] = found
    return found


def phone_zones(number: str) -> tuple[str, ...]:
    return phone_info(number)[1]


def phone_country(number: str) -> str:
    return phone_info(number)[0]


@lru_cache(maxsize=512)
def country_zone(country: str) -> str:
    """The zone of a country that has exactly one (FR, PL ...); empty for countries spanning several."""
    zones = get_global("territory_zones").get(country.upper(), ())
    return zones[0] if len(zones) == 1 else ""


def _first(points: Iterable[ContactPoint], kind: str) -> list[ContactPoint]:
    found = [p for p in points if p.kind == kind]
    return sorted(found, key=lambda p: (not p.is_primary, str(p.created_at or "")))


def _points(debtor: Debtor, contact_points: Iterable[ContactPoint] | None) -> list[ContactPoint]:
    return list(contact_points) if contact_points is not None else list(debtor.contact_points.all())


def tenant_zone() -> zoneinfo.ZoneInfo:
    return zone(str(getattr(current_tenant(), "timezone", "") or "UTC")) or zoneinfo.ZoneInfo("UTC")


def debtor_country(debtor: Debtor, contact_points: Iterable[ContactPoint] | None = None) -> str:
    """The debtor's country: postal address, else phone number, else the tenant's country."""
    points = _points(debtor, contact_points)
    for address in _first(points, ContactKind.ADDRESS):
        if address.country:
            return address.country.upper()
    for phone in _first(points, ContactKind.PHONE):
        if country := phone_country(phone.value):
            return country
    return str(getattr(current_tenant(), "country", "") or "").upper()


def candidate_zones(debtor: Debtor, contact_points: Iterable[ContactPoint] | None = None) -> tuple[str, ...]:
    """Every zone the debtor may be in. An explicit zone settles it; otherwise phone areas and a single-zone
    address country all count, and a message must fit the quiet hours of each (US3)."""
    if zone(debtor.timezone) is not None:
        return (debtor.timezone,)
    points = _points(debtor, contact_points)
    found: list[str] = []
    for phone in _first(points, ContactKind.PHONE):
        found.extend(phone_zones(phone.value))
    for address in _first(points, ContactKind.ADDRESS):
        if address.country and (single := country_zone(address.country)):
            found.append(single)
    if not found and debtor_country(debtor, points) == "US":
        found.extend(US_FALLBACK_ZONES)
    return tuple(dict.fromkeys(found))


def debtor_timezone(debtor: Debtor, contact_points: Iterable[ContactPoint] | None = None) -> zoneinfo.ZoneInfo:
    """The debtor's zone: explicit, else from the phone number, else from the address country, else the tenant's."""
    explicit = zone(debtor.timezone)
    if explicit is not None:
        return explicit
    points = _points(debtor, contact_points)
    for phone in _first(points, ContactKind.PHONE):
        zones = phone_zones(phone.value)
        if len(zones) == 1:
            return zone(zones[0]) or tenant_zone()
    for address in _first(points, ContactKind.ADDRESS):
        if address.country and (single := country_zone(address.country)):
            return zone(single) or tenant_zone()
    return tenant_zone()
