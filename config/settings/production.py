"""Production settings: everything secret or host-specific comes from the environment.

Required: DJANGO_SECRET_KEY, AMIABLE_BASE_DOMAIN, DATABASE_URL, EMAIL_HOST, AMIABLE_FIELD_ENCRYPTION_KEYS.
Tenants are served on <subdomain>.<AMIABLE_BASE_DOMAIN> behind a TLS-terminating proxy that sets X-Forwarded-Proto.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
AMIABLE_BASE_DOMAIN = env("AMIABLE_BASE_DOMAIN")
# A leading dot matches the domain and every subdomain, so new tenants need no configuration change.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[f".{AMIABLE_BASE_DOMAIN}"])
AMIABLE_URL_SCHEME = "https"
AMIABLE_URL_PORT = env("AMIABLE_URL_PORT", default="")

DATABASES["default"].update(env.db("DATABASE_URL"))
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"

# Secrets stored in the database (tenants' Stripe keys) are encrypted with these; never derived in production.
AMIABLE_FIELD_ENCRYPTION_KEYS = env.list("AMIABLE_FIELD_ENCRYPTION_KEYS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{AMIABLE_BASE_DOMAIN}", f"https://*.{AMIABLE_BASE_DOMAIN}"]
)

# Hashed file names, so whitenoise can serve static files with far-future cache headers.
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env("EMAIL_HOST"),
            "port": env.int("EMAIL_PORT", default=587),
            "username": env("EMAIL_HOST_USER", default=""),
            "password": env("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=True),
        },
    }
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", f"https://{AMIABLE_BASE_DOMAIN}", f"https://*.{AMIABLE_BASE_DOMAIN}"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "upgrade-insecure-requests": True,
    }
}
