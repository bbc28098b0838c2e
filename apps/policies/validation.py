"""Checks a message template before it is saved or published: refusals (errors) and tone warnings.

Refused: unknown placeholders or tags, an email/SMS without an opt-out (US7), a letter without the blocks its
jurisdiction requires (FR R124-4 + L111-8, US validation information and mini-Miranda, PL wezwanie basics), and
any fee wording or amount (US16, FR1, PAY1): amounts beyond principal only reach debtors through ledger lines that
carry their legal basis, never through template text. Warned, in friendly and firm stages: threats, legal jargon,
shouting.
"""

from __future__ import annotations

import dataclasses
import re

from django.template import TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.translation import gettext as _

from apps.policies.defaults import (
    DISPUTE_PHRASE,
    L111_8,
    L111_8_PHRASE,
    MINI_MIRANDA,
    MINI_MIRANDA_PHRASE,
)
from apps.policies.models import Channel, Stage
from apps.policies.rendering import ENGINE

DEBT_FIELDS = frozenset(
    {"reference", "description", "issue_date", "due_date", "principal", "interest", "charges", "credits", "balance"}
)
PARTY_FIELDS = frozenset({"name", "address", "email", "phone"})
# Placeholder → the attributes it has (None: used as is).
PLACEHOLDERS: dict[str, frozenset[str] | None] = {
    "debtor": frozenset({"name", "reference"}),
    "creditor": PARTY_FIELDS,
    "collector": PARTY_FIELDS,
    "total": None,
    "debts": None,
    "portal_link": None,
    "opt_out_link": None,
    "validation_end_date": None,
    "today": None,
    "payment": frozenset({"amount", "date", "invoice", "reference", "card"}),
}
ALLOWED_TAGS = frozenset({"if", "elif", "else", "endif", "for", "empty", "endfor", "comment", "endcomment"})
IF_WORDS = frozenset({"and", "or", "not", "in", "is", "None", "True", "False"})

THREATS = {
    "en": [
        r"legal action",
        r"courts?",
        r"lawsuits?",
        r"su(?:e|ed|ing)",
        r"attorneys?",
        r"lawyers?",
        r"bailiffs?",
        r"garnish\w*",
        r"seiz\w+",
        r"police",
        r"arrest\w*",
        r"prosecut\w+",
        r"judge?ments?",
        r"credit (?:bureaus?|report\w*)",
    ],
    "fr": [
        r"poursuites?",
        r"en justice",
        r"tribunal|tribunaux",
        r"huissiers?",
        r"commissaires? de justice",
        r"injonctions?",
        r"saisies?",
        r"avocats?",
        r"contentieux",
        r"police|gendarmerie",
    ],
    "pl": [
        r"sąd\w*",
        r"komornik\w*",
        r"egzekucj\w*",
        r"pozew|pozw\w+",
        r"nakaz\w* zapłaty",
        r"zajęci\w+",
        r"prokurat\w+",
        r"adwokat\w*",
        r"radc\w+ prawn\w+",
        r"policj\w+",
    ],
}
JARGON = {
    "en": [
        r"hereby",
        r"herein\w*",
        r"heretofore",
        r"aforementioned|aforesaid",
        r"pursuant to",
        r"notwithstanding",
        r"forthwith",
        r"whereas",
        r"in default",
        r"delinquen\w+",
        r"arrears",
        r"without prejudice",
    ],
    "fr": [
        r"nonobstant",
        r"susmentionn\w+|susvis\w+",
        r"ci-après dénomm\w+",
        r"en vertu de",
        r"à défaut de quoi",
        r"créances? exigibles?|exigibilité",
        r"déchéance du terme",
        r"mise en demeure",
        r"titre exécutoire",
    ],
    "pl": [
        r"niniejszym",
        r"przedmiotow\w+",
        r"wymagaln\w+",
        r"wierzytelnoś\w+",
        r"tytuł\w* wykonawcz\w+",
        r"zobowiązani\w+ pieniężn\w+",
    ],
}
FEE_TERMS = [
    # en
    r"(?:processing|convenience|service|online|payment|card|admin\w*|handling|collection|recovery|late|transaction)"
    r" (?:fees?|charges?|costs?)",
    r"surcharges?",
    # fr
    r"frais de (?:dossier|relance|recouvrement|gestion|traitement|paiement|service|carte)",
    r"majorations?",
    r"pénalités? de retard",
    # pl
    r"opłat\w* (?:windykacyjn\w+|manipulacyjn\w+|administracyjn\w+|serwisow\w+|za (?:wezwanie|monit|płatność))",
    r"koszt\w* windykacj\w+",
    r"prowizj\w+",
]
FEE_WORD = r"fees?|costs?|charges?|surcharges?|frais|pénalités?|majorations?|opłat\w*|prowizj\w*|koszt\w*"
MONEY_LITERAL = r"(?:[$€£]\s?\d[\d.,\s]*|\d[\d.,\s]*\s?(?:€|\$|zł|PLN|EUR|USD))"


