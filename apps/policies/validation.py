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
    FR_AMICABLE,
    FR_AMICABLE_PHRASE,
    FR_NO_COSTS,
    L111_8,
    L111_8_PHRASE,
    MINI_MIRANDA,
    MINI_MIRANDA_PHRASE,
    PL_NO_HARASSMENT,
    PL_NO_HARASSMENT_MARK,
    RECORDING_NOTICE,
    RECORDING_PHRASE,
    US_THIRD_PARTY,
    US_THIRD_PARTY_PHRASE,
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


def _check_placeholders(
    source: str, check: TemplateCheck, placeholders: dict[str, frozenset[str] | None] = PLACEHOLDERS
) -> None:
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
        if root not in placeholders:
            unknown.append(name)
            continue
        allowed = placeholders[root]
        if attr and (allowed is None or attr not in allowed):
            unknown.append(name)
    for name in dict.fromkeys(unknown):
        check.errors.append(
            _("Unknown placeholder {{ %(name)s }}. Known: %(known)s.")
            % {"name": name, "known": ", ".join(sorted(_known_placeholders(placeholders)))}
        )


def _known_placeholders(placeholders: dict[str, frozenset[str] | None] = PLACEHOLDERS) -> list[str]:
    out = []
    for root, attrs in placeholders.items():
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
        threatening = _(
            "This %(stage)s message sounds threatening (“%(words)s”). Keep legal steps for the final stage."
        )
        check.warnings.extend(_tone_warnings(plain, lang, stage, threats, threatening))
    elif threats and not is_legal:
        check.warnings.append(
            _(
                "This message mentions legal steps (“%(words)s”): tick “mentions legal action” so it is never "
                "sent for a time-barred debt."
            )
            % {"words": "”, “".join(threats)}
        )
    return check


# Call scripts (C3) ---------------------------------------------------------------------------------------------

# What a call script may read: no links (a staff page must not show a debtor's sign-in link), no opt-out, no payment.
SCRIPT_PLACEHOLDERS: dict[str, frozenset[str] | None] = {
    "debtor": frozenset({"name", "reference"}),
    "creditor": PARTY_FIELDS,
    "collector": PARTY_FIELDS,
    "total": None,
    "debts": None,
    "today": None,
}
SCRIPT_FIELDS = ("goal", "talking_points", "open_questions", "voicemail", "disclosures", "recording_notice")
SCRIPT_REQUIRED = ("goal", "talking_points", "open_questions", "voicemail", "disclosures")
# A voicemail names no debt: whoever hears it may not be the debtor.
VOICEMAIL_DEBT_WORDS = {
    "en": [r"debts?", r"collect\w*", r"owe\w*", r"overdue", r"unpaid", r"arrears", r"invoices?", r"payments?"],
    "fr": [r"dettes?", r"créances?", r"recouvr\w+", r"impay\w+", r"retards?", r"factures?", r"paiements?", r"dû|due"],
    "pl": [r"dług\w*", r"należnoś\w+", r"windykac\w+", r"zaległ\w+", r"faktur\w*", r"płatnoś\w+", r"zapłat\w+"],
}
VOICEMAIL_DEBT_RE = {locale: _words(p) for locale, p in VOICEMAIL_DEBT_WORDS.items()}


@dataclasses.dataclass
class ScriptCheck:
    """Refusals per field of a call script, and tone warnings."""

    field_errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def add(self, field: str, message: str) -> None:
        self.field_errors.setdefault(field, []).append(message)

    @property
    def errors(self) -> list[str]:
        return [e for errors in self.field_errors.values() for e in errors]

    @property
    def ok(self) -> bool:
        return not self.field_errors


