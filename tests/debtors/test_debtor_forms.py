"""Managers add and edit debtors and contact points; viewers and agents cannot."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.services import contact_point_add
from tests.factories import NOW, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def camille(actor):
    return make_debtor(actor, "C-100", "Camille Martin")


def errors_of(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def test_a_manager_adds_a_debtor(client_for, manager):
    client = client_for(manager)
    assert client.get("/debtors/new/").status_code == 200
    response = client.post(
        "/debtors/new/",
        {
            "external_ref": "C-9",
            "name": "Bolt SARL",
            "kind": "business",
            "preferred_language": "fr",
            "timezone": "Europe/Paris",
            "customer_since": "2020-01-15",
            "lifetime_revenue": "1,234.50",
            "lifetime_revenue_currency": "EUR",
        },
        follow=True,
    )
    debtor = Debtor.objects.get(external_ref="C-9")
    assert response.redirect_chain == [(f"/debtors/{debtor.pk}/", 302)]
    assert "Debtor Bolt SARL added." in response.content.decode()
    assert debtor.kind == "business"
    assert debtor.lifetime_revenue_minor == 1_234_50
    assert AuditEvent.objects.filter(action="debtor.created", object_id=str(debtor.pk)).exists()


def test_amounts_are_typed_with_a_decimal_comma_in_french(client_for, manager):
    client = client_for(manager)
    client.cookies["django_language"] = "fr"
    client.post(
        "/debtors/new/",
        {"external_ref": "C-10", "name": "Léa", "kind": "person", "lifetime_revenue": "1 234,50"},
    )
    debtor = Debtor.objects.get(external_ref="C-10")
    assert debtor.lifetime_revenue_minor == 1_234_50
    assert debtor.lifetime_revenue_currency == "EUR"  # the tenant's currency by default


def test_a_duplicate_reference_is_refused_on_its_field(client_for, manager, camille):
    response = client_for(manager).post("/debtors/new/", {"external_ref": "C-100", "name": "Other", "kind": "person"})
    assert response.status_code == 422
    assert errors_of(response, "external_ref") == ["A debtor with reference C-100 already exists."]
    assert Debtor.objects.filter(external_ref="C-100").count() == 1


def test_a_manager_edits_a_debtor_and_the_change_is_audited(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/edit/", {"name": "Camille Roux", "kind": "person", "timezone": "Europe/Paris"}
    )
    assert response.status_code == 302
    camille.refresh_from_db()
    assert camille.name == "Camille Roux"
    event = AuditEvent.objects.get(action="debtor.updated", object_id=str(camille.pk))
    assert event.before["name"] == "Camille Martin"
    assert event.after["name"] == "Camille Roux"


def test_an_unknown_timezone_is_refused_on_its_field(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/edit/", {"name": "Camille", "kind": "person", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    assert errors_of(response, "timezone") == ["“Mars/Olympus” is not a known timezone."]
    camille.refresh_from_db()
    assert camille.timezone == ""


def test_customer_since_in_the_future_is_refused(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/edit/", {"name": "Camille", "kind": "person", "customer_since": "2030-01-01"}
    )
    assert errors_of(response, "customer_since") == ["“Customer since” is in the future."]


def test_a_manager_adds_an_email_and_a_phone(client_for, manager, camille):
    client = client_for(manager)
    assert client.get(f"/debtors/{camille.pk}/contacts/new/").status_code == 200
    response = client.post(
        f"/debtors/{camille.pk}/contacts/new/",
        {"kind": "email", "value": "Camille@Example.FR", "consent": "granted", "validity": "valid", "is_primary": "on"},
        follow=True,
    )
    assert "Contact point camille@example.fr added." in response.content.decode()
    client.post(
        f"/debtors/{camille.pk}/contacts/new/",
        {"kind": "phone", "value": "06 12 34 56 78", "consent": "unknown", "validity": "unverified"},
    )
    values = set(camille.contact_points.values_list("value", flat=True))
    assert values == {"camille@example.fr", "+33612345678"}
    assert camille.contact_points.get(kind="email").is_primary


def test_a_manager_adds_a_postal_address(client_for, manager, camille):
    client_for(manager).post(
        f"/debtors/{camille.pk}/contacts/new/",
        {
            "kind": "address",
            "address_line1": "3 rue Vaubecour",
            "postal_code": "69002",
            "city": "Lyon",
            "country": "fr",
            "consent": "unknown",
            "validity": "unverified",
        },
    )
    assert camille.contact_points.get(kind="address").value == "3 rue Vaubecour, 69002 Lyon, FR"


def test_an_address_without_a_city_is_refused_on_the_city(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/contacts/new/",
        {"kind": "address", "address_line1": "3 rue", "country": "FR", "consent": "unknown", "validity": "unverified"},
    )
    assert errors_of(response, "city") == ["The address needs city."]


def test_an_invalid_phone_is_refused_with_a_clear_message(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/contacts/new/",
        {"kind": "phone", "value": "12", "consent": "unknown", "validity": "unverified"},
    )
    assert response.status_code == 422
    assert errors_of(response, "value") == ["“12” is not a valid phone number."]
    assert not camille.contact_points.exists()


def test_a_duplicate_contact_is_refused(client_for, manager, camille, actor):
    contact_point_add(debtor=camille, kind="phone", value="+33612345678", actor=actor)
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/contacts/new/",
        {"kind": "phone", "value": "06 12 34 56 78", "consent": "unknown", "validity": "unverified"},
    )
    assert errors_of(response, "value") == ["+33612345678 is already on file for this debtor."]
    assert camille.contact_points.count() == 1


def test_a_manager_records_an_opt_out_and_withdraws_it(client_for, manager, camille, actor):
    contact = contact_point_add(debtor=camille, kind="email", value="camille@example.fr", actor=actor)
    client = client_for(manager)
    url = f"/debtors/{camille.pk}/contacts/{contact.pk}/edit/"
    assert client.get(url).status_code == 200
    client.post(url, {"value": "camille@example.fr", "consent": "revoked", "validity": "valid", "opted_out": "on"})
    contact.refresh_from_db()
    assert contact.opted_out_at == NOW
    assert contact.consent == "revoked"
    assert "Opted out Nov 20, 2026" in client.get(f"/debtors/{camille.pk}/").content.decode()
    client.post(url, {"value": "camille@example.fr", "consent": "granted", "validity": "valid"})
    contact.refresh_from_db()
    assert contact.opted_out_at is None
    assert AuditEvent.objects.filter(action="contact_point.updated", object_id=str(contact.pk)).count() == 2


def test_editing_a_contact_into_a_duplicate_is_refused(client_for, manager, camille, actor):
    contact_point_add(debtor=camille, kind="email", value="a@example.fr", actor=actor)
    other = contact_point_add(debtor=camille, kind="email", value="b@example.fr", actor=actor)
    response = client_for(manager).post(
        f"/debtors/{camille.pk}/contacts/{other.pk}/edit/",
        {"value": "A@example.fr", "consent": "unknown", "validity": "unverified"},
    )
    assert errors_of(response, "value") == ["a@example.fr is already on file for this debtor."]
    other.refresh_from_db()
    assert other.value == "b@example.fr"


def test_a_contact_is_edited_only_through_its_own_debtor(client_for, manager, camille, actor):
    someone = make_debtor(actor, "S-1", "Someone")
    contact = contact_point_add(debtor=someone, kind="email", value="s@example.fr", actor=actor)
    assert client_for(manager).get(f"/debtors/{camille.pk}/contacts/{contact.pk}/edit/").status_code == 404


@pytest.mark.parametrize("persona", ["viewer", "agent"])
def test_viewers_and_agents_get_403_on_every_write(client_for, request, camille, actor, persona):
    user = request.getfixturevalue(persona)
    contact = contact_point_add(debtor=camille, kind="email", value="c@example.fr", actor=actor)
    client = client_for(user)
    urls = [
        "/debtors/new/",
        f"/debtors/{camille.pk}/edit/",
        f"/debtors/{camille.pk}/contacts/new/",
        f"/debtors/{camille.pk}/contacts/{contact.pk}/edit/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "X", "external_ref": "X-1", "kind": "person"}).status_code == 403, url
    assert not Debtor.objects.filter(external_ref="X-1").exists()
    html = client.get(f"/debtors/{camille.pk}/").content.decode()
    assert "/edit/" not in html
    assert "/contacts/new/" not in html
    assert "/debts/new/" not in html


def test_the_manager_sees_the_links_to_the_forms(client_for, manager, camille):
    html = client_for(manager).get(f"/debtors/{camille.pk}/").content.decode()
    assert f"/debtors/{camille.pk}/edit/" in html
    assert f"/debtors/{camille.pk}/contacts/new/" in html
    assert f"/debts/new/for/{camille.pk}/" in html


def test_signed_out_visitors_are_sent_to_sign_in(client_for, camille):
    response = client_for(None).get(f"/debtors/{camille.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_contact_points_are_per_debtor_not_global(client_for, manager, camille, actor):
    other = make_debtor(actor, "O-1", "Other")
    contact_point_add(debtor=other, kind="email", value="shared@example.fr", actor=actor)
    client_for(manager).post(
        f"/debtors/{camille.pk}/contacts/new/",
        {"kind": "email", "value": "shared@example.fr", "consent": "unknown", "validity": "unverified"},
    )
    assert ContactPoint.objects.filter(value="shared@example.fr").count() == 2
