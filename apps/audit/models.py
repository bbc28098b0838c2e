"""Append-only audit log: who did what, when, why, with the before/after of the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
