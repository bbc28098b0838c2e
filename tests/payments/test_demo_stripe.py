"""The demo creditors are connected to localstripe, and bin/demo can point localstripe's webhooks at them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from apps.demo.seed import PL, seed_demo
from apps.demo.stripe import demo_keys
from apps.payments import crypto
from apps.payments.models import StripeAccount
from apps.payments.selectors import payment_instructions_text
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_demo_tenants_get_a_localstripe_account_and_webhooks(localstripe, settings, capsys):
    seed_demo(size=2, tenants=(PL,))
    tenant = Tenant.objects.get(subdomain=PL.subdomain)
    publishable, secret, webhook = demo_keys(PL.subdomain)

    with tenant_context(tenant):
        account = StripeAccount.objects.get()
        assert account.publishable_key == publishable
        assert crypto.decrypt(account.secret_key_encrypted) == secret
        assert crypto.decrypt(account.webhook_secret_encrypted) == webhook
        assert "PL61" in payment_instructions_text()

    call_command("demo_stripe_webhooks")

    assert f"/webhooks/stripe/{PL.subdomain}/" in capsys.readouterr().out
    # Seeding again keeps the account as it is.
    seed_demo(size=2, tenants=(PL,))
    with tenant_context(tenant):
        assert StripeAccount.objects.count() == 1
