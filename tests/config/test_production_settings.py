"""Production settings load from a production-like environment and are locked down; a missing secret stops them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k3Jx9-production-like-secret-for-the-settings-test-7fQp2LmZ0vRt8WcY",
    "DJANGO_ALLOWED_HOSTS": ".amiable.example.com",
    "AMIABLE_BASE_DOMAIN": "amiable.example.com",
    "DATABASE_URL": "postgres://amiable:s3cret@db.internal:5432/amiable",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/1",
    "EMAIL_HOST": "smtp.example.com",
    "EMAIL_HOST_USER": "mailer",
    "EMAIL_HOST_PASSWORD": "mail-secret",
    "AMIABLE_FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=",
}

# Reads the settings the way Django will, and reports what a reviewer of a deployment would look at.
PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "CSP": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "MIDDLEWARE": settings.MIDDLEWARE,
    "STATICFILES_STORAGE": settings.STORAGES["staticfiles"]["BACKEND"],
    "DB": {k: settings.DATABASES["default"][k] for k in ("ENGINE", "HOST", "NAME", "USER")},
    "CACHE": settings.CACHES["default"]["LOCATION"],
    "EMAIL_HOST": settings.MAILERS["default"]["OPTIONS"]["host"],
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "URL_SCHEME": settings.AMIABLE_URL_SCHEME,
}))
"""


def load(env: dict[str, str], code: str = PROBE) -> subprocess.CompletedProcess[str]:
    # Start from a clean environment so nothing from the developer's shell leaks into the settings.
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def production() -> dict:
    result = load(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_turns_debug_off_and_serves_only_over_https(production):
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["URL_SCHEME"] == "https"


def test_it_sends_hsts_for_a_year_including_tenant_subdomains(production):
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def test_it_sends_a_content_security_policy_without_third_parties(production):
    csp = production["CSP"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "csp.middleware.CSPMiddleware" in production["MIDDLEWARE"]


def test_it_accepts_every_tenant_subdomain_of_the_base_domain(production):
    assert production["ALLOWED_HOSTS"] == [".amiable.example.com"]
    assert "https://*.amiable.example.com" in production["CSRF_TRUSTED_ORIGINS"]


def test_it_serves_static_files_through_whitenoise(production):
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in production["MIDDLEWARE"]
    assert production["STATICFILES_STORAGE"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_it_takes_database_cache_and_mail_from_the_environment(production):
    assert production["DB"] == {
        "ENGINE": "django_tenants.postgresql_backend",
        "HOST": "db.internal",
        "NAME": "amiable",
        "USER": "amiable",
    }
    assert production["CACHE"] == "redis://cache.internal:6379/0"
    assert production["EMAIL_HOST"] == "smtp.example.com"


def test_it_derives_the_wildcard_host_from_the_base_domain_when_hosts_are_not_given():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_ALLOWED_HOSTS"}

    result = load(env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ALLOWED_HOSTS"] == [".amiable.example.com"]


def test_it_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}

    result = load(env)

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def test_it_refuses_to_start_without_field_encryption_keys():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "AMIABLE_FIELD_ENCRYPTION_KEYS"}

    result = load(env)

    assert result.returncode != 0
    assert "Set the AMIABLE_FIELD_ENCRYPTION_KEYS environment variable" in result.stderr


def test_it_passes_djangos_deployment_checks():
    result = load(
        PRODUCTION_ENV,
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
    )

    assert result.returncode == 0, result.stderr + result.stdout
