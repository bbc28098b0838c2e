"""Browser tests: Debian's Chromium, driven by Playwright, against a real app server on the test database.

Run with `pytest -m browser` (the default run deselects them). The pieces, each a session fixture:
- the test database is one of their own, `test_<name>_browser` (so run them apart from the main suite, as
  bin/check does: `pytest -m browser`);
- `browser_tenant`: tenant `browsertest` (FR, EUR), created once per test database and kept, whose contact rules
  allow email at any hour (the tests run on the real clock, at any time of day or week);
- `app_server`: gunicorn serving `tests.browser.settings` on a free loopback port, on the same test database this
  process uses (pytest-django's live_server would flush every table after a test, tenants included). Email goes to
  files in `mail_dir`; this process's own settings point links and email at the same server and folder;
- `chromium`: one headless browser; each test gets a fresh `page` (no cookies) in its own context.

Test data is written through the real services and committed (`db_write`), because the server reads it from
another connection; every test makes its own debtor (`make_portal_debtor`), so tests neither share nor clean up
state and the kept test database simply grows a little.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.tenants.models import Tenant
from tests.browser.processes import Child, free_port
from tests.conftest import PASSWORD
from tests.localstripe import LocalStripe, localstripe_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("AMIABLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SUBDOMAIN = "browsertest"
SETUP_ACTOR = Actor.system("browser test setup")


# --- the test database, written from this process --------------------------------------------------------------

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The django_db marker makes pytest-django set the test database up (it does so only when some test asks)...
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A test database of their own (test_<name>_browser): the tenant and debtors the browser tests commit never
    show up in the main suite's database, and the main suite's tests never in theirs."""
    db = settings.DATABASES["default"]
    test = db.setdefault("TEST", {})
    test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_browser"


@pytest.fixture
def _django_db_helper(django_db_setup: None) -> None:
    """...but not wrap each test in a transaction (the server could not see its writes) nor flush the tables after
    it (that would take the tenants with them): browser tests write through `db_write`, committed."""


@pytest.fixture(scope="session")
def browser_tenant(django_db_setup: None, django_db_blocker: Any) -> Tenant:
    from apps.policies.services import contact_rules_update, policies_install_defaults
    from apps.tenants.services import tenant_create

    with django_db_blocker.unblock():
        tenant = Tenant.objects.filter(subdomain=SUBDOMAIN).first()
        if tenant is None:
            tenant, _owner = tenant_create(
                subdomain=SUBDOMAIN,
                legal_name="Navigateur Recouvrement SAS",
                address_line1="5 place Bellecour",
                postal_code="69002",
                city="Lyon",
                country="FR",
                jurisdiction="FR",
                owner_email=f"owner@{SUBDOMAIN}.test",
                owner_password=PASSWORD,
                default_locale="en",
                currency="EUR",
                timezone="Europe/Paris",
            )
        with tenant_context(tenant):
            # A tenant kept from an older commit's run: bring its default templates and policies up to date.
            policies_install_defaults(tenant=tenant)
            # The whole day, every day: an email test must not depend on the hour or the weekday it runs at.
            contact_rules_update(
                actor=SETUP_ACTOR,
                tenant=tenant,
                quiet_hours_start=dt.time(0, 0),
                quiet_hours_end=dt.time(23, 59, 59, 999999),
                no_sundays=False,
                no_public_holidays=False,
            )
        connection.set_schema_to_public()
    return tenant


@pytest.fixture(scope="session")
def db_write(browser_tenant: Tenant, django_db_blocker: Any) -> Callable[[], AbstractContextManager[None]]:
    """`with db_write():` — database access inside the browser tenant's schema, every write committed at once."""

    @contextmanager
    def block() -> Iterator[None]:
        with django_db_blocker.unblock(), tenant_context(browser_tenant):
            yield

    return block


@dataclasses.dataclass
class PortalDebtor:
    debtor: Debtor
    debts: list[Debt]
    email: str
    postal_code: str
    link: str  # the personal portal link, on the app server

    @property
    def reference(self) -> str:
        return self.debtor.external_ref


NAMES = {"en": "Alex Morgan", "fr": "Camille Durand", "pl": "Zofia Kowalska"}


@pytest.fixture
def make_portal_debtor(
    app_server: AppServer, db_write: Callable[[], AbstractContextManager[None]]
) -> Callable[..., PortalDebtor]:
    """A new debtor of the browser tenant with an email address, a postal address and debts (amounts in cents,
    each due `days_past_due` ago), in `language`; their references are new on every call."""
    from apps.debtors.services import contact_point_add
    from apps.portal.links import portal_link
    from tests.factories import make_debt, make_debtor

    def make(
        language: str = "en", debts: tuple[tuple[int, int], ...] = ((250_00, 20),), name: str = ""
    ) -> PortalDebtor:
        token = uuid.uuid4().hex[:8].upper()
        email = f"debtor-{token.lower()}@example.com"
        with db_write():
            debtor = make_debtor(
                SETUP_ACTOR,
                f"BT-{token}",
                name or NAMES[language],
                preferred_language=language,
                date_of_birth=dt.date(1984, 3, 9),
            )
            contact_point_add(debtor=debtor, kind="email", value=email, actor=SETUP_ACTOR)
            contact_point_add(
                debtor=debtor,
                kind="address",
                value="14 rue Mercière, 69002 Lyon, FR",
                address_line1="14 rue Mercière",
                postal_code="69002",
                city="Lyon",
                country="FR",
                actor=SETUP_ACTOR,
            )
            made = [
                make_debt(SETUP_ACTOR, debtor, f"INV-{token}-{n}", amount, days_past_due=days, description=f"Order {n}")
                for n, (amount, days) in enumerate(debts, start=1)
            ]
            link = portal_link(debtor)
        return PortalDebtor(debtor=debtor, debts=made, email=email, postal_code="69002", link=link)

    return make


