# Install step shared by bin/demo and bin/check (sourced by them; running it alone also works).
# Idempotent and quick when nothing changed: services up, system packages present, Python 3.13 venv in .venv
# with the project installed, translation catalogues compiled, database created and migrated.

set -euo pipefail

AMIABLE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$AMIABLE_ROOT"
VENV="$AMIABLE_ROOT/.venv"
PY="$VENV/bin/python"
APT_UPDATED=0

if [[ -t 1 ]]; then BOLD=$'\033[1m' RED=$'\033[31m' GREEN=$'\033[32m' RESET=$'\033[0m'; else BOLD="" RED="" GREEN="" RESET=""; fi
step() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
note() { printf '    %s\n' "$*"; }
die() { printf '%sError: %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "missing system packages ($*) and no apt-get to install them"
    if [[ $APT_UPDATED -eq 0 ]]; then
        note "apt-get update"
        as_root apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    note "apt-get install $*"
    # A UTF-8 locale, so a PostgreSQL cluster created by the package has UTF-8 databases.
    as_root env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8 apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

apt_ensure() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
}

# host and port of a URL such as postgres://user@host:port/db (defaults when absent)
url_host() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
url_port() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; [[ $rest == *:* ]] && echo "${rest##*:}" || echo "$2"; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }
wait_for_port() {
    local i
    for i in $(seq 1 60); do
        port_open "$1" "$2" && return 0
        sleep 0.5
    done
    return 1
}

postgres_ensure() {
    local url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/amiable}"
    local host port
    host="$(url_host "$url")"; port="$(url_port "$url" 5432)"
    port_open "$host" "$port" && return 0
    is_local "$host" || die "PostgreSQL at $host:$port does not answer (DATABASE_URL)"
    local fresh=0
    if [[ ! -d /etc/postgresql ]] || [[ -z "$(ls /etc/postgresql 2>/dev/null)" ]]; then
        step "Installing PostgreSQL"
        apt_install postgresql
        fresh=1
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    if [[ $fresh -eq 1 ]]; then
        # A fresh Debian cluster asks for passwords on TCP; the development setup connects as postgres without one.
        local hba="/etc/postgresql/$version/main/pg_hba.conf"
        as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    fi
    step "Starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for_port "$host" "$port" || die "PostgreSQL did not start on $host:$port (see /var/log/postgresql/)"
}

redis_ensure() {
    local url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
    local host port
    host="$(url_host "$url")"; port="$(url_port "$url" 6379)"
    port_open "$host" "$port" && return 0
    is_local "$host" || die "Redis at $host:$port does not answer (REDIS_URL)"
    if ! command -v redis-server >/dev/null 2>&1; then
        step "Installing Redis"
        apt_install redis-server
    fi
    port_open "$host" "$port" && return 0  # the package may have started it
    step "Starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for_port "$host" "$port" || die "Redis did not start on $host:$port (see /var/log/redis/ci.log)"
}

python_ok() { "$@" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 13) else 1)' >/dev/null 2>&1; }

python_find() {
    local candidate
    if [[ -n "${AMIABLE_PYTHON:-}" ]]; then
        python_ok "$AMIABLE_PYTHON" && { echo "$AMIABLE_PYTHON"; return 0; }
        die "AMIABLE_PYTHON=$AMIABLE_PYTHON is not a working Python 3.13"
    fi
    if command -v python3.13 >/dev/null 2>&1 && python_ok python3.13; then
        command -v python3.13; return 0
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.13*/bin/python3.13 \
        /usr/local/bin/python3.13 /usr/bin/python3.13; do
        [[ -x $candidate ]] && python_ok "$candidate" && { echo "$candidate"; return 0; }
    done
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.13' | sort -V -r); do
            local path
            path="$(PYENV_VERSION="$candidate" pyenv which python3.13 2>/dev/null || true)"
            [[ -n $path ]] && python_ok "$path" && { echo "$path"; return 0; }
        done
    fi
    return 1
}

venv_ensure() {
    if [[ -x $PY ]] && python_ok "$PY"; then return 0; fi
    local base
    base="$(python_find)" || die "Python 3.13 not found. Install it (e.g. pyenv install 3.13) or set AMIABLE_PYTHON=/path/to/python3.13"
    step "Creating .venv with $base"
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
}

project_install() {
    local stamp="$VENV/.amiable-pyproject.sha256" want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
    step "Installing Python dependencies into .venv (pip install -e '.[dev]')"
    mkdir -p var/log
    if ! "$PY" -m pip install --disable-pip-version-check -e '.[dev]' >var/log/pip-install.log 2>&1; then
        tail -n 40 var/log/pip-install.log >&2
        die "pip install failed (full log: var/log/pip-install.log)"
    fi
    if ! "$PY" -c 'import weasyprint' >/dev/null 2>&1; then
        apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
        "$PY" -c 'import weasyprint' || die "WeasyPrint cannot load its system libraries"
    fi
    echo "$want" >"$stamp"
}

messages_compile() {
    # Compile only when a catalogue is newer than its .mo (or the .mo is missing).
    local po stale=0
    while IFS= read -r -d '' po; do
        if [[ ! -f ${po%.po}.mo || $po -nt ${po%.po}.mo ]]; then stale=1; break; fi
    done < <(find locale apps -name '*.po' -path '*/LC_MESSAGES/*' -print0 2>/dev/null)
    [[ $stale -eq 1 ]] || return 0
    step "Compiling translation catalogues"
    "$PY" manage.py compilemessages --verbosity 0 \
        --ignore .venv --ignore .git --ignore var --ignore node_modules --ignore staticfiles --ignore media
}

database_ensure() {
    "$PY" - <<'PYTHON'
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
from django.conf import settings  # noqa: E402

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

db = settings.DATABASES["default"]
params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
if db.get("PASSWORD"):
    params["password"] = db["PASSWORD"]
try:
    with psycopg.connect(**params, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone() is None:
            print(f"==> Creating database {db['NAME']}")
            create = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'")
            conn.execute(create.format(sql.Identifier(db["NAME"])))
except psycopg.OperationalError as exc:
    sys.exit(f"Error: cannot reach PostgreSQL as {db['USER']}@{params['host']}:{params['port']}: {exc}")
PYTHON
    step "Migrating the database (public, base schema, tenants)"
    DJANGO_SETTINGS_MODULE=config.settings.local "$PY" manage.py migrate_all --verbosity 0
}

# The browser tests (bin/check) drive Debian's Chromium through Playwright, which never downloads a browser of its
# own here; Playwright itself comes with the dev dependencies.
browser_ensure() {
    apt_ensure chromium fonts-liberation
}

amiable_install() {
    step "Checking services and system packages"
    postgres_ensure
    redis_ensure
    apt_ensure gettext libpango-1.0-0 libpangoft2-1.0-0
    venv_ensure
    project_install
    export PATH="$VENV/bin:$PATH"
    messages_compile
    database_ensure
    mkdir -p var/log
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    amiable_install
    browser_ensure
    printf '%sInstalled.%s\n' "$GREEN" "$RESET"
fi
