"""Encryption at rest for the secrets a tenant gives us (its Stripe secret key and webhook signing secret).

Keys come from AMIABLE_FIELD_ENCRYPTION_KEYS (Fernet keys, newest first): the first encrypts, every one decrypts,
so a key is rotated by putting a new one in front and re-saving (`secrets_reencrypt`). Production settings require
the keys from the environment; local and test settings leave the list empty and one key is derived from
SECRET_KEY, so a development database is readable only with its own SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored secret could not be read with any configured key (a key was removed too early, or data is bad)."""


def _derived_key() -> bytes:
    digest = hashlib.sha256(f"amiable-field-encryption:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        return MultiFernet([Fernet(_derived_key())])
    try:
        return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "AMIABLE_FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes each), "
            "separated by commas."
        ) from error


def _current() -> MultiFernet:
    keys = tuple(k.strip() for k in getattr(settings, "AMIABLE_FIELD_ENCRYPTION_KEYS", []) if k.strip())
    return _fernet(keys, settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    """The secret encrypted with the first key; "" stays "" (nothing stored)."""
    if not plain:
        return ""
    return _current().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("a stored secret cannot be decrypted with the configured keys") from error


def reencrypt(token: str) -> str:
    """The same secret under the first key (for rotation); "" stays ""."""
    if not token:
        return ""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("a stored secret cannot be decrypted with the configured keys") from error
