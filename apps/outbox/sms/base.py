"""What every SMS provider adapter offers: send with an idempotency key, and read a verified inbound request."""

from __future__ import annotations

import abc
import dataclasses
from typing import Any

from django.http import HttpRequest


class SmsError(Exception):
    """The provider refused or could not be reached. `permanent` means retrying cannot help (e.g. invalid number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclasses.dataclass(frozen=True)
class InboundSms:
    provider_message_id: str
    from_number: str
    to_number: str
    body: str


@dataclasses.dataclass(frozen=True)
class StatusReport:
    """A delivery status callback: `status` is one of the outbox's delivered / failed / bounced / sent."""

    provider_message_id: str
    status: str
    error: str = ""
    invalid_number: bool = False


class SmsBackend(abc.ABC):
    name = ""
    # Whether sending the same idempotency key twice sends once: only then may a stale send be retried.
    idempotent = True

    @abc.abstractmethod
    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        """Hand one SMS to the provider and return its id for the message. Sending the same key twice must not
        send twice where the provider supports it."""
        ...

    @abc.abstractmethod
    def verify(self, request: HttpRequest) -> bool:
        """Whether an inbound webhook request really comes from the provider."""
        ...

    @abc.abstractmethod
    def parse_inbound(self, data: Any) -> InboundSms: ...

    @abc.abstractmethod
    def parse_status(self, data: Any) -> StatusReport: ...
