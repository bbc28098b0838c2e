"""The Stripe part of the demo: each demo creditor is connected to the local fake Stripe (localstripe).

Keys and signing secrets here are fixed demo values localstripe accepts (it checks only the pk_/sk_ prefixes):
never a real account. localstripe keeps webhooks in memory only, so bin/demo registers them again every time it
starts localstripe (`manage.py demo_stripe_webhooks`): one per tenant, to the tenant's address on the public site,
signed with that tenant's secret.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from django_tenants.utils import tenant_context

from apps.audit.services import Actor
from apps.payments import crypto
from apps.payments.selectors import stripe_account_get
from apps.payments.services import payment_instructions_save, stripe_account_save
from apps.payments.views import webhook_url
from apps.tenants.models import Tenant

ACTOR = Actor.system("demo setup")

OTHER_WAYS = {
    "FR": "Virement bancaire : IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP, "
    "avec la référence de votre facture.",
    "PL": "Przelew: PL61 1090 1014 0000 0712 1981 2874, w tytule podaj numer faktury.",
    "US": "Check payable to the company at the address on your letter, or ACH transfer: routing 021000021, "
    "account 123456789 (write your invoice number in the memo).",
}


def demo_keys(subdomain: str) -> tuple[str, str, str]:
    """Publishable key, secret key and webhook signing secret of a demo tenant (fixed, fake)."""
    slug = subdomain.replace("-", "_")
    return f"pk_test_demo_{slug}", f"sk_test_demo_{slug}", f"whsec_demo_{slug}"


def demo_stripe_ensure(tenant: Tenant) -> None:
    """Connect a demo tenant to localstripe once (an existing connection is left alone)."""
    with tenant_context(tenant):
        if stripe_account_get() is None:
            publishable, secret, webhook = demo_keys(tenant.subdomain)
            stripe_account_save(publishable_key=publishable, secret_key=secret, webhook_secret=webhook, actor=ACTOR)
            payment_instructions_save(text=OTHER_WAYS.get(tenant.jurisdiction, ""), actor=ACTOR)


def demo_webhooks_register(tenants: list[Tenant], *, stripe_url: str) -> list[str]:
    """Register each tenant's webhook with localstripe (POST /_config/webhooks/<id>); returns the URLs."""
    registered = []
    for tenant in tenants:
        with tenant_context(tenant):
            account = stripe_account_get()
            if account is None or not account.webhook_secret_encrypted:
                continue
            url = webhook_url(tenant.subdomain)
            body = urllib.parse.urlencode(
                {"url": url, "secret": crypto.decrypt(account.webhook_secret_encrypted)}
            ).encode()
        request = urllib.request.Request(  # noqa: S310 - the local fake Stripe, from settings
            f"{stripe_url.rstrip('/')}/_config/webhooks/{tenant.subdomain}", data=body, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                response.read()
        except urllib.error.URLError as error:
            raise RuntimeError(
                f"localstripe at {stripe_url} refused the webhook of {tenant.subdomain}: {error}"
            ) from error
        registered.append(url)
    return registered