def _words(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.IGNORECASE)


THREAT_RE = {locale: _words(p) for locale, p in THREATS.items()}
JARGON_RE = {locale: _words(p) for locale, p in JARGON.items()}
FEE_TERM_RE = _words(FEE_TERMS)
FEE_NEAR_AMOUNT_RE = re.compile(
    rf"{MONEY_LITERAL}[^.\n]{{0,40}}\b(?:{FEE_WORD})\b|\b(?:{FEE_WORD})\b[^.\n]{{0,40}}{MONEY_LITERAL}", re.IGNORECASE
)
VAR_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
STOP_RE = re.compile(r"\bSTOP\b")


@dataclasses.dataclass
class TemplateCheck:
    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _var_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"\{\{\s*" + re.escape(name) + r"\s*(?:\|[^}]*)?\}\}")


def has_placeholder(source: str, name: str) -> bool:
    return bool(_var_pattern(name).search(source))


def _check_placeholders(source: str, check: TemplateCheck) -> None:
    try:
        ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        check.errors.append(_("The template has a syntax error: %(e)s") % {"e": exc})
        return
    loop_vars: set[str] = set()
    names: list[str] = []
    for token in Lexer(source).tokenize():
        contents = token.contents.strip()
        if token.token_type == TokenType.VAR:
            names.append(contents.split("|", 1)[0].strip())
        elif token.token_type == TokenType.BLOCK:
            bits = contents.split()
            tag = bits[0] if bits else ""
            if tag not in ALLOWED_TAGS:
                check.errors.append(
                    _("The tag {%% %(tag)s %%} is not allowed in messages; use if and for only.") % {"tag": tag}
                )
                continue
            if tag == "for" and "in" in bits:
                at = bits.index("in")
                loop_vars.update(v.strip(",") for v in bits[1:at] if v.strip(","))
                names.append(" ".join(bits[at + 1 :]).split("|", 1)[0].strip())
            elif tag in {"if", "elif"}:
                names += [b.split("|", 1)[0] for b in bits[1:] if b not in IF_WORDS and re.match(r"^[A-Za-z_]", b)]
    unknown: list[str] = []
    for name in names:
        root, _dot, attr = name.partition(".")
        if root in loop_vars:
            if attr and attr.split(".")[0] not in DEBT_FIELDS and attr not in {"counter", "first", "last"}:
                unknown.append(name)
            continue
        if root == "forloop":
            continue
        if root not in PLACEHOLDERS:
            unknown.append(name)
            continue
        allowed = PLACEHOLDERS[root]
        if attr and (allowed is None or attr not in allowed):
            unknown.append(name)
    for name in dict.fromkeys(unknown):
        check.errors.append(
            _("Unknown placeholder {{ %(name)s }}. Known: %(known)s.")
            % {"name": name, "known": ", ".join(sorted(_known_placeholders()))}
        )


def _known_placeholders() -> list[str]:
    out = []
    for root, attrs in PLACEHOLDERS.items():
        out += [f"{root}.{a}" for a in sorted(attrs)] if attrs else [root]
    return out


def _without_legal_texts(text: str) -> str:
    for block in (*L111_8.values(), *MINI_MIRANDA.values()):
        text = text.replace(block, " ")
    return VAR_RE.sub(" ", text)


def _shouting(text: str) -> bool:
    if "!!" in text:
        return True
    text = STOP_RE.sub(" ", text)
    for chunk in [text, *text.splitlines()]:
        letters = [c for c in chunk if c.isalpha()]
        if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
            return True
    return False


def _found(regex: re.Pattern[str], text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).lower() for m in regex.finditer(text)))


def _check_fees(text: str, check: TemplateCheck) -> None:
    terms = _found(FEE_TERM_RE, text)
    if terms:
        check.errors.append(
            _(
                "Fee wording is not allowed: “%(terms)s”. Debtors never pay processing, convenience or recovery "
                "fees; amounts beyond principal reach them only as ledger lines with their legal basis."
            )
            % {"terms": "”, “".join(terms)}
        )
    elif FEE_NEAR_AMOUNT_RE.search(text):
        match = FEE_NEAR_AMOUNT_RE.search(text)
        assert match is not None
        check.errors.append(
            _(
                "A fee amount is written into the text (“%(text)s”). Amounts come only from the debt "
                "(placeholders {{ debts }} and {{ total }}); a fee without a legal basis is never charged."
            )
            % {"text": match.group(0).strip()}
        )


def _require(source: str, names: list[str], what: str, check: TemplateCheck) -> None:
    missing = [n for n in names if not has_placeholder(source, n)]
    if missing:
        check.errors.append(
            _("%(what)s must contain %(placeholders)s.")
            % {"what": what, "placeholders": ", ".join("{{ " + n + " }}" for n in missing)}
        )


