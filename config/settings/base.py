"""Settings shared by every environment; values that differ come from the environment."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-secret-key-change-me-in-production-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[".localhost", "localhost", "127.0.0.1"])

# Tenants live on <subdomain>.<AMIABLE_BASE_DOMAIN>; the public site on the base domain itself.
AMIABLE_BASE_DOMAIN = env("AMIABLE_BASE_DOMAIN", default="localhost")
AMIABLE_URL_SCHEME = env("AMIABLE_URL_SCHEME", default="http")
AMIABLE_URL_PORT = env("AMIABLE_URL_PORT", default="8000")
RESERVED_SUBDOMAINS = frozenset(
    {"www", "api", "admin", "public", "static", "media", "mail", "app", "operator", "tenant_base", "help", "support"}
)

SHARED_APPS = [
    "django_tenants",
    "apps.tenants",
    "apps.accounts",
    "apps.audit",
    "apps.core",
    "apps.demo",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "csp",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "apps.accounts",
    "apps.audit",
    "apps.debtors",
    "apps.debts",
    "apps.imports",
    "apps.api",
    "apps.policies",
    "apps.engine",
    "apps.outbox",
    "apps.contact",
    "apps.portal",
    "apps.casework",
    "apps.arrangements",
    "apps.payments",
    "apps.escalations",
    "apps.experiments",
    "apps.reporting",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New tenants clone this schema instead of replaying every migration (see apps.tenants.schema).
TENANT_BASE_SCHEMA = "tenant_base"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "apps.tenants.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.tenants.middleware.TenantStateMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.amiable",
            ],
            "builtins": ["apps.core.templatetags.money"],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/amiable"),
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://127.0.0.1:6379/0"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("AMIABLE_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files above this size go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
AMIABLE_IMPORT_MAX_BYTES = env.int("AMIABLE_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)

MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Amiable <no-reply@amiable.localhost>")

# Days a debtor's personal portal link in a message keeps working (the fallback sign-in works after).
AMIABLE_PORTAL_LINK_DAYS = env.int("AMIABLE_PORTAL_LINK_DAYS", default=60)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: clients connect directly). The portal
# sign-in lockout counts failures per client address, so it must read the address the nearest trusted proxy saw.
AMIABLE_TRUSTED_PROXIES = env.int("AMIABLE_TRUSTED_PROXIES", default=0)

# SMS provider: "apps.outbox.sms.console.ConsoleSmsBackend" (development: AMIABLE_SMS_FILE or stdout) or
# "apps.outbox.sms.twilio.TwilioSmsBackend" with the AMIABLE_TWILIO_* values.
AMIABLE_SMS_BACKEND = env("AMIABLE_SMS_BACKEND", default="apps.outbox.sms.console.ConsoleSmsBackend")
AMIABLE_SMS_FILE = env("AMIABLE_SMS_FILE", default="")
AMIABLE_TWILIO = {
    "account_sid": env("AMIABLE_TWILIO_ACCOUNT_SID", default=""),
    "auth_token": env("AMIABLE_TWILIO_AUTH_TOKEN", default=""),
    "from_number": env("AMIABLE_TWILIO_FROM", default=""),
    "api_base": env("AMIABLE_TWILIO_API_BASE", default="https://api.twilio.com"),
    "status_callback": env("AMIABLE_TWILIO_STATUS_CALLBACK", default=""),
}

# Card payments through each tenant's own Stripe account. Empty API base: the real Stripe; the demo and the tests
# point both at localstripe (bin/localstripe). The JS URL is also the only script origin the pay pages allow.
AMIABLE_STRIPE_API_BASE = env("AMIABLE_STRIPE_API_BASE", default="")
AMIABLE_STRIPE_JS_URL = env("AMIABLE_STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# Fernet keys (comma-separated, newest first) for secrets stored in the database (apps.payments.crypto). Empty
# here: one key is derived from SECRET_KEY (local and test only; production settings require the list).
AMIABLE_FIELD_ENCRYPTION_KEYS = env.list("AMIABLE_FIELD_ENCRYPTION_KEYS", default=[])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.HasApiKey"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "apps.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Amiable API",
    "DESCRIPTION": "Import, upsert and read debtors, debts and offline payments. Authenticate with an API key: "
    "`Authorization: Api-Key <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind` or `status` with their own choices: name each enum after what it is.
    "ENUM_NAME_OVERRIDES": {
        "DebtorKindEnum": "apps.debtors.models.DebtorKind",
        "ContactKindEnum": "apps.debtors.models.ContactKind",
        "LedgerEntryKindEnum": "apps.debts.models.EntryKind",
        "DebtStatusEnum": "apps.debts.models.DebtStatus",
        "UpsertStatusEnum": "apps.api.services.UpsertStatus",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/1")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE = {
    "outbox-deliver-pending": {
        "task": "apps.outbox.tasks.outbox_deliver_pending",
        "schedule": 60.0,
    },
    "debts-mark-overdue": {
        "task": "apps.debts.tasks.debts_mark_overdue_all_tenants",
        "schedule": 3600.0,
    },
    "debtors-segments-recompute": {
        "task": "apps.debtors.tasks.segments_recompute_all_tenants",
        "schedule": 3600.0,
    },
    "engine-collection-runs-due": {
        "task": "apps.engine.tasks.collection_runs_due",
        "schedule": 15 * 60.0,
    },
    # Arrangements: instalments missed, plans broken, settlements and unanswered requests lapsed (per tenant).
    "arrangements-check": {
        "task": "apps.arrangements.tasks.arrangements_check_all_tenants",
        "schedule": 3600.0,
    },
    # Card payments: settle those whose webhook never came (S3); charge saved cards on instalment dates and remind
    # debtors a few days before. Each fans out per tenant (apps.payments.tasks).
    "payments-reconcile": {
        "task": "apps.payments.tasks.card_payments_reconcile_all_tenants",
        "schedule": 10 * 60.0,
    },
    "payments-autopay": {
        "task": "apps.payments.tasks.autopay_all_tenants",
        "schedule": 3600.0,
    },
}

# Content Security Policy: nothing from third parties on staff pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "*.localhost:*", "http://*.localhost:*"],
        "base-uri": ["'self'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each rendering step at INFO; only its warnings (a missing font, a bad stylesheet) matter.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
