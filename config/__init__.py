"""Amiable project configuration; exposes the Celery app so tasks register on import."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
