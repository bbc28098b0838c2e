"""The tenant's Stripe account: keys (validated, encrypted, never logged), the connection test, other ways to pay."""

from __future__ import annotations

import re
from typing import Any

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.core.errors import DomainError
from apps.payments import crypto, selectors
from apps.payments.models import (
    PaymentInstructions,
    StripeAccount,
)
from apps.payments.stripe_api import error_words, stripe_client

KEY_RE = {
    "publishable": re.compile(r"^pk_(test|live)_[A-Za-z0-9_]+$"),
    "secret": re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]+$"),
    "webhook": re.compile(r"^whsec_[A-Za-z0-9_+/=]+$"),
}


def _mode(key: str) -> str:
    return "live" if "_live_" in key[:8] else "test"


def stripe_account_save(
    *, publishable_key: str, secret_key: str = "", webhook_secret: str = "", actor: Actor
) -> StripeAccount:
    """Save the tenant's keys. A blank secret keeps the stored one; secrets are stored encrypted, never logged."""
    publishable_key, secret_key, webhook_secret = publishable_key.strip(), secret_key.strip(), webhook_secret.strip()
    account = selectors.stripe_account_get()
    if not KEY_RE["publishable"].match(publishable_key):
        raise DomainError(
            _("A publishable key starts with pk_test_ or pk_live_. Copy it from Stripe → Developers → API keys."),
            field="publishable_key",
        )
    if secret_key and not KEY_RE["secret"].match(secret_key):
        raise DomainError(
            _("A secret key starts with sk_test_ or sk_live_ (a restricted key with rk_test_ or rk_live_)."),
            field="secret_key",
        )
    if not secret_key and account is None:
        raise DomainError(_("Enter the secret key."), field="secret_key")
    if webhook_secret and not KEY_RE["webhook"].match(webhook_secret):
        raise DomainError(
            _("A webhook signing secret starts with whsec_. Stripe shows it on the webhook endpoint's page."),
            field="webhook_secret",
        )
    secret_mode = (
        _mode(secret_key) if secret_key else (_mode(crypto.decrypt(account.secret_key_encrypted)) if account else "")
    )
    if secret_mode and secret_mode != _mode(publishable_key):
        raise DomainError(
            _(
                "The publishable key is a %(pk)s key but the secret key is a %(sk)s key: use both keys from the "
                "same mode."
            )
            % {"pk": _mode(publishable_key), "sk": secret_mode},
            field="publishable_key",
        )
    with transaction.atomic():
        locked = StripeAccount.objects.select_for_update().filter(pk=account.pk).first() if account else None
        before = {"publishable_key": locked.publishable_key} if locked else {}
        row = locked or StripeAccount(publishable_key=publishable_key)
        changed: dict[str, Any] = {}
        if row.publishable_key != publishable_key or not locked:
            changed["publishable_key"] = publishable_key
        row.publishable_key = publishable_key
        if secret_key:
            row.secret_key_encrypted = crypto.encrypt(secret_key)
            changed["new_secret_key"] = True
        if webhook_secret:
            row.webhook_secret_encrypted = crypto.encrypt(webhook_secret)
            changed["new_webhook_secret"] = True
        if changed.keys() & {"new_secret_key", "publishable_key"}:
            row.last_checked_at, row.last_check_ok, row.last_check_message = None, None, ""
        row.updated_by_label = actor.label
        row.save()
        if changed:
            # Which secrets changed, never their values.
            audit_record(actor=actor, action="payments.stripe_account_saved", obj=row, before=before, after=changed)
    return row


def stripe_account_check(*, account: StripeAccount, actor: Actor) -> StripeAccount:
    """Call Stripe with the stored secret key and record the answer (ok, or Stripe's error in plain words)."""
    try:
        stripe_client(account).v1.balance.retrieve()
        ok, message = True, ""
    except stripe.StripeError as error:
        ok, message = False, error_words(error)
    except crypto.DecryptionError:
        ok, message = False, _("The stored secret key cannot be read any more. Enter it again.")
    with transaction.atomic():
        locked = StripeAccount.objects.select_for_update().get(pk=account.pk)
        locked.last_checked_at = timezone.now()
        locked.last_check_ok = ok
        locked.last_check_message = message[:500]
        locked.save(update_fields=["last_checked_at", "last_check_ok", "last_check_message", "updated_at"])
        audit_record(
            actor=actor, action="payments.stripe_account_checked", obj=locked, after={"ok": ok, "message": message}
        )
    return locked


def payment_instructions_save(*, text: str, actor: Actor) -> PaymentInstructions:
    text = text.strip()
    if len(text) > 2000:
        raise DomainError(_("Keep it under 2,000 characters."), field="text")
    with transaction.atomic():
        row = PaymentInstructions.objects.select_for_update().order_by("pk").first()
        before = row.text if row else ""
        if row is None:
            row = PaymentInstructions(text=text, updated_by_label=actor.label)
        if before == text and row.pk:
            return row
        row.text, row.updated_by_label = text, actor.label
        row.save()
        audit_record(
            actor=actor, action="payments.instructions_saved", obj=row, before={"text": before}, after={"text": text}
        )
    return row


def stripe_secrets_reencrypt() -> int:
    """After a new key was put first in AMIABLE_FIELD_ENCRYPTION_KEYS: store every secret under it."""
    count = 0
    with transaction.atomic():
        for row in StripeAccount.objects.select_for_update():
            row.secret_key_encrypted = crypto.reencrypt(row.secret_key_encrypted)
            row.webhook_secret_encrypted = crypto.reencrypt(row.webhook_secret_encrypted)
            row.save(update_fields=["secret_key_encrypted", "webhook_secret_encrypted", "updated_at"])
            count += 1
    return count
