"""Debtor time zones: explicit, else phone number, else address country, else the tenant's; candidate zones (US3)."""

from __future__ import annotations

import zoneinfo

import pytest

from apps.contact.gate import gate_check
from apps.contact.timezones import candidate_zones, debtor_country, debtor_timezone
from apps.tenants.models import Tenant
from tests.contact.conftest import ask, debtor_make, local, point_make

pytestmark = pytest.mark.django_db


def test_it_takes_the_zone_from_a_polish_phone_number(tenant: Tenant) -> None:
    jan = debtor_make("PL-1")
    point_make(jan, "phone", "+48601234567")
    assert debtor_timezone(jan) == zoneinfo.ZoneInfo("Europe/Warsaw")
    assert debtor_country(jan) == "PL"


def test_it_takes_the_zone_from_a_us_area_code(tenant: Tenant) -> None:
    sam = debtor_make("US-1")
    point_make(sam, "phone", "+14155550100")
    assert debtor_timezone(sam) == zoneinfo.ZoneInfo("America/Los_Angeles")


def test_it_takes_the_zone_from_the_address_country(tenant: Tenant) -> None:
    jan = debtor_make("PL-1")
    point_make(jan, "address", country="PL", city="Gdańsk")
    assert debtor_timezone(jan) == zoneinfo.ZoneInfo("Europe/Warsaw")


def test_it_prefers_the_explicit_zone_and_falls_back_to_the_tenant_s(tenant: Tenant) -> None:
    explicit = debtor_make("X-1", timezone="America/Denver")
    point_make(explicit, "phone", "+48601234567")
    assert debtor_timezone(explicit) == zoneinfo.ZoneInfo("America/Denver")
    assert candidate_zones(explicit) == ("America/Denver",)
    assert debtor_timezone(debtor_make("X-2")) == zoneinfo.ZoneInfo("Europe/Paris")


def test_it_requires_the_window_in_every_zone_a_us_debtor_may_be_in(tenant: Tenant) -> None:
    # US3: a toll-free number and a US address locate nobody; 09:00 in New York is 06:00 in Los Angeles.
    sam = debtor_make("US-1")
    email = point_make(sam, "email", "sam@example.com")
    point_make(sam, "phone", "+18005550100")
    point_make(sam, "address", country="US", region="NY", city="Albany")
    assert "America/Los_Angeles" in candidate_zones(sam)
    new_york = zoneinfo.ZoneInfo("America/New_York")
    los_angeles = zoneinfo.ZoneInfo("America/Los_Angeles")

    verdict = gate_check(ask(sam, "email", local(new_york, 2026, 3, 3, 9), email))

    assert (verdict.rule, verdict.defer_until) == ("quiet_hours", local(los_angeles, 2026, 3, 3, 8))


def test_it_needs_the_window_open_where_the_phone_and_the_address_disagree(tenant: Tenant) -> None:
    # A Polish mobile and a French address: 08:30 in Paris is 08:30 in Warsaw too; both calendars are CET.
    mix = debtor_make("X-3")
    phone = point_make(mix, "phone", "+48601234567")
    point_make(mix, "address", country="FR", city="Lille")
    assert set(candidate_zones(mix)) == {"Europe/Warsaw", "Europe/Paris"}
    assert gate_check(ask(mix, "sms", local(zoneinfo.ZoneInfo("Europe/Paris"), 2026, 3, 3, 8, 30), phone)).allowed
