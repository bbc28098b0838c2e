"""Domain errors: raised by services, turned into 400/422 with their message at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses, with a message a person can act on."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class IllegalTransition(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="illegal_transition")
