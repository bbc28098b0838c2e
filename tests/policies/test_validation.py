"""The template validators: refusals (opt-out, letter blocks, fees, placeholders) and tone warnings."""

from __future__ import annotations

from typing import Any

from apps.policies.defaults import L111_8, MINI_MIRANDA
from apps.policies.validation import TemplateCheck, template_check

FR_LETTER = (
    "{{ creditor.name }}\n{{ creditor.address }}\n\nDear {{ debtor.name }},\n\n{{ debts }}\n\nTotal: {{ total }}\n"
    "Pay at {{ portal_link }}.\n\n" + L111_8["en"]
)
US_FIRST_LETTER = (
    "Dear {{ debtor.name }},\n\n{{ debts }}\n\nTotal now: {{ total }}. Call or write to us by "
    "{{ validation_end_date }} to dispute all or part of the debt.\n\n" + MINI_MIRANDA["en"]
)


def check(**overrides: Any) -> TemplateCheck:
    fields: dict[str, Any] = {
        "channel": "email",
        "locale": "en",
        "stage": "friendly",
        "subject": "Your invoice",
        "body": "Hello {{ debtor.name }}, {{ total }} is due. Pay: {{ portal_link }}. Stop emails: {{ opt_out_link }}",
        "jurisdiction": "FR",
    }
    return template_check(**{**fields, **overrides})


def test_it_accepts_a_plain_kind_email() -> None:
    result = check()
    assert result.errors == []
    assert result.warnings == []


def test_it_refuses_an_email_without_an_opt_out_link() -> None:
    result = check(body="Hello {{ debtor.name }}, {{ total }} is due. Pay: {{ portal_link }}")
    assert result.errors == ["An email must offer a way to opt out: add {{ opt_out_link }}."]


def test_it_accepts_an_sms_with_a_stop_instruction_in_french() -> None:
    result = check(
        channel="sms", locale="fr", subject="", body="{{ total }} à régler : {{ portal_link }} Répondez STOP"
    )
    assert result.ok


def test_it_refuses_an_sms_without_a_way_to_opt_out() -> None:
    result = check(channel="sms", subject="", body="{{ total }} is overdue: {{ portal_link }}")
    assert not result.ok
    assert "Reply STOP" in result.errors[0]


def test_it_accepts_a_french_letter_with_the_r124_4_blocks() -> None:
    assert check(channel="letter", stage="firm", body=FR_LETTER).ok


def test_it_refuses_a_french_letter_without_the_creditor_address() -> None:
    result = check(channel="letter", stage="firm", body=FR_LETTER.replace("{{ creditor.address }}", ""))
    assert result.errors == ["A French letter (R124-4) must contain {{ creditor.address }}."]


def test_it_refuses_a_french_letter_without_the_l111_8_text() -> None:
    result = check(channel="letter", stage="firm", body=FR_LETTER.replace(L111_8["en"], ""))
    assert len(result.errors) == 1
    assert "L111-8" in result.errors[0]


def test_it_asks_an_agency_for_the_collector_identity() -> None:
    result = check(channel="letter", stage="firm", body=FR_LETTER, tenant_role="agency")
    assert result.errors == [
        "An agency's French letter (R124-4) must contain {{ collector.name }}, {{ collector.address }}."
    ]


def test_it_accepts_a_us_first_letter_with_validation_information() -> None:
    assert check(channel="letter", stage="firm", jurisdiction="US", first_letter=True, body=US_FIRST_LETTER).ok


def test_it_refuses_a_us_first_letter_without_validation_information() -> None:
    body = "Dear {{ debtor.name }}, you owe {{ total }}. Pay at {{ portal_link }}.\n" + MINI_MIRANDA["en"]
    result = check(channel="letter", stage="firm", jurisdiction="US", first_letter=True, body=body)
    assert result.errors == [
        "The first US letter (validation notice) must itemise the debt: add {{ debts }}.",
        "The first US letter (validation notice) must contain {{ validation_end_date }}.",
        "The first US letter (validation notice) must explain how to dispute the debt before the validation end date.",
    ]


