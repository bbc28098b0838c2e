"""Normalising contact values: emails lower-cased and validated, phones to E.164, timezones looked up."""

from __future__ import annotations

import zoneinfo

import phonenumbers
from babel.core import get_global
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from phonenumbers import timezone as phone_timezone

from apps.core.errors import DomainError


def normalize_email(value: str) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("“%(v)s” is not a valid email address.") % {"v": value}, field="email") from None
    return email


def normalize_phone(value: str, default_region: str) -> str:
    try:
        number = phonenumbers.parse((value or "").strip(), default_region)
    except phonenumbers.NumberParseException:
        raise DomainError(_("“%(v)s” is not a phone number.") % {"v": value}, field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError(_("“%(v)s” is not a valid phone number.") % {"v": value}, field="phone")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def timezone_from_phone(e164: str) -> str | None:
    try:
        zones = phone_timezone.time_zones_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None
    usable = [z for z in zones if z != "Etc/Unknown"]
    return usable[0] if len(usable) == 1 else None


def timezone_from_country(country: str) -> str | None:
    zones = get_global("territory_zones").get((country or "").upper(), [])
    return zones[0] if len(zones) == 1 else None


def check_timezone(name: str) -> str:
    if not name:
        return ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DomainError(_("“%(v)s” is not a known timezone.") % {"v": name}, field="timezone") from None
    return name


def one_line_address(line1: str, line2: str, postal_code: str, city: str, country: str) -> str:
    parts = [line1, line2, " ".join(p for p in [postal_code, city] if p), country]
    return ", ".join(p.strip() for p in parts if p and p.strip())