def _forget_signin_failures() -> None:
    """Every fallback sign-in failure record in the test cache: all the browser's requests come from 127.0.0.1,
    so one lockout test would otherwise lock every later sign-in out."""
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match="*portal:signin:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def clean_lockouts() -> Iterator[None]:
    _forget_signin_failures()
    yield
    _forget_signin_failures()


WEBHOOK_SECRET = "whsec_amiable_browser_tests_0123456789"


@pytest.fixture(scope="session")
def stripe_connected(
    app_server: AppServer, stripe: LocalStripe, db_write: Callable[[], AbstractContextManager[None]]
) -> None:
    """The browser tenant takes cards through this run's localstripe, which calls the tenant's webhook on the
    app server as Stripe would."""
    from apps.payments.services import stripe_account_save
    from tests.localstripe import PUBLISHABLE_KEY, SECRET_KEY

    with db_write():
        stripe_account_save(
            publishable_key=PUBLISHABLE_KEY, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, actor=SETUP_ACTOR
        )
    public = app_server.base_url.replace(f"//{SUBDOMAIN}.", "//", 1)
    stripe.register_webhook("browsertest", f"{public}/webhooks/stripe/{SUBDOMAIN}/", WEBHOOK_SECRET)


# --- the app server -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AppServer:
    port: int
    base_url: str  # the browser tenant's site, e.g. http://browsertest.localhost:51234
    mail_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def get(self, page: Any, path: str) -> tuple[int, dict[str, str], bytes]:
        """GET `path` with `page`'s cookies, outside the browser (for a file such as a PDF the browser would show
        in its viewer). Playwright's own request API resolves names itself and knows no *.localhost."""
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies(self.base_url))
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers={"Host": urlsplit(self.base_url).netloc, "Cookie": cookies})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = quote(db.get("USER") or "postgres", safe="")
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def stripe() -> LocalStripe:
    """The fake Stripe (localstripe) the server and this process both talk to; its stripe.js is what the pay
    pages load."""
    return localstripe_server()


@pytest.fixture(scope="session")
def server_env(stripe: LocalStripe) -> dict[str, str]:
    """Settings of the app server that point at this run's other servers (also applied in this process)."""
    return {"AMIABLE_STRIPE_API_BASE": stripe.url, "AMIABLE_STRIPE_JS_URL": stripe.js_url}


@pytest.fixture(scope="session")
def app_server(
    browser_tenant: Tenant, mail_dir: Path, server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": str(settings.CACHES["default"]["LOCATION"]),
        "AMIABLE_URL_PORT": str(port),
        "AMIABLE_MAIL_DIR": str(mail_dir),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "PYTHONUNBUFFERED": "1",
        **server_env,
    }
    log = tmp_path_factory.mktemp("server") / "gunicorn.log"
    server = Child(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--worker-class=gthread",
            "--workers=2",
            "--threads=4",
            "--timeout=120",
            "--graceful-timeout=3",
            "--access-logfile=-",
        ],
        log=log,
        env=env,
        cwd=ROOT,
    )
    # Links minted here (in emails, in the tests) name the server's port; email sent here lands beside the server's.
    here = override_settings(
        **server_env,
        AMIABLE_URL_PORT=str(port),
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": str(mail_dir)},
            }
        },
    )
    here.enable()
    try:
        server.wait_for_port(port, timeout=60)
        from apps.tenants.services import tenant_base_url

        yield AppServer(port=port, base_url=tenant_base_url(browser_tenant), mail_dir=mail_dir)
    finally:
        here.disable()
        server.stop()
        if server.proc.returncode not in (0, -15, None):
            print(f"gunicorn exited with {server.proc.returncode}:\n{server.log_tail()}")


# --- the browser --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread, which Django's ORM takes for async code; the ORM
    # calls here are plain synchronous test code in one thread.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(chromium: Any, app_server: AppServer, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """`new_page(**context_options)`: a page in a fresh browser context (its own cookies). When the test fails,
    each page's last state is saved to var/screenshots/failures/."""
    contexts: list[Any] = []
    events: list[str] = []

    def make(**options: Any) -> Any:
        options.setdefault("locale", "en-GB")
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        # What the browser saw go wrong (console errors, script errors, failed requests), shown when a test fails.
        context.on("console", lambda m: events.append(f"console.{m.type}: {m.text}"))
        context.on("weberror", lambda e: events.append(f"page error: {e.error}"))
        context.on("requestfailed", lambda r: events.append(f"request failed: {r.method} {r.url} {r.failure}"))
        contexts.append(context)
        return context.new_page()

    yield make
    failed = request.node.stash.get(_FAILED, False)
    if failed and events:
        print("Browser events:\n  " + "\n  ".join(events))
    for n, context in enumerate(contexts):
        if failed:
            folder = SCREENSHOTS / "failures"
            folder.mkdir(parents=True, exist_ok=True)
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(folder / f"{request.node.name}-{n}-{m}.png"), full_page=True)
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page with no cookies."""
    return new_page(viewport={"width": 1280, "height": 900})