def _debts_itemised(source: str) -> bool:
    if has_placeholder(source, "debts"):
        return True
    loop = re.search(r"\{%\s*for\s+(\w+)\s+in\s+debts\s*%\}", source)
    if not loop:
        return False
    var = loop.group(1)
    return all(has_placeholder(source, f"{var}.{f}") for f in ("principal", "interest", "charges"))


def _check_letter(
    *, source: str, locale: str, jurisdiction: str, tenant_role: str, first_letter: bool, check: TemplateCheck
) -> None:
    lang = locale if locale in L111_8 else "en"
    if jurisdiction == "FR":
        what = _("A French letter (R124-4)")
        _require(source, ["creditor.name", "creditor.address"], what, check)
        if tenant_role == "agency":
            _require(source, ["collector.name", "collector.address"], _("An agency's French letter (R124-4)"), check)
        if not _debts_itemised(source):
            check.errors.append(
                _(
                    "%(what)s must show the basis of the debt and its amount split into principal, interest and "
                    "charges: add {{ debts }}."
                )
                % {"what": what}
            )
        _require(source, ["portal_link"], _("A French letter (R124-4: how to pay)"), check)
        if "L111-8" not in source or L111_8_PHRASE[lang] not in source:
            check.errors.append(
                _("A French letter must quote article L111-8 (recovery costs stay with the creditor): “%(text)s”")
                % {"text": L111_8[lang]}
            )
    elif jurisdiction == "US":
        if MINI_MIRANDA_PHRASE[lang] not in source:
            check.errors.append(
                _("A US letter must carry the debt-collector disclosure: “%(text)s”") % {"text": MINI_MIRANDA[lang]}
            )
        if first_letter:
            what = _("The first US letter (validation notice)")
            if not _debts_itemised(source):
                check.errors.append(_("%(what)s must itemise the debt: add {{ debts }}.") % {"what": what})
            _require(source, ["total", "validation_end_date"], what, check)
            if DISPUTE_PHRASE[lang] not in source.lower():
                check.errors.append(
                    _("%(what)s must explain how to %(word)s the debt before the validation end date.")
                    % {"what": what, "word": DISPUTE_PHRASE[lang]}
                )
    elif jurisdiction == "PL":
        what = _("A Polish letter (wezwanie do zapłaty)")
        _require(source, ["creditor.name", "creditor.address", "total", "portal_link"], what, check)
        if not _debts_itemised(source):
            check.errors.append(_("%(what)s must list the debts: add {{ debts }}.") % {"what": what})


def template_check(
    *,
    channel: str,
    locale: str,
    stage: str,
    subject: str,
    body: str,
    jurisdiction: str,
    tenant_role: str = "creditor",
    first_letter: bool = False,
    is_legal: bool = False,
) -> TemplateCheck:
    """Every refusal and warning for one template's text, with messages a manager can act on."""
    check = TemplateCheck()
    source = f"{subject}\n{body}"
    if not body.strip():
        check.errors.append(_("The message text is empty."))
        return check
    _check_placeholders(subject, check)
    _check_placeholders(body, check)
    if channel == Channel.EMAIL:
        if not has_placeholder(source, "opt_out_link"):
            check.errors.append(_("An email must offer a way to opt out: add {{ opt_out_link }}."))
        if not subject.strip():
            check.errors.append(_("An email needs a subject."))
    if channel == Channel.SMS and not (has_placeholder(source, "opt_out_link") or STOP_RE.search(body)):
        check.errors.append(
            _("An SMS must say how to opt out, e.g. “Reply STOP to opt out.”, or add {{ opt_out_link }}.")
        )
    if channel in {Channel.EMAIL, Channel.SMS} and not has_placeholder(source, "portal_link"):
        check.warnings.append(
            _("Give one clear next step: add {{ portal_link }} so the debtor can pay or ask for a plan.")
        )
    if channel == Channel.LETTER:
        _check_letter(
            source=source,
            locale=locale,
            jurisdiction=jurisdiction,
            tenant_role=tenant_role,
            first_letter=first_letter,
            check=check,
        )
    plain = _without_legal_texts(source)
    _check_fees(plain, check)
    lang = locale if locale in THREATS else "en"
    threats = _found(THREAT_RE[lang], plain)
    if stage in {Stage.FRIENDLY, Stage.FIRM}:
        if threats:
            check.warnings.append(
                _("This %(stage)s message sounds threatening (“%(words)s”). Keep legal steps for the final stage.")
                % {"stage": Stage(stage).label.lower(), "words": "”, “".join(threats)}
            )
        jargon = _found(JARGON_RE[lang], plain)
        if jargon:
            check.warnings.append(
                _("Plain words work better than legal jargon (“%(words)s”).") % {"words": "”, “".join(jargon)}
            )
        if _shouting(plain):
            check.warnings.append(_("Avoid shouting: capital letters and “!!” read as aggressive."))
    elif threats and not is_legal:
        check.warnings.append(
            _(
                "This message mentions legal steps (“%(words)s”): tick “mentions legal action” so it is never "
                "sent for a time-barred debt."
            )
            % {"words": "”, “".join(threats)}
        )
    return check
