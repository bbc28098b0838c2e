"""Settings of the portal bench's server: the development settings without debug, plus one bench-only URL.

Used by bench/portal.py only (gunicorn runs with bench/ on its Python path); the product has no such view.
"""

from config.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "portal_site"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
