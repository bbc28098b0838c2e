"""A real localstripe server for the tests (the fake Stripe the demo uses too), on a free loopback port.

`localstripe_server()` starts one in a child process and stops it at exit; payments tests use it through the
session fixture in tests/payments/conftest.py, and browser tests can import `localstripe_server` too. The server
is the same aiohttp application as bin/localstripe, bound to 127.0.0.1, except that its state stays in memory:
localstripe otherwise pickles its whole store to one fixed file in /tmp after every write, which every other
localstripe on the machine (the demo's, another test run's) would read or overwrite.

Helpers here act as Stripe.js would in a browser (confirming a SetupIntent with a test card and the publishable
key) and as Stripe would when it calls a webhook (a signed event), so tests can drive the whole flow.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# Test keys localstripe accepts (it checks the prefixes only).
PUBLISHABLE_KEY = "pk_test_amiable_tests"
SECRET_KEY = "sk_test_amiable_tests"

_CHILD = r"""
import logging, sys
from aiohttp import web
from localstripe import resources
from localstripe.server import app

# Keep the store in memory only (see tests/localstripe.py).
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None
logging.basicConfig(level=logging.WARNING)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

_server: LocalStripe | None = None


@dataclasses.dataclass
class LocalStripe:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def js_url(self) -> str:
        return f"{self.url}/js.stripe.com/v3/"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    # --- what a browser with Stripe.js would do ------------------------------------------------------------

    def post(self, path: str, data: dict[str, Any], *, key: str = SECRET_KEY, as_json: bool = False) -> Any:
        """POST to the fake Stripe API; returns (status, body)."""
        if as_json:
            body = json.dumps(data).encode()
            headers = {"Content-Type": "application/json"}
        else:
            body = urllib.parse.urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Bearer {key}"}
        request = urllib.request.Request(f"{self.url}{path}", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def confirm_card_setup(self, client_secret: str, card_number: str) -> tuple[int, dict[str, Any]]:
        """Stripe.js `confirmCardSetup` with a test card typed into the card field: (status, SetupIntent or error)."""
        setup_intent_id = client_secret.split("_secret_")[0]
        return self.post(
            f"/v1/setup_intents/{setup_intent_id}/confirm",
            {
                "key": PUBLISHABLE_KEY,
                "use_stripe_sdk": True,
                "client_secret": client_secret,
                "payment_method_data": {
                    "type": "card",
                    "card": {"number": card_number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
                    "billing_details": {"address": {"postal_code": "75001"}},
                },
            },
            as_json=True,
        )

    def complete_setup_authentication(self, client_secret: str) -> tuple[int, dict[str, Any]]:
        """The 3-D Secure step of `confirmCardSetup` for a card that asks for it, completed by the cardholder."""
        setup_intent_id = client_secret.split("_secret_")[0]
        return self.post(
            f"/v1/setup_intents/{setup_intent_id}/confirm",
            {"key": PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": client_secret},
            as_json=True,
        )

    def set_up_card(self, client_secret: str, card_number: str) -> str:
        """A card set up through the SetupIntent (with 3-D Secure completed if the card asks): its PaymentMethod."""
        status, body = self.confirm_card_setup(client_secret, card_number)
        assert status == 200, body
        if body["status"] == "requires_action":
            status, body = self.complete_setup_authentication(client_secret)
            assert status == 200, body
        assert body["status"] == "succeeded", body
        return str(body["payment_method"])

    def authenticate_payment(self, client_secret: str, *, success: bool = True) -> tuple[int, dict[str, Any]]:
        """Stripe.js `confirmCardPayment`: the cardholder completes (or fails) 3-D Secure for a PaymentIntent."""
        payment_intent_id = client_secret.split("_secret_")[0]
        return self.post(
            f"/v1/payment_intents/{payment_intent_id}/_authenticate?success={'true' if success else 'false'}",
            {"key": PUBLISHABLE_KEY, "client_secret": client_secret},
            as_json=True,
        )

    def register_webhook(self, webhook_id: str, url: str, secret: str) -> None:
        status, body = self.post(f"/_config/webhooks/{webhook_id}", {"url": url, "secret": secret})
        assert status == 200, body


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def localstripe_server() -> LocalStripe:
    """The test run's localstripe, started on first use and stopped when the process exits."""
    global _server
    if _server is not None and _server.process.poll() is None:
        return _server
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = LocalStripe(port=port, process=process)
    atexit.register(server.stop)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited: {process.stderr.read().decode() if process.stderr else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            _server = server
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("localstripe did not start within 30 seconds")


def signed_event_headers(payload: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The Stripe-Signature header Stripe (and localstripe) sends with a webhook, for a Django test client."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), b"%d.%s" % (ts, payload), hashlib.sha256).hexdigest()
    return {"HTTP_STRIPE_SIGNATURE": f"t={ts},v1={signature}"}
