"""Portal: the debtor's overview page under load, against the smallest Django view on the same server.

In a scratch database, one French tenant (the real signup path) gets a debtor with an email address, a postal
address, four debts (interest and a fee on one), three payments and four messages delivered by the real outbox
(three emails and a letter with its PDF). gunicorn serves the app on 127.0.0.1 (sync workers, as in production),
with bench/portal_settings.py: the development settings without debug, plus a bench-only baseline view
(bench/portal_site.py, a short HttpResponse behind the same middleware).

A portal session is opened the way a debtor opens one, by following the personal link; wrk then drives the
overview (GET /p/ with that session cookie) with concurrent connections for 30 s (--quick: 10 s), and the
baseline the same way, each after a short warm-up. Checked: the ratio of the median latencies, the portal's p99
against its own median, and that no request failed (socket errors, timeouts or any status but 2xx, counted by a
wrk script). wrk comes from Debian's package (installed when missing).

Usage: .venv/bin/python bench/portal.py [--quick] [--keep] [--workers N] [--connections N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

from scratch import CELERY_NO_WORKER, ROOT, scratch_database

BENCH_DB = "amiable_bench_portal"
SUBDOMAIN = "portal"
HOST = f"{SUBDOMAIN}.localhost"
TARGET_RATIO = 15.0
TARGET_P99 = 3.0
WARMUP_SECONDS = 3

# wrk counts only 4xx/5xx as bad statuses; this counts anything but 2xx (a redirect to the sign-in page means the
# session was lost) and prints the figures as one JSON line, latencies in microseconds.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then not_2xx = not_2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not_2xx") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d, "not_2xx": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, bad, e.connect, e.read, e.write, e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors and timeouts
    not_2xx: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk_ensure() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install wrk)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and could not be installed")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not listen on port {port}")


def get(port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Host": HOST}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def seed() -> tuple[str, str]:
    """The tenant, its debtor and their history; returns the personal link's path and the debtor's name."""
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from apps.audit.services import Actor
    from apps.core.dates import tenant_today
    from apps.debtors.services import contact_point_add, debtor_create
    from apps.debts.models import EntryKind, LedgerEntry
    from apps.debts.services import debt_create, debt_payment_record
    from apps.outbox.delivery import message_deliver
    from apps.outbox.models import MessageStatus, Source
    from apps.outbox.services import message_enqueue
    from apps.policies.models import Channel
    from apps.policies.rendering import render_message
    from apps.policies.selectors import template_get
    from apps.policies.services import contact_rules_update
    from apps.portal.links import portal_link
    from apps.tenants.services import tenant_create

    tenant, _owner = tenant_create(
        subdomain=SUBDOMAIN,
        legal_name="Portail Recouvrement SAS",
        address_line1="3 rue du Banc",
        postal_code="75011",
        city="Paris",
        country="FR",
        jurisdiction="FR",
        owner_email="owner@portal.test",
        owner_password="bench-owner-password-42",
        owner_name="Owner",
        default_locale="fr",
        currency="EUR",
        timezone="Europe/Paris",
    )
    with tenant_context(tenant):
        actor = Actor.system("bench")
        today = tenant_today()
        # Four messages on one day, at whatever hour the bench runs: the contact gate must let them all through.
        contact_rules_update(
            actor=actor,
            quiet_hours_start=dt.time(0, 0),
            quiet_hours_end=dt.time(23, 59, 59, 999999),
            no_sundays=False,
            no_public_holidays=False,
            max_attempts_per_day=10,
            max_emails_per_week=10,
        )
        with transaction.atomic():
            debtor = debtor_create(
                external_ref="C-1001",
                name="Camille Durand",
                preferred_language="fr",
                date_of_birth=dt.date(1980, 5, 17),
                actor=actor,
            )
            email = contact_point_add(debtor=debtor, kind="email", value="camille@example.com", actor=actor)
            address = contact_point_add(
                debtor=debtor,
                kind="address",
                value="8 avenue Foch, 75116 Paris, FR",
                address_line1="8 avenue Foch",
                postal_code="75116",
                city="Paris",
                country="FR",
                actor=actor,
            )
            debts = []
            for n, (amount, days) in enumerate([(420_00, 95), (129_90, 60), (1_250_00, 40), (64_50, 15)], start=1):
                due = today - dt.timedelta(days=days)
                debts.append(
                    debt_create(
                        debtor=debtor,
                        external_ref=f"F-2026-{n:04d}",
                        amount_minor=amount,
                        currency="EUR",
                        issue_date=due - dt.timedelta(days=30),
                        due_date=due,
                        description=f"Commande {n}",
                        actor=actor,
                    )
                )
            for kind, amount, basis in [
                (EntryKind.INTEREST, 6_30, "Code de commerce L441-10"),
                (EntryKind.FEE, 40_00, "Code de commerce D441-5"),
            ]:
                LedgerEntry.objects.create(
                    debt=debts[0],
                    kind=kind,
                    amount_minor=amount,
                    currency="EUR",
                    occurred_on=today - dt.timedelta(days=30),
                    legal_basis=basis,
                    created_by_label="bench",
                )
            for debt, amount, days, method in [
                (debts[0], 100_00, 50, "transfer"),
                (debts[1], 29_90, 20, "cheque"),
                (debts[2], 250_00, 5, "card"),
            ]:
                debt_payment_record(
                    debt=debt,
                    amount_minor=amount,
                    received_on=today - dt.timedelta(days=days),
                    method=method,
                    actor=actor,
                )
        messages = []
        for key, channel, point in [
            ("due-soon", Channel.EMAIL, email),
            ("overdue", Channel.EMAIL, email),
            ("instalment-missed", Channel.EMAIL, email),
            ("first-letter", Channel.LETTER, address),
        ]:
            template = template_get(key, channel, "fr")
            if template is None:
                raise SystemExit(f"the tenant has no {channel} template {key!r}")
            rendered = render_message(
                template=template,
                debtor=debtor,
                debts=debts,
                tenant=tenant,
                links={"portal_link": portal_link(debtor), "opt_out_link": "https://example.com/unsubscribe"},
            )
            messages.append(
                message_enqueue(
                    idempotency_key=f"bench:{key}",
                    debtor=debtor,
                    debts=debts,
                    channel=channel,
                    contact_point=point,
                    template=template,
                    rendered=rendered,
                    stage=template.stage,
                    source=Source.MANUAL,
                    actor_label="bench",
                )
            )
        for message in messages:  # delivered here, as the worker would: email to memory, the letter to a PDF
            delivered = message_deliver(message.pk)
            if delivered is None or delivered.status != MessageStatus.SENT:
                raise SystemExit(f"message {message.pk} was not sent: {delivered and delivered.last_error}")
        link = portal_link(debtor)
    return urlsplit(link).path, debtor.name


def run_wrk(wrk: str, script: Path, port: int, path: str, cookie: str, *, seconds: int, connections: int) -> Load:
    threads = min(2, connections)
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        f"--header=Host: {HOST}",
        f"http://127.0.0.1:{port}{path}",
    ]
    if cookie:
        command.insert(-1, f"--header=Cookie: {cookie}")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = next(line for line in out.splitlines() if line.startswith("RESULT "))
    human = "\n".join(f"    {line}" for line in out.splitlines() if not line.startswith("RESULT ") and line.strip())
    print(human)
    data = json.loads(result.removeprefix("RESULT "))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000,
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        not_2xx=data["not_2xx"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 s per measurement instead of 30 s")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default: 2, one per core)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent wrk connections (default: 4)")
    args = parser.parse_args()
    seconds = 10 if args.quick else 30
    wrk = wrk_ensure()

    port = free_port()
    env = {**CELERY_NO_WORKER, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    os.environ["AMIABLE_URL_PORT"] = str(port)
    os.environ.setdefault("AMIABLE_MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
    with scratch_database(BENCH_DB, keep=args.keep, env=env) as scratch, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        link_path, name = seed()
        print(
            f"scratch database {BENCH_DB}: tenant {SUBDOMAIN}, 1 debtor, 4 debts, 3 payments, 4 messages "
            f"in {scratch.migrated_in + time.perf_counter() - started:.1f} s"
        )
        from django.db import connections

        connections.close_all()

        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        log = Path(tmp) / "gunicorn.log"
        server_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal_settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        }
        with log.open("wb") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={args.workers}",
                    "--timeout=60",
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=server_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(port, server)
            status, headers, _body = get(port, link_path)
            cookie = SimpleCookie(headers.get("set-cookie", ""))
            if status != 302 or "sessionid" not in cookie:
                raise SystemExit(f"the personal link answered {status} without a session cookie")
            session = f"sessionid={cookie['sessionid'].value}"
            status, _headers, body = get(port, "/p/", session)
            if status != 200 or name.encode() not in body:
                raise SystemExit(f"the overview answered {status} without the debtor's name")
            print(f"overview: {len(body) / 1024:.1f} KiB of HTML; gunicorn {args.workers} sync workers, ", end="")
            print(f"wrk {args.connections} connections, {seconds} s each after {WARMUP_SECONDS} s of warm-up; ", end="")
            print(f"DATABASE_CONN_MAX_AGE={os.environ.get('DATABASE_CONN_MAX_AGE', '0')} (as in production)")
            status, _headers, _body = get(port, "/bench/baseline/")
            if status != 200:
                raise SystemExit(f"the baseline view answered {status}")

            results = {}
            for label, path, cookie_header in [("baseline", "/bench/baseline/", ""), ("portal", "/p/", session)]:
                run_wrk(wrk, script, port, path, cookie_header, seconds=WARMUP_SECONDS, connections=args.connections)
                print(f"{label} (GET {path}):")
                results[label] = run_wrk(
                    wrk, script, port, path, cookie_header, seconds=seconds, connections=args.connections
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            if server.returncode not in (0, -signal.SIGTERM):
                print(log.read_text(errors="replace")[-3000:])

    portal, baseline = results["portal"], results["baseline"]
    for label, load in (("baseline", baseline), ("portal", portal)):
        print(
            f"{label}: {load.requests} requests, {load.per_second:.0f}/s; median {load.p50_ms:.2f} ms, "
            f"p90 {load.p90_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, max {load.max_ms:.2f} ms"
        )
    tail = portal.p99_ms / portal.p50_ms
    bad = portal.errors + portal.not_2xx + baseline.errors + baseline.not_2xx
    print(
        f"portal p99: {portal.p99_ms:.2f} ms = {tail:.2f}x its median (target <= {TARGET_P99:g}x): "
        f"{'ok' if tail <= TARGET_P99 else 'MISSED'}"
    )
    print(
        f"errors: {portal.errors} socket errors, {portal.not_2xx} non-2xx responses on the portal; "
        f"{baseline.errors} and {baseline.not_2xx} on the baseline (target 0): {'ok' if bad == 0 else 'MISSED'}"
    )
    ratio = portal.p50_ms / baseline.p50_ms
    figures = f"{portal.p50_ms:.2f} ms vs baseline {baseline.p50_ms:.2f} ms = {ratio:.2f}x"
    print(f"portal: {figures} (target <= {TARGET_RATIO:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