def test_it_refuses_a_us_letter_without_the_mini_miranda() -> None:
    result = check(
        channel="letter", stage="firm", jurisdiction="US", body=US_FIRST_LETTER.replace(MINI_MIRANDA["en"], "")
    )
    assert len(result.errors) == 1
    assert "debt-collector disclosure" in result.errors[0]


def test_it_refuses_a_polish_letter_without_the_debts() -> None:
    body = "{{ creditor.name }}\n{{ creditor.address }}\nWezwanie do zapłaty {{ total }}: {{ portal_link }}"
    result = check(channel="letter", locale="pl", stage="firm", jurisdiction="PL", body=body)
    assert result.errors == ["A Polish letter (wezwanie do zapłaty) must list the debts: add {{ debts }}."]


def test_it_refuses_an_online_fee() -> None:
    result = check(
        body="{{ total }} plus a $2.95 online fee. Pay: {{ portal_link }} {{ opt_out_link }}", jurisdiction="US"
    )
    assert not result.ok
    assert "online fee" in result.errors[0]


def test_it_refuses_a_fee_amount_written_in_the_text() -> None:
    result = check(body="Add 5 € for our reminder costs. {{ portal_link }} {{ opt_out_link }}")
    assert not result.ok
    assert "5 €" in result.errors[0]


def test_it_refuses_french_and_polish_fee_wording() -> None:
    french = check(locale="fr", body="Des frais de relance de 25 € s'ajoutent. {{ portal_link }} {{ opt_out_link }}")
    polish = check(locale="pl", body="Naliczymy opłatę windykacyjną. {{ portal_link }} {{ opt_out_link }}")
    assert "frais de relance" in french.errors[0]
    assert "opłatę windykacyjną" in polish.errors[0]


def test_it_warns_about_a_threat_in_a_friendly_template() -> None:
    result = check(body="Pay {{ total }} or we take legal action. {{ portal_link }} {{ opt_out_link }}")
    assert result.ok
    assert result.warnings == [
        "This friendly message sounds threatening (“legal action”). Keep legal steps for the final stage."
    ]


def test_it_warns_about_bailiffs_in_french_and_polish() -> None:
    french = check(locale="fr", stage="firm", body="Un huissier passera. {{ portal_link }} {{ opt_out_link }}")
    polish = check(locale="pl", body="Sprawa trafi do komornika. {{ portal_link }} {{ opt_out_link }}")
    assert "huissier" in french.warnings[0]
    assert "komornika" in polish.warnings[0]


def test_it_does_not_warn_about_legal_steps_in_a_final_legal_template() -> None:
    body = "Without payment we will go to court. {{ portal_link }} {{ opt_out_link }}"
    assert check(stage="final", is_legal=True, body=body).warnings == []
    assert "mentions legal action" in check(stage="final", body=body).warnings[0]


def test_it_warns_about_shouting_and_jargon() -> None:
    shouting = check(body="PAY NOW OR ELSE, THIS IS YOUR LAST CHANCE {{ portal_link }} {{ opt_out_link }}")
    exclaiming = check(body="Please pay {{ total }}!!! {{ portal_link }} {{ opt_out_link }}")
    jargon = check(body="We hereby request {{ total }} pursuant to the contract. {{ portal_link }} {{ opt_out_link }}")
    assert shouting.warnings == ["Avoid shouting: capital letters and “!!” read as aggressive."]
    assert exclaiming.warnings == ["Avoid shouting: capital letters and “!!” read as aggressive."]
    assert jargon.warnings == ["Plain words work better than legal jargon (“hereby”, “pursuant to”)."]


def test_it_refuses_unknown_placeholders_and_tags() -> None:
    result = check(body="{{ debtor.password }} {% include 'x.html' %} {{ portal_link }} {{ opt_out_link }}")
    assert len(result.errors) == 2
    assert result.errors[0].startswith("The tag {% include %} is not allowed")
    assert result.errors[1].startswith("Unknown placeholder {{ debtor.password }}.")


def test_it_accepts_a_loop_over_the_debts() -> None:
    body = "{% for d in debts %}{{ d.reference }}: {{ d.balance }}{% endfor %} {{ portal_link }} {{ opt_out_link }}"
    assert check(body=body).ok
