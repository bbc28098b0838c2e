"""The set-based import pipeline in PostgreSQL: stage rows with COPY, validate them in SQL, upsert in batches.

Python never touches a row on the hot path: the file is streamed to COPY as bytes, every check is one SQL pass
over a temporary table, and every write is an INSERT/UPDATE ... SELECT over a range of row numbers.
"""

# SQL here is assembled from constants, column indexes and translated messages quoted by _fmt; values a file or
# request supplies only ever reach PostgreSQL as COPY data or query parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from babel.numbers import list_currencies
from django.db import connection
from django.utils.translation import gettext as _

from apps.core.money import currency_exponent
from apps.imports.fields import TARGET_FIELDS

_MAX_LEN = {
    "debtor_ref": 100,
    "debt_ref": 100,
    "debtor_name": 200,
    "description": 500,
    "email": 320,
    "address_line1": 200,
    "postal_code": 20,
    "city": 100,
}

# Helper functions live in pg_temp: they vanish with the session and never touch a tenant schema.
_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION pg_temp.imp_mkdate(y int, m int, d int) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN y BETWEEN 1900 AND 2999 AND m BETWEEN 1 AND 12 THEN
    CASE WHEN d BETWEEN 1 AND extract(day FROM make_date(y, m, 1) + interval '1 month - 1 day')::int
    THEN make_date(y, m, d) END END
$$;
CREATE OR REPLACE FUNCTION pg_temp.imp_date(t text, ord text) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t ~ '^\d{4}-\d{1,2}-\d{1,2}$' THEN
      pg_temp.imp_mkdate(split_part(t, '-', 1)::int, split_part(t, '-', 2)::int, split_part(t, '-', 3)::int)
    WHEN ord = 'dmy' AND t ~ '^\d{1,2}([./-])\d{1,2}\1\d{4}$' THEN
      pg_temp.imp_mkdate(right(t, 4)::int, split_part(translate(t, './', '--'), '-', 2)::int,
                         split_part(translate(t, './', '--'), '-', 1)::int)
    WHEN ord = 'mdy' AND t ~ '^\d{1,2}([./-])\d{1,2}\1\d{4}$' THEN
      pg_temp.imp_mkdate(right(t, 4)::int, split_part(translate(t, './', '--'), '-', 1)::int,
                         split_part(translate(t, './', '--'), '-', 2)::int)
  END
