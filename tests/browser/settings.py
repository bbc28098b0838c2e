"""Settings of the app server the browser tests start: the test settings, served like production.

The server is a separate gunicorn process on the test database the test process uses (see conftest.py). Whitenoise
serves the stylesheet and scripts from the source folders (no collectstatic), email goes to files in
$AMIABLE_MAIL_DIR where the tests read it, and Celery tasks run in the request, so a payment's receipt or a
message's delivery has happened when the page answers.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import MIDDLEWARE, env

_after = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [*MIDDLEWARE[:_after], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_after:]]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": env("AMIABLE_MAIL_DIR")},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
