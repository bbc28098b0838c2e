"""Reading the email the app wrote with Django's file backend: one file per connection, messages separated by a
line of 79 dashes."""

from __future__ import annotations

import email
import email.policy
import re
import time
from email.message import EmailMessage
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
URL = re.compile(r"https?://[^\s<>\"']+")


def emails_in(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                # Parsed as bytes: the body is 8-bit UTF-8, which the text parser would mangle.
                found.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default))
    return found  # type: ignore[return-value]


def email_to(folder: Path, address: str, *, timeout: float = 10.0) -> EmailMessage:
    """The one email to `address` (waits a little for it: delivery may finish just after the page answers)."""
    deadline = time.monotonic() + timeout
    while True:
        matching = [m for m in emails_in(folder) if address in str(m.get("To", ""))]
        if len(matching) == 1:
            return matching[0]
        if len(matching) > 1:
            raise AssertionError(f"{len(matching)} emails to {address}, expected one")
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {address} in {folder}")
        time.sleep(0.2)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, "the email has no plain-text part"
    return str(body.get_content())


def links_in(message: EmailMessage) -> list[str]:
    return [url.rstrip(".,;)") for url in URL.findall(text_of(message))]
