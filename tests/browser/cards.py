"""Paying by card in the browser against localstripe: its stripe.js stand-in mounts plain inputs (placeholders
number, exp_month, exp_year, cvc, postal_code) where Stripe Elements would mount its iframe, and asks for 3-D Secure
in a small dialog ("Complete authentication" / "Fail authentication")."""

from __future__ import annotations

from typing import Any

# Stripe's test cards, as localstripe reads them.
CARD_OK = "4242424242424242"
CARD_3DS = "4000002500003155"  # needs 3-D Secure for every payment
CARD_DECLINED = "4000000000000002"


def card_fill(page: Any, number: str, *, exp_month: str = "12", exp_year: str = "34", cvc: str = "123") -> None:
    """Type a card into the mounted card field (typed key by key: the field reacts to input events)."""
    for placeholder, value in (("number", number), ("exp_month", exp_month), ("exp_year", exp_year), ("cvc", cvc)):
        field = page.locator(f"input[placeholder={placeholder}]")
        field.click()
        field.press_sequentially(value)
    page.locator("input[placeholder=postal_code]").press_sequentially("69002")


def three_d_secure(page: Any, *, complete: bool) -> None:
    name = "Complete authentication" if complete else "Fail authentication"
    page.get_by_role("button", name=name).click()
