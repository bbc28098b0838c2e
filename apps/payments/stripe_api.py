"""Talking to the tenant's Stripe account: the client, and Stripe's errors and declines in plain words.

The API base is AMIABLE_STRIPE_API_BASE (empty: the real Stripe); the demo and the tests point it at localstripe.
Requests that create money movements always carry an Idempotency-Key, so a retried request never charges twice.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.payments import crypto
from apps.payments.models import StripeAccount

REAL_API = "https://api.stripe.com"
TIMEOUT_RETRIES = 2
# Seconds per request: a debtor waiting on the pay page, or a webhook Stripe times out after 20 seconds.
TIMEOUT_SECONDS = 15


def stripe_client(account: StripeAccount) -> stripe.StripeClient:
    base = settings.AMIABLE_STRIPE_API_BASE.rstrip("/")
    return stripe.StripeClient(
        crypto.decrypt(account.secret_key_encrypted),
        base_addresses={"api": base} if base else None,
        max_network_retries=TIMEOUT_RETRIES,
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS),
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_js_url() -> str:
    return str(settings.AMIABLE_STRIPE_JS_URL)


def csp_for_pay_pages() -> dict[str, list[str]]:
    """What a pay page adds to the strict policy: Stripe.js, its frames, and the Stripe API it calls."""
    js = _origin(stripe_js_url())
    api = _origin(settings.AMIABLE_STRIPE_API_BASE or REAL_API)
    frames = [js]
    if api == REAL_API:
        # Real Stripe shows 3-D Secure challenges in a frame served from hooks.stripe.com.
        frames.append("https://hooks.stripe.com")
    # 'self' too: the page posts the confirmed card to our own server (pay.js), and connect-src replaces default-src.
    return {"script-src": [js], "frame-src": frames, "connect-src": ["'self'", api]}


def object_id(value: Any) -> str:
    """The id of a Stripe reference that may be expanded (an object) or not (a string); "" for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(getattr(value, "id", "") or "")


# Declines in words a debtor understands (Stripe's decline codes); anything else falls back to a general line.
DECLINES: dict[str, Any] = {
    "card_declined": gettext_lazy("Your card was declined. Please try another card, or ask your bank why."),
    "generic_decline": gettext_lazy("Your card was declined. Please try another card, or ask your bank why."),
    "insufficient_funds": gettext_lazy("Your card was declined: there is not enough money on it."),
    "expired_card": gettext_lazy("Your card has expired. Please use another card."),
    "incorrect_cvc": gettext_lazy("The security code (CVC) is not right. Please check it and try again."),
    "incorrect_number": gettext_lazy("The card number is not right. Please check it and try again."),
    "processing_error": gettext_lazy("Your bank could not process the payment just now. Please try again."),
    "lost_card": gettext_lazy("Your card was declined. Please try another card, or ask your bank why."),
    "stolen_card": gettext_lazy("Your card was declined. Please try another card, or ask your bank why."),
    "do_not_honor": gettext_lazy("Your card was declined. Please try another card, or ask your bank why."),
    "authentication_required": gettext_lazy(
        "Your bank needs you to confirm this payment. Please pay again from the payment page."
    ),
    "payment_intent_authentication_failure": gettext_lazy(
        "Your bank's security check was not completed, so nothing was paid. You can try again."
    ),
    "canceled": gettext_lazy("The payment was cancelled; nothing was paid."),
    "not_started": gettext_lazy("The payment did not start; nothing was paid. You can try again."),
}
GENERAL_FAILURE = gettext_lazy("The payment did not go through; nothing was paid. You can try again.")


def failure_words(code: str, fallback: str = "") -> str:
    """A failed payment in the reader's language: by Stripe's code, else Stripe's own message, else a general line."""
    if code in DECLINES:
        return str(DECLINES[code])
    return fallback or str(GENERAL_FAILURE)


def error_words(error: stripe.StripeError) -> str:
    """A Stripe API error as staff read it (on the settings page, after a refund)."""
    if isinstance(error, stripe.AuthenticationError):
        return _("Stripe refused the secret key: it is wrong, or it was rolled. Paste the current key from Stripe.")
    if isinstance(error, stripe.PermissionError):
        return _("This key is not allowed to do this in Stripe. Use a secret key, or give the restricted key access.")
    if isinstance(error, stripe.APIConnectionError):
        return _("Stripe could not be reached. Please try again in a minute.")
    if isinstance(error, stripe.RateLimitError):
        return _("Stripe asked us to slow down. Please try again in a minute.")
    message = getattr(error, "user_message", None) or str(getattr(error, "_message", "") or "") or str(error)
    return _("Stripe answered: %(message)s") % {"message": message}
