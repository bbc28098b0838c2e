"""The staff page where owners and managers connect the tenant's Stripe account; secrets are kept encrypted."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from apps.audit.models import AuditEvent
from apps.payments import crypto
from apps.payments.models import StripeAccount
from apps.payments.services import stripe_secrets_reencrypt
from tests.localstripe import PUBLISHABLE_KEY, SECRET_KEY
from tests.payments.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def form(pk: str = PUBLISHABLE_KEY, sk: str = SECRET_KEY, wh: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {"stripe-publishable_key": pk, "stripe-secret_key": sk, "stripe-webhook_secret": wh}


def test_a_manager_connects_stripe_and_the_connection_is_tested(client_for, manager):
    client = client_for(manager)

    response = client.post("/payments/stripe/", form(), follow=True)

    html = response.content.decode()
    assert "Stripe accepted the secret key" in html
    account = StripeAccount.objects.get()
    assert account.publishable_key == PUBLISHABLE_KEY
    assert account.last_check_ok is True
    assert crypto.decrypt(account.secret_key_encrypted) == SECRET_KEY
    assert crypto.decrypt(account.webhook_secret_encrypted) == WEBHOOK_SECRET
    assert "http://localhost:8000/webhooks/stripe/acme/" in html


def test_secrets_are_never_shown_back_and_blank_keeps_them(client_for, manager):
    client = client_for(manager)
    client.post("/payments/stripe/", form())

    page = client.get("/payments/stripe/").content.decode()
    client.post("/payments/stripe/", form(sk="", wh=""))

    assert SECRET_KEY not in page
    assert WEBHOOK_SECRET not in page
    account = StripeAccount.objects.get()
    assert crypto.decrypt(account.secret_key_encrypted) == SECRET_KEY
    assert crypto.decrypt(account.webhook_secret_encrypted) == WEBHOOK_SECRET


def test_secrets_are_encrypted_at_rest_and_never_audited(client_for, manager):
    client_for(manager).post("/payments/stripe/", form())

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_key_encrypted, webhook_secret_encrypted FROM payments_stripeaccount")
        stored = " ".join(cursor.fetchone())
        cursor.execute("SELECT coalesce(before::text, '') || coalesce(after::text, '') FROM audit_auditevent")
        audited = " ".join(row[0] for row in cursor.fetchall())
    assert SECRET_KEY not in stored
    assert WEBHOOK_SECRET not in stored
    assert "sk_test" not in audited
    assert "whsec_" not in audited
    assert AuditEvent.objects.filter(action="payments.stripe_account_saved").exists()


@pytest.mark.parametrize(
    ("pk", "sk", "wh", "message"),
    [
        ("sk_test_abc", SECRET_KEY, WEBHOOK_SECRET, "A publishable key starts with pk_test_ or pk_live_"),
        (PUBLISHABLE_KEY, "pk_test_abc", WEBHOOK_SECRET, "A secret key starts with sk_test_ or sk_live_"),
        (PUBLISHABLE_KEY, SECRET_KEY, "secret_abc", "A webhook signing secret starts with whsec_"),
        (
            "pk_live_abc",
            SECRET_KEY,
            WEBHOOK_SECRET,
            "the publishable key is a live key but the secret key is a test key",
        ),
        (PUBLISHABLE_KEY, "", WEBHOOK_SECRET, "Enter the secret key"),
    ],
)
def test_it_refuses_keys_that_cannot_be_right(client_for, manager, pk, sk, wh, message):
    response = client_for(manager).post("/payments/stripe/", form(pk, sk, wh))

    assert response.status_code == 422
    assert message.lower() in response.content.decode().lower()
    assert not StripeAccount.objects.exists()


def test_a_restricted_key_is_accepted(client_for, manager):
    client_for(manager).post("/payments/stripe/", form(sk="rk_test_restricted123"))
    assert StripeAccount.objects.exists()


def test_test_connection_reports_stripes_refusal_in_plain_words(client_for, manager, settings):
    client = client_for(manager)
    client.post("/payments/stripe/", form())
    settings.AMIABLE_STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    response = client.post("/payments/stripe/check/", follow=True)

    assert "Stripe could not be reached" in response.content.decode()
    account = StripeAccount.objects.get()
    assert account.last_check_ok is False
    assert account.last_check_message == "Stripe could not be reached. Please try again in a minute."


def test_agents_and_viewers_may_not_see_the_page(client_for, agent, viewer, owner):
    assert client_for(agent).get("/payments/stripe/").status_code == 403
    assert client_for(viewer).get("/payments/stripe/").status_code == 403
    assert client_for(owner).get("/payments/stripe/").status_code == 200


def test_the_policies_page_links_to_it_for_managers_only(client_for, manager, agent):
    assert "/payments/stripe/" in client_for(manager).get("/policies/").content.decode()
    assert "/payments/stripe/" not in client_for(agent).get("/policies/").content.decode()


def test_keys_rotate_new_first_old_still_readable(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.AMIABLE_FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("sk_test_rotate")

    settings.AMIABLE_FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "sk_test_rotate"
    rotated = crypto.reencrypt(token)

    settings.AMIABLE_FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "sk_test_rotate"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_rotation_moves_stored_secrets_to_the_new_key(stripe_account, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.AMIABLE_FIELD_ENCRYPTION_KEYS = [old]
    StripeAccount.objects.update(
        secret_key_encrypted=crypto.encrypt(SECRET_KEY), webhook_secret_encrypted=crypto.encrypt(WEBHOOK_SECRET)
    )
    settings.AMIABLE_FIELD_ENCRYPTION_KEYS = [new, old]

    assert stripe_secrets_reencrypt() == 1  # what `manage.py stripe_secrets_reencrypt` runs in each tenant

    settings.AMIABLE_FIELD_ENCRYPTION_KEYS = [new]
    account = StripeAccount.objects.get()
    assert crypto.decrypt(account.secret_key_encrypted) == SECRET_KEY
    assert crypto.decrypt(account.webhook_secret_encrypted) == WEBHOOK_SECRET
