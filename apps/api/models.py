"""Per-tenant API keys: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    # The secret is 32 random bytes; a fast hash is enough (no password to brute-force).
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=5, choices=ApiKeyScope.choices, default=ApiKeyScope.WRITE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """(prefix, secret); the full key the client sends is '<prefix>.<secret>'."""
        return secrets.token_hex(4), secrets.token_urlsafe(32)
