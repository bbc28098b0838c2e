"""Celery application: tenant-aware, so every task runs inside the schema it was sent from."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = TenantAwareCeleryApp("amiable")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
