"""Staff pages, the sign-in page and the public signup speak the reader's language: English, French or Polish."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.debtors.services import debtor_create
from apps.debts.services import debt_create

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db

# Key strings of each page, as a French or Polish reader sees them.
SEEN = {
    "en": {
        "debtors": ["Debtors", "Add a debtor", "1 debtor", "Open balance", "Sign out"],
        "debt": ["Debt INV-1", "Issue date", "Due date", "Ledger", "Record an offline payment", "Overdue"],
        "staff": ["Invite a colleague", "Pending invitations", "Send the invitation"],
        "imports": ["Import debts from a CSV file", "Recent imports", "Upload and map columns"],
        "login": ["Sign in", "Password"],
        "signup": ["Create your organisation's account", "Your organisation", "Legal name", "Create the account"],
    },
    "fr": {
        "debtors": ["Débiteurs", "Ajouter un débiteur", "1 débiteur", "Reste dû", "Se déconnecter"],
        "debt": [
            "Créance INV-1",
            "Date d'émission",
            "Date d'échéance",
            "Écritures",
            "Enregistrer un paiement",
            "En retard",
        ],
        "staff": ["Inviter un collègue", "Invitations en attente", "Envoyer l'invitation"],
        "imports": [
            "Importer des créances depuis un fichier CSV",
            "Imports récents",
            "Envoyer et associer les colonnes",
        ],
        "login": ["Se connecter", "Mot de passe"],
        "signup": ["Créer le compte de votre organisation", "Votre organisation", "Raison sociale", "Créer le compte"],
    },
    "pl": {
        "debtors": ["Dłużnicy", "Dodaj dłużnika", "1 dłużnik", "Pozostało do zapłaty", "Wyloguj się"],
        "debt": [
            "Należność INV-1",
            "Data wystawienia",
            "Termin płatności",
            "Operacje",
            "Zaksięguj wpłatę",
            "Przeterminowana",
        ],
        "staff": ["Zaproś współpracownika", "Oczekujące zaproszenia", "Wyślij zaproszenie"],
        "imports": ["Importuj należności z pliku CSV", "Ostatnie importy", "Prześlij i przypisz kolumny"],
        "login": ["Zaloguj się", "Hasło"],
        "signup": ["Załóż konto swojej organizacji", "Twoja organizacja", "Pełna nazwa prawna", "Utwórz konto"],
    },
}
LANGS = list(SEEN)


def text_of(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def assert_speaks(response, lang: str, page: str) -> str:
    text = text_of(response)
    assert f'<html lang="{lang}">' in text
    missing = [s for s in SEEN[lang][page] if s not in text]
    assert missing == [], f"{page} in {lang}: not on the page"
    return text


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def debt(actor):
    debtor = debtor_create(external_ref="C-100", name="Camille Martin", actor=actor)
    return debt_create(
        debtor=debtor,
        external_ref="INV-1",
        amount_minor=1234_56,
        currency="EUR",
        issue_date=dt.date(2026, 10, 11),
        due_date=dt.date(2026, 11, 10),
        actor=actor,
    )


def speaking(user, lang: str):
    user.language = "" if lang == "en" else lang
    user.save(update_fields=["language"])
    return user


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_debtors_list_in_the_managers_language(client_for, manager, debt, lang):
    response = client_for(speaking(manager, lang)).get(reverse("debtors:list"))
    assert_speaks(response, lang, "debtors")
    assert response.headers["Content-Language"] == lang


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_debt_page_with_money_and_dates_of_its_language(client_for, manager, debt, lang):
    text = assert_speaks(client_for(speaking(manager, lang)).get(reverse("debts:detail", args=[debt.pk])), lang, "debt")
    amount = {"en": "€1,234.56", "fr": "1\u202f234,56\xa0€", "pl": "1\xa0234,56\xa0€"}[lang]
    due = {"en": "Nov 10, 2026", "fr": "10 nov. 2026", "pl": "10 lis 2026"}[lang]
    assert amount in text
    assert due in text


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_staff_page_in_the_owners_language(client_for, owner, lang):
    text = assert_speaks(client_for(speaking(owner, lang)).get(reverse("accounts:staff")), lang, "staff")
    assert {"en": "Owner", "fr": "Propriétaire", "pl": "Właściciel"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_import_page_in_the_managers_language(client_for, manager, lang):
    assert_speaks(client_for(speaking(manager, lang)).get(reverse("imports:list")), lang, "imports")


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_sign_in_page_in_the_tenants_default_language(tenant, lang):
    tenant.default_locale = lang
    tenant.save(update_fields=["default_locale"])
    with schema_context(tenant.schema_name):
        url = reverse("accounts:login")
    response = Client(HTTP_HOST=f"{tenant.subdomain}.localhost").get(url)
    assert_speaks(response, lang, "login")


def test_it_lets_a_visitor_choose_another_language_than_the_tenants(tenant):
    tenant.default_locale = "fr"
    tenant.save(update_fields=["default_locale"])
    client = Client(HTTP_HOST=f"{tenant.subdomain}.localhost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    assert_speaks(client.get(reverse("accounts:login")), "pl", "login")


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_public_signup_in_the_browsers_language(lang):
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE=f"{lang},en;q=0.5")
    assert_speaks(client.get("/signup/"), lang, "signup")