$$;
-- '1 234,50' (decimal comma) or '1,234.50' → '1234.50'; NULL when it is not a plain positive number.
CREATE OR REPLACE FUNCTION pg_temp.imp_decimal(t text, dc boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN dc AND (s ~ '^\d+(,\d*)?$' OR s ~ '^\d{1,3}(\.\d{3})+(,\d*)?$') THEN replace(replace(s, '.', ''), ',', '.')
    WHEN NOT dc AND (s ~ '^\d+(\.\d*)?$' OR s ~ '^\d{1,3}(,\d{3})+(\.\d*)?$') THEN replace(s, ',', '')
  END FROM (SELECT regexp_replace(t, '[\s\u00a0\u202f'']', '', 'g') AS s) x
$$;
-- '1234.5' with exponent 2 → 123450; NULL with more decimals than the currency has, or absurdly large.
CREATE OR REPLACE FUNCTION pg_temp.imp_minor(n text, e int) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN length(split_part(n, '.', 2)) <= e AND length(split_part(n, '.', 1)) <= 15
    THEN (split_part(n, '.', 1) || rpad(split_part(n, '.', 2), e, '0'))::bigint END
$$;
CREATE OR REPLACE FUNCTION pg_temp.imp_phone(t text, region text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN e ~ '^\+33[1-9]\d{8}$' OR e ~ '^\+48[1-9]\d{8}$' OR e ~ '^\+1[2-9]\d{2}[2-9]\d{6}$' THEN e
    WHEN e ~ '^\+(33|48|1)' THEN NULL
    WHEN e ~ '^\+[2-9]\d{6,14}$' THEN e
  END FROM (SELECT CASE
    WHEN p ~ '^\+\d+$' THEN p
    WHEN p ~ '^00\d+$' THEN '+' || substr(p, 3)
    WHEN region = 'FR' AND p ~ '^0\d{9}$' THEN '+33' || substr(p, 2)
    WHEN region = 'PL' AND p ~ '^\d{9}$' THEN '+48' || p
    WHEN region = 'US' AND p ~ '^1?\d{10}$' THEN '+1' || right(p, 10)
  END AS e FROM (SELECT regexp_replace(t, '[\s().\-/\u00a0]', '', 'g') AS p) x) y
$$;
"""

_EMAIL_RE = (
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_KINDS = {
    "person": ["person", "individual", "private", "particulier", "personne", "osoba", "osoba fizyczna"],
    "business": ["business", "company", "entreprise", "societe", "société", "professionnel", "firma", "spółka"],
}


def _fmt(message: str, **args: str) -> str:
    """A translated message with %(name)s placeholders as a SQL format() call over the given SQL expressions.

    Placeholders become positional (%1$s ...) by argument name, so a translation may reorder them. The percent
    signs are doubled because the statement is sent with query parameters.
    """
    names = list(args)

    def placeholder(m: re.Match[str]) -> str:
        return f"%%{names.index(m.group(1)) + 1}$s"

    text = re.sub(r"%\((\w+)\)s", placeholder, message.replace("%%", "%"))
    literal = "'" + text.replace("'", "''") + "'"
    return f"format({', '.join([literal, *args.values()])})"


@dataclass
class Settings:
    """What the SQL needs to read the rows: column mapping and reading conventions."""

    ncols: int
    mapping: dict[str, int]
    date_order: str
    decimal_comma: bool
    default_currency: str
    region: str  # phone numbers without a country code are read as numbers of this country
    country: str  # addresses without a country are in this one
    today: dt.date


def _columns(ncols: int) -> str:
    return ", ".join(f"c{i}" for i in range(ncols))


def stage_create(s: Settings, first_row: int) -> None:
    """Temporary tables for one run. Dropped first, in case an earlier run on this connection left them."""
    cols = ", ".join(f"c{i} text" for i in range(s.ncols))
    with connection.cursor() as cur:
        cur.execute("SET temp_buffers = '256MB'")
        cur.execute(
            "DROP TABLE IF EXISTS pg_temp.imp_raw, pg_temp.imp_rows, pg_temp.imp_err, pg_temp.imp_cur, "
            "pg_temp.imp_touched_debtor, pg_temp.imp_touched_debt"
        )
        cur.execute(
            f"CREATE TEMP TABLE imp_raw (row_no bigint GENERATED BY DEFAULT AS IDENTITY "
            f"(MINVALUE 0 START WITH {int(first_row)}), shape int, {cols})"
        )
        cur.execute("CREATE TEMP TABLE imp_err (row_no bigint NOT NULL, field text NOT NULL, message text NOT NULL)")
        cur.execute("CREATE TEMP TABLE imp_cur (code text PRIMARY KEY, exponent int NOT NULL)")
        cur.execute("CREATE TEMP TABLE imp_touched_debtor (id uuid)")
        cur.execute("CREATE TEMP TABLE imp_touched_debt (id uuid)")
        cur.execute(_FUNCTIONS)
        codes = sorted(list_currencies())
        values = ", ".join(["(%s, %s)"] * len(codes))
        params: list[Any] = []
        for code in codes:
            params += [code, currency_exponent(code)]
        cur.execute(f"INSERT INTO pg_temp.imp_cur (code, exponent) VALUES {values}", params)


def stage_drop() -> None:
    with connection.cursor() as cur:
        cur.execute(
            "DROP TABLE IF EXISTS pg_temp.imp_raw, pg_temp.imp_rows, pg_temp.imp_err, pg_temp.imp_cur, "
            "pg_temp.imp_touched_debtor, pg_temp.imp_touched_debt"
        )


def _raw_cursor() -> psycopg.Cursor[Any]:
    connection.ensure_connection()
    return connection.connection.cursor()  # type: ignore[union-attr]


def stage_copy_csv(s: Settings, chunks: Iterable[bytes], delimiter: str) -> None:
    """COPY the UTF-8 file into imp_raw. A record with the wrong number of fields raises BadCopyFileFormat."""
    sql = (
        f"COPY pg_temp.imp_raw ({_columns(s.ncols)}) FROM STDIN "
        f"WITH (FORMAT csv, HEADER true, DELIMITER '{';' if delimiter == ';' else ','}')"
    )
    with connection.cursor(), _raw_cursor() as cur, cur.copy(sql) as copy:
        for chunk in chunks:
            copy.write(chunk)


def stage_rows(s: Settings, rows: Iterator[tuple[int | None, list[str | None]]]) -> None:
    """Stage records Python already holds (API payloads, the preview, files COPY could not split)."""
    sql = f"COPY pg_temp.imp_raw (row_no, shape, {_columns(s.ncols)}) FROM STDIN"
    with connection.cursor(), _raw_cursor() as cur, cur.copy(sql) as copy:
        for row_no, fields in rows:
            shape = None if len(fields) == s.ncols else len(fields)
            padded = (list(fields) + [None] * s.ncols)[: s.ncols]
            copy.write_row([row_no, shape, *padded])


def _text(s: Settings, field: str) -> str:
    index = s.mapping.get(field)
    if index is None:
        return "NULL::text"
    return f"nullif(btrim(c{int(index)}), '')"


def stage_prepare(s: Settings) -> int:
    """Read imp_raw into typed imp_rows via the mapping; returns the number of (non-blank) rows."""
    texts = ",\n      ".join(f"{_text(s, f)} AS {f}" for f in TARGET_FIELDS)
    any_value = ", ".join(_text(s, f) for f in TARGET_FIELDS if f in s.mapping)
    kind_cases = " ".join(
        f"WHEN lower(t.debtor_kind) IN ({', '.join(repr(v) for v in names)}) THEN '{kind}'"
        for kind, names in _KINDS.items()
    )
    sql = f"""
    CREATE TEMP TABLE imp_rows AS
    SELECT n.*,
      pg_temp.imp_minor(n.amount_norm, n.exponent) AS amount_minor,
      pg_temp.imp_minor(n.revenue_norm, n.exponent) AS revenue_minor
    FROM (
      SELECT t.*,
        cur.code AS cur_code, cur.exponent,
        pg_temp.imp_decimal(t.amount, %(dc)s) AS amount_norm,
        pg_temp.imp_decimal(t.lifetime_revenue, %(dc)s) AS revenue_norm,
        pg_temp.imp_date(t.issue_date, %(ord)s) AS issue_on,
        pg_temp.imp_date(t.due_date, %(ord)s) AS due_on,
        pg_temp.imp_date(t.customer_since, %(ord)s) AS since_on,
        CASE WHEN t.debtor_kind IS NULL THEN NULL {kind_cases} END AS kind_norm,
        lower(t.language) AS lang_norm,
        CASE WHEN lower(t.email) ~ %(email_re)s THEN lower(t.email) END AS email_norm,
        pg_temp.imp_phone(t.phone, coalesce(upper(t.country), %(region)s)) AS phone_norm,
        upper(coalesce(t.country, %(country)s)) AS country_norm
      FROM (
        SELECT row_no, shape,
          {texts}
        FROM pg_temp.imp_raw
        WHERE num_nonnulls({any_value}) > 0 OR shape IS NOT NULL
      ) t
      LEFT JOIN pg_temp.imp_cur cur ON cur.code = upper(coalesce(t.currency, %(currency)s))
    ) n
    """
    params = {
        "dc": s.decimal_comma,
        "ord": s.date_order,
        "email_re": _EMAIL_RE,
        "region": s.region,
        "country": s.country,
        "currency": s.default_currency,
    }
    with connection.cursor() as cur:
        cur.execute(sql, params)
        count = cur.rowcount
        cur.execute("CREATE INDEX ON pg_temp.imp_rows (row_no)")
        cur.execute("ANALYZE pg_temp.imp_rows")
    return int(count)


def _amount_problem(raw: str, norm: str, minor: str, *, zero_ok: bool) -> str:
    """CASE branches explaining why an amount could not be read (NULL when it could)."""
    positive = "" if zero_ok else f"WHEN {minor} = 0 THEN {_fmt(_('The amount must be more than zero.'))}"
    return f"""
      WHEN {raw} ~ '^\\s*-' THEN {_fmt(_("The amount %(value)s is negative."), value=raw)}
      WHEN {norm} IS NULL THEN {
        _fmt(_("“%(value)s” is not a number in the chosen format (%(fmt)s)."), value=raw, fmt="%(number_format)s")
    }
      WHEN length(split_part({norm}, '.', 1)) > 15 THEN {_fmt(_("%(value)s is too large."), value=raw)}
      WHEN {minor} IS NULL THEN {
        _fmt(
            _("%(value)s has more decimals than %(currency)s allows (%(decimals)s)."),
            value=raw,
            currency="r.cur_code",
            decimals="r.exponent",
        )
    }
      {positive}"""


def _date_problem(raw: str, parsed: str) -> str:
    message = _("“%(value)s” is not a valid date (expected %(format)s).")
    return f"WHEN {raw} IS NOT NULL AND {parsed} IS NULL THEN {_fmt(message, value=raw, format='%(date_format)s')}"


def _required(field: str, message: str) -> str:
    return f"WHEN r.{field} IS NULL THEN {_fmt(message)}"


def _too_long(field: str) -> str:
    n = _MAX_LEN[field]
    message = _("This is too long (at most %(max)s characters).")
    return f"WHEN length(r.{field}) > {n} THEN {_fmt(message, max=str(n))}"


_ACTIVE = "('open', 'overdue', 'promised', 'in_plan', 'disputed', 'on_hold', 'escalated')"


def _checks(s: Settings) -> list[tuple[str, str]]:
    """(field, CASE branches) for every per-row check; `d`/`dd` are the existing debt and its debtor."""
    has_address = "(r.address_line1 IS NOT NULL OR r.postal_code IS NOT NULL OR r.city IS NOT NULL)"
    amount_changes = "d.id IS NOT NULL AND d.original_amount_minor <> r.amount_minor"
    return [
        (
            "row",
            "WHEN r.shape IS NOT NULL THEN "
            + _fmt(
                _("This row has %(found)s columns; the header has %(expected)s."),
                found="r.shape",
                expected=str(s.ncols),
            ),
        ),
        (
            "debtor_ref",
            _required("debtor_ref", _("A debtor reference is required."))
            + " "
            + _too_long("debtor_ref")
            + " WHEN d.id IS NOT NULL AND dd.external_ref <> r.debtor_ref THEN "
            + _fmt(
                _("Debt %(ref)s belongs to debtor %(debtor)s; it cannot move to %(new)s."),
                ref="d.external_ref",
                debtor="dd.external_ref",
                new="r.debtor_ref",
            ),
        ),
        ("debtor_name", _required("debtor_name", _("A debtor name is required.")) + " " + _too_long("debtor_name")),
        (
            "debtor_kind",
            "WHEN r.debtor_kind IS NOT NULL AND r.kind_norm IS NULL THEN "
            + _fmt(_("“%(value)s”: kind must be person or business."), value="r.debtor_kind"),
        ),
        (
            "email",
            "WHEN r.email IS NOT NULL AND r.email_norm IS NULL THEN "
            + _fmt(_("“%(v)s” is not a valid email address."), v="r.email")
            + " "
            + _too_long("email"),
        ),
        (
            "phone",
            "WHEN r.phone IS NOT NULL AND r.phone_norm IS NULL THEN "
            + _fmt(_("“%(v)s” is not a valid phone number."), v="r.phone"),
        ),
        (
            "address_line1",
            f"WHEN {has_address} AND r.address_line1 IS NULL THEN "
            + _fmt(_("The address needs a street line."))
            + " "
            + _too_long("address_line1"),
        ),
        ("postal_code", _too_long("postal_code")),
        (
            "city",
            f"WHEN {has_address} AND r.city IS NULL THEN "
            + _fmt(_("The address needs a city."))
            + " "
            + _too_long("city"),
        ),
        (
            "country",
            "WHEN r.country IS NOT NULL AND r.country !~ '^[A-Za-z]{2}$' THEN "
            + _fmt(_("“%(value)s”: country must be a two-letter ISO code."), value="r.country"),
        ),
        (
            "language",
            "WHEN r.lang_norm IS NOT NULL AND r.lang_norm NOT IN ('en', 'fr', 'pl') THEN "
            + _fmt(_("“%(value)s”: language must be en, fr or pl."), value="r.language"),
        ),
        (
            "customer_since",
            _date_problem("r.customer_since", "r.since_on")
            + " WHEN r.since_on > %(tomorrow)s THEN "
            + _fmt(_("“Customer since” is in the future.")),
        ),
        (
            "lifetime_revenue",
            "WHEN r.lifetime_revenue IS NULL OR r.cur_code IS NULL THEN NULL "
            + _amount_problem("r.lifetime_revenue", "r.revenue_norm", "r.revenue_minor", zero_ok=True),
        ),
        ("debt_ref", _required("debt_ref", _("A debt reference is required.")) + " " + _too_long("debt_ref")),
        ("description", _too_long("description")),
        (
            "currency",
            "WHEN r.cur_code IS NULL THEN "
            + _fmt(_("“%(value)s” is not an ISO 4217 currency code."), value="r.currency")
            + " WHEN d.id IS NOT NULL AND d.currency <> r.cur_code THEN "
            + _fmt(
                _("Debt %(ref)s is in %(currency)s; its currency cannot change to %(new)s."),
                ref="d.external_ref",
                currency="d.currency",
                new="r.cur_code",
            ),
        ),
        (
            "amount",
            _required("amount", _("An amount is required."))
            + " WHEN r.cur_code IS NULL THEN NULL "
            + _amount_problem("r.amount", "r.amount_norm", "r.amount_minor", zero_ok=False)
            + f" WHEN {amount_changes} AND d.status NOT IN {_ACTIVE} THEN "
            + _fmt(
                _("Debt %(ref)s is closed (%(status)s); its amount cannot change."),
                ref="d.external_ref",
                status="d.status",
            )
            + f" WHEN {amount_changes} AND d.currency = r.cur_code"
            " AND (SELECT sum(le.amount_minor) FROM debts_ledgerentry le WHERE le.debt_id = d.id)"
            " + r.amount_minor - d.original_amount_minor <= 0 THEN "
            + _fmt(
                _(
                    "Debt %(ref)s has already been partly paid or reduced; this amount would leave nothing owed. "
                    "Cancel or write it off instead."
                ),
                ref="d.external_ref",
            ),
        ),
        (
            "issue_date",
            _required("issue_date", _("An issue date is required."))
            + " "
            + _date_problem("r.issue_date", "r.issue_on"),
        ),
        (
            "due_date",
            _required("due_date", _("A due date is required."))
            + " "
            + _date_problem("r.due_date", "r.due_on")
            + " WHEN r.due_on < r.issue_on THEN "
            + _fmt(_("The due date is before the issue date.")),
        ),
    ]


def stage_validate(s: Settings) -> int:
    """Every problem of every row into imp_err: one pass for the row checks, one for duplicates."""
    values = ",\n        ".join(f"('{field}', CASE {branches} END)" for field, branches in _checks(s))
    sql = f"""
    INSERT INTO pg_temp.imp_err (row_no, field, message)
    SELECT r.row_no, e.field, e.message
    FROM pg_temp.imp_rows r
    LEFT JOIN debts_debt d ON d.external_ref = r.debt_ref
    LEFT JOIN debtors_debtor dd ON dd.id = d.debtor_id
    CROSS JOIN LATERAL (VALUES
        {values}
    ) AS e(field, message)
    WHERE e.message IS NOT NULL
    """
    order_label = {"ymd": "YYYY-MM-DD", "dmy": "DD/MM/YYYY, YYYY-MM-DD", "mdy": "MM/DD/YYYY, YYYY-MM-DD"}
    params = {
        "tomorrow": s.today + dt.timedelta(days=1),
        "date_format": order_label[s.date_order],
        "number_format": "1 234,56" if s.decimal_comma else "1,234.56",
    }
    also_on = _fmt(
        _("Reference %(ref)s is also on row %(rows)s."),
        ref="r.debt_ref",
        rows="array_to_string((array_remove(g.rows, r.row_no))[1:5], ', ')",
    )
    duplicates = f"""
    INSERT INTO pg_temp.imp_err (row_no, field, message)
    SELECT r.row_no, 'debt_ref', {also_on}
    FROM pg_temp.imp_rows r
    JOIN (SELECT debt_ref, array_agg(row_no ORDER BY row_no) AS rows
          FROM pg_temp.imp_rows WHERE debt_ref IS NOT NULL GROUP BY debt_ref HAVING count(*) > 1) g
      ON g.debt_ref = r.debt_ref
    """
    with connection.cursor() as cur:
        cur.execute(sql, params)
        cur.execute(duplicates, {})
        cur.execute("CREATE INDEX ON pg_temp.imp_err (row_no)")
        cur.execute("ANALYZE pg_temp.imp_err")
        cur.execute("SELECT count(DISTINCT row_no) FROM pg_temp.imp_err")
        row = cur.fetchone()
    return int(row[0])


def row_range() -> tuple[int, int]:
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(min(row_no), 0), coalesce(max(row_no), -1) FROM pg_temp.imp_rows")
        lo, hi = cur.fetchone()
    return int(lo), int(hi)


def rows_up_to(row_no: int) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_temp.imp_rows WHERE row_no <= %s", [row_no])
        row = cur.fetchone()
    return int(row[0])


def errors() -> list[tuple[int, str, str]]:
    with connection.cursor() as cur:
        cur.execute("SELECT row_no, field, message FROM pg_temp.imp_err ORDER BY row_no, field")
        return [(int(r), f, m) for r, f, m in cur.fetchall()]


def errors_save(job_id: Any) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO imports_importrowerror (job_id, row, field, message) "
            "SELECT %s, row_no, field, left(message, 500) FROM pg_temp.imp_err ORDER BY row_no",
            [job_id],
        )


@dataclass
class BatchCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


_OK = "r.row_no BETWEEN %(lo)s AND %(hi)s AND NOT EXISTS (SELECT 1 FROM pg_temp.imp_err e WHERE e.row_no = r.row_no)"


def write_batch(
    *,
    lo: int,
    hi: int,
    job_id: str,
    actor_label: str,
    actor_user_id: int | None,
    actor_api_key_id: int | None,
    today: dt.date,
    reason: str,
    adjustment_note: str,
) -> BatchCounts:
    """Upsert debtors, contact points and debts of rows lo..hi that passed every check."""
    p = {
        "lo": lo,
        "hi": hi,
        "job": job_id,
        "label": actor_label,
        "user_id": actor_user_id,
        "key_id": actor_api_key_id,
        "today": today,
        "reason": reason,
        "note": adjustment_note,
    }
    audit_cols = (
        "occurred_at, actor_user_id, actor_api_key_id, actor_label, action, object_type, object_id, object_repr, "
        "before, after, reason"
    )
    debtor_src = f"""
      SELECT DISTINCT ON (r.debtor_ref) r.debtor_ref, r.debtor_name, r.kind_norm, r.lang_norm, r.since_on,
        r.revenue_minor, r.cur_code
      FROM pg_temp.imp_rows r WHERE {_OK}
      ORDER BY r.debtor_ref, r.row_no DESC"""
    debtor_update = f"""
    WITH src AS ({debtor_src}),
    cmp AS (
      SELECT d.id, d.external_ref, d.name, d.kind, d.preferred_language, d.customer_since,
        d.lifetime_revenue_minor, d.lifetime_revenue_currency,
        s.debtor_name AS n_name, coalesce(s.kind_norm, d.kind) AS n_kind,
        coalesce(s.lang_norm, d.preferred_language) AS n_lang, coalesce(s.since_on, d.customer_since) AS n_since,
        coalesce(s.revenue_minor, d.lifetime_revenue_minor) AS n_rev,
        CASE WHEN s.revenue_minor IS NULL THEN d.lifetime_revenue_currency ELSE s.cur_code END AS n_rev_cur
      FROM src s JOIN debtors_debtor d ON d.external_ref = s.debtor_ref
    ),
    chg AS (
      SELECT * FROM cmp WHERE (name, kind, preferred_language, customer_since, lifetime_revenue_minor,
        lifetime_revenue_currency) IS DISTINCT FROM (n_name, n_kind, n_lang, n_since, n_rev, n_rev_cur)
    ),
    upd AS (
      UPDATE debtors_debtor d SET name = c.n_name, kind = c.n_kind, preferred_language = c.n_lang,
        customer_since = c.n_since, lifetime_revenue_minor = c.n_rev, lifetime_revenue_currency = c.n_rev_cur,
        updated_at = now()
      FROM chg c WHERE d.id = c.id RETURNING d.id
    ),
    aud AS (
      INSERT INTO audit_auditevent ({audit_cols})
      SELECT now(), %(user_id)s, %(key_id)s, %(label)s, 'debtor.updated', 'debtors.debtor', c.id::text,
        left(c.n_name || ' (' || c.external_ref || ')', 200),
        jsonb_strip_nulls(jsonb_build_object(
          'name', CASE WHEN c.name IS DISTINCT FROM c.n_name THEN to_jsonb(c.name) END,
          'kind', CASE WHEN c.kind IS DISTINCT FROM c.n_kind THEN to_jsonb(c.kind) END,
          'preferred_language', CASE WHEN c.preferred_language IS DISTINCT FROM c.n_lang
            THEN to_jsonb(c.preferred_language) END,
          'customer_since', CASE WHEN c.customer_since IS DISTINCT FROM c.n_since THEN to_jsonb(c.customer_since) END,
          'lifetime_revenue_minor', CASE WHEN c.lifetime_revenue_minor IS DISTINCT FROM c.n_rev
            THEN to_jsonb(c.lifetime_revenue_minor) END)),
        jsonb_strip_nulls(jsonb_build_object(
          'name', CASE WHEN c.name IS DISTINCT FROM c.n_name THEN to_jsonb(c.n_name) END,
          'kind', CASE WHEN c.kind IS DISTINCT FROM c.n_kind THEN to_jsonb(c.n_kind) END,
          'preferred_language', CASE WHEN c.preferred_language IS DISTINCT FROM c.n_lang THEN to_jsonb(c.n_lang) END,
          'customer_since', CASE WHEN c.customer_since IS DISTINCT FROM c.n_since THEN to_jsonb(c.n_since) END,
          'lifetime_revenue_minor', CASE WHEN c.lifetime_revenue_minor IS DISTINCT FROM c.n_rev
            THEN to_jsonb(c.n_rev) END)),
        %(reason)s
      FROM chg c
    )
    INSERT INTO pg_temp.imp_touched_debtor (id) SELECT id FROM upd
    """
    debtor_insert = f"""
    INSERT INTO debtors_debtor (id, external_ref, kind, name, preferred_language, timezone, date_of_birth,
      customer_since, lifetime_revenue_minor, lifetime_revenue_currency, notes, created_at, updated_at)
    SELECT gen_random_uuid(), s.debtor_ref, coalesce(s.kind_norm, 'person'), s.debtor_name,
      coalesce(s.lang_norm, ''), '', NULL, s.since_on, s.revenue_minor,
      CASE WHEN s.revenue_minor IS NULL THEN '' ELSE s.cur_code END, '', now(), now()
    FROM ({debtor_src}) s
    WHERE NOT EXISTS (SELECT 1 FROM debtors_debtor d WHERE d.external_ref = s.debtor_ref)
    ON CONFLICT (external_ref) DO NOTHING
    """
    contacts = f"""
    WITH src AS (
      SELECT d.id AS debtor_id, c.kind, c.value, c.line1, c.postal, c.city, c.country, min(r.row_no) AS first_row
      FROM pg_temp.imp_rows r
      JOIN debtors_debtor d ON d.external_ref = r.debtor_ref
      CROSS JOIN LATERAL (VALUES
        ('email', r.email_norm, '', '', '', ''),
        ('phone', r.phone_norm, '', '', '', ''),
        ('address', CASE WHEN r.address_line1 IS NOT NULL THEN concat_ws(', ', r.address_line1,
            nullif(concat_ws(' ', r.postal_code, r.city), ''), r.country_norm) END,
          coalesce(r.address_line1, ''), coalesce(r.postal_code, ''), coalesce(r.city, ''), r.country_norm)
      ) AS c(kind, value, line1, postal, city, country)
      WHERE {_OK} AND c.value IS NOT NULL
      GROUP BY 1, 2, 3, 4, 5, 6, 7
    ),
    ins AS (
      INSERT INTO debtors_contactpoint (id, debtor_id, kind, label, value, address_line1, address_line2,
        postal_code, city, region, country, is_primary, is_workplace, consent, opted_out_at, validity,
        validity_note, created_at, updated_at)
      SELECT gen_random_uuid(), s.debtor_id, s.kind, '', s.value, s.line1, '', s.postal, s.city, '', s.country,
        row_number() OVER (PARTITION BY s.debtor_id, s.kind ORDER BY s.first_row) = 1
          AND NOT EXISTS (SELECT 1 FROM debtors_contactpoint p
                          WHERE p.debtor_id = s.debtor_id AND p.kind = s.kind AND p.is_primary),
        false, 'unknown', NULL, 'unverified', '', now(), now()
      FROM src s
      ON CONFLICT (debtor_id, kind, value) DO NOTHING
      RETURNING debtor_id
    )
    INSERT INTO pg_temp.imp_touched_debtor (id) SELECT DISTINCT debtor_id FROM ins
    """
    debt_update = f"""
    WITH src AS (
      SELECT r.row_no, d.id, d.external_ref, d.currency, d.description, d.issue_date, d.due_date,
        d.original_amount_minor, coalesce(r.description, d.description) AS n_description, r.issue_on AS n_issue,
        r.due_on AS n_due, r.amount_minor AS n_amount
      FROM pg_temp.imp_rows r JOIN debts_debt d ON d.external_ref = r.debt_ref
      WHERE {_OK}
    ),
    chg AS (
      SELECT * FROM src WHERE (description, issue_date, due_date, original_amount_minor)
        IS DISTINCT FROM (n_description, n_issue, n_due, n_amount)
    ),
    upd AS (
      UPDATE debts_debt d SET description = c.n_description, issue_date = c.n_issue, due_date = c.n_due,
        original_amount_minor = c.n_amount, updated_at = now()
      FROM chg c WHERE d.id = c.id RETURNING d.id
    ),
    adj AS (
      INSERT INTO debts_ledgerentry (debt_id, kind, amount_minor, currency, occurred_on, description, legal_basis,
        method, reference, created_at, created_by_label)
      SELECT c.id, 'adjustment', c.n_amount - c.original_amount_minor, c.currency, %(today)s, %(note)s, '', '',
        'import:' || %(job)s || ':' || c.row_no, now(), %(label)s
      FROM chg c WHERE c.n_amount <> c.original_amount_minor
      ON CONFLICT (debt_id, kind, reference) WHERE NOT (reference = '') DO NOTHING
    ),
    aud AS (
      INSERT INTO audit_auditevent ({audit_cols})
      SELECT now(), %(user_id)s, %(key_id)s, %(label)s, 'debt.updated', 'debts.debt', c.id::text, c.external_ref,
        jsonb_strip_nulls(jsonb_build_object(
          'description', CASE WHEN c.description <> c.n_description THEN to_jsonb(c.description) END,
          'issue_date', CASE WHEN c.issue_date <> c.n_issue THEN to_jsonb(c.issue_date) END,
          'due_date', CASE WHEN c.due_date <> c.n_due THEN to_jsonb(c.due_date) END,
          'original_amount_minor', CASE WHEN c.original_amount_minor <> c.n_amount
            THEN to_jsonb(c.original_amount_minor) END)),
        jsonb_strip_nulls(jsonb_build_object(
          'description', CASE WHEN c.description <> c.n_description THEN to_jsonb(c.n_description) END,
          'issue_date', CASE WHEN c.issue_date <> c.n_issue THEN to_jsonb(c.n_issue) END,
          'due_date', CASE WHEN c.due_date <> c.n_due THEN to_jsonb(c.n_due) END,
          'original_amount_minor', CASE WHEN c.original_amount_minor <> c.n_amount THEN to_jsonb(c.n_amount) END,
          'adjustment_minor', CASE WHEN c.original_amount_minor <> c.n_amount
            THEN to_jsonb(c.n_amount - c.original_amount_minor) END)),
        %(reason)s
      FROM chg c
    )
    INSERT INTO pg_temp.imp_touched_debt (id) SELECT id FROM upd
    """
    counts = f"""
    SELECT count(*) FILTER (WHERE d.id IS NULL),
      count(*) FILTER (WHERE d.id IN (SELECT id FROM pg_temp.imp_touched_debt)
                          OR d.debtor_id IN (SELECT id FROM pg_temp.imp_touched_debtor)),
      count(*) FILTER (WHERE d.id IS NOT NULL)
    FROM pg_temp.imp_rows r LEFT JOIN debts_debt d ON d.external_ref = r.debt_ref
    WHERE {_OK}
    """
    debt_insert = f"""
    WITH ins AS (
      INSERT INTO debts_debt (id, external_ref, debtor_id, description, original_amount_minor, currency, issue_date,
        due_date, status, status_changed_at, created_at, updated_at)
      SELECT gen_random_uuid(), r.debt_ref, dd.id, coalesce(r.description, ''), r.amount_minor, r.cur_code,
        r.issue_on, r.due_on, CASE WHEN r.due_on < %(today)s THEN 'overdue' ELSE 'open' END, now(), now(), now()
      FROM pg_temp.imp_rows r JOIN debtors_debtor dd ON dd.external_ref = r.debtor_ref
      WHERE {_OK} AND NOT EXISTS (SELECT 1 FROM debts_debt d WHERE d.external_ref = r.debt_ref)
      ON CONFLICT (external_ref) DO NOTHING
      RETURNING id, external_ref, description, original_amount_minor, currency, issue_date
    )
    INSERT INTO debts_ledgerentry (debt_id, kind, amount_minor, currency, occurred_on, description, legal_basis,
      method, reference, created_at, created_by_label)
    SELECT id, 'charge', original_amount_minor, currency, issue_date,
      CASE WHEN description = '' THEN external_ref ELSE description END, '', '', '', now(), %(label)s
    FROM ins
    """
    with connection.cursor() as cur:
        cur.execute("TRUNCATE pg_temp.imp_touched_debtor, pg_temp.imp_touched_debt")
        cur.execute(debtor_update, p)
        cur.execute(debtor_insert, p)
        cur.execute(contacts, p)
        cur.execute(debt_update, p)
        cur.execute(counts, p)
        new, touched, existing = cur.fetchone()
        cur.execute(debt_insert, p)
        created = cur.rowcount
    # A debt another import created between the check and the insert is left alone, and counted as unchanged.
    return BatchCounts(
        created=created, updated=int(touched), unchanged=int(existing) - int(touched) + int(new) - created
    )