def _lower(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def _check_disclosures(text: str, *, jurisdiction: str, lang: str, check: ScriptCheck) -> None:
    """The blocks `jurisdiction` requires on a call (COMPLIANCE: US8 and 805(b), FR R124-4 and L111-8, PL KK 190a)."""
    said = _lower(text)

    def missing(message: str, example: str) -> None:
        check.add("disclosures", message % {"text": example})

    if jurisdiction == "US":
        if MINI_MIRANDA_PHRASE[lang] not in said:
            missing(_("A US call must give the debt-collector disclosure: “%(text)s”"), MINI_MIRANDA[lang])
        if US_THIRD_PARTY_PHRASE[lang] not in said:
            missing(
                _(
                    "A US call script must keep the debt from anyone but the debtor (no third-party disclosure), "
                    "e.g. “%(text)s”"
                ),
                US_THIRD_PARTY[lang],
            )
    elif jurisdiction == "FR":
        if not has_placeholder(text, "creditor.name"):
            check.add("disclosures", _("A French call must say who the creditor is: add {{ creditor.name }}."))
        if FR_AMICABLE_PHRASE[lang] not in said:
            missing(_("A French call must say that the recovery is amicable, e.g. “%(text)s”"), FR_AMICABLE[lang])
        if "l111-8" not in said:
            missing(
                _("A French call must say that the debtor pays no recovery costs (article L111-8), e.g. “%(text)s”"),
                FR_NO_COSTS[lang],
            )
    elif jurisdiction == "PL":
        if not has_placeholder(text, "creditor.name"):
            check.add("disclosures", _("A Polish call must say who the creditor is: add {{ creditor.name }}."))
        if not _debts_itemised(text):
            check.add("disclosures", _("A Polish call must give the basis of the claim: add {{ debts }}."))
        if PL_NO_HARASSMENT_MARK not in said:
            missing(
                _(
                    "A Polish call script must remind the agent that harassment is prohibited (article 190a of the "
                    "Criminal Code), e.g. “%(text)s”"
                ),
                PL_NO_HARASSMENT[lang],
            )


def call_script_check(
    *, stage: str, locale: str, jurisdiction: str, fields: dict[str, str], calls_recorded: bool = False
) -> ScriptCheck:
    """Every refusal (per field) and tone warning for a call script, with messages a manager can act on."""
    check = ScriptCheck()
    lang = locale if locale in THREATS else "en"
    texts = {name: fields.get(name, "") or "" for name in SCRIPT_FIELDS}
    for name in SCRIPT_REQUIRED:
        if not texts[name].strip():
            check.add(name, _("This part of the script is empty."))
    for name, text in texts.items():
        found = TemplateCheck()
        _check_placeholders(text, found, SCRIPT_PLACEHOLDERS)
        for error in found.errors:
            check.add(name, error)
    _check_disclosures(texts["disclosures"], jurisdiction=jurisdiction, lang=lang, check=check)
    if calls_recorded and RECORDING_PHRASE[lang] not in _lower(texts["recording_notice"]):
        check.add(
            "recording_notice",
            _("Calls are recorded: the script must say so first, e.g. “%(text)s”") % {"text": RECORDING_NOTICE[lang]},
        )
    voicemail = texts["voicemail"]
    revealing = _found(VOICEMAIL_DEBT_RE[lang], _without_legal_texts(voicemail)) + [
        "{{ " + name + " }}" for name in ("total", "debts") if has_placeholder(voicemail, name)
    ]
    if revealing:
        message = _(
            "A voicemail may be heard by someone else: leave your name, the company and a number to call back, "
            "nothing about the debt (“%(words)s”)."
        ) % {"words": "”, “".join(revealing)}
        if jurisdiction == "US":
            # Regulation F: only a limited-content message avoids disclosing the debt to a third party.
            check.add("voicemail", message)
        else:
            check.warnings.append(message)
    plain = _without_legal_texts("\n".join(texts.values()))
    fees = TemplateCheck()
    _check_fees(plain, fees)
    for error in fees.errors:
        check.add("talking_points", error)
    if stage in {Stage.FRIENDLY, Stage.FIRM}:
        threatening = _("This %(stage)s script sounds threatening (“%(words)s”). Keep legal steps for the final stage.")
        check.warnings.extend(_tone_warnings(plain, lang, stage, _found(THREAT_RE[lang], plain), threatening))
    return check


def _tone_warnings(plain: str, lang: str, stage: str, threats: list[str], threatening: str) -> list[str]:
    """The tone check of a friendly or firm text (a message template or a call script): threats, jargon, shouting.
    `threatening` is the caller's translated sentence naming what it checks."""
    warnings = []
    if threats:
        warnings.append(threatening % {"stage": Stage(stage).label.lower(), "words": "”, “".join(threats)})
    jargon = _found(JARGON_RE[lang], plain)
    if jargon:
        warnings.append(_("Plain words work better than legal jargon (“%(words)s”).") % {"words": "”, “".join(jargon)})
    if _shouting(plain):
        warnings.append(_("Avoid shouting: capital letters and “!!” read as aggressive."))
    return warnings
