"""Managers read the segment rules next to the policies, and each debtor page names the debtor's segment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.debtors.models import Debtor
from apps.debtors.segments import RULES
from apps.debtors.services import debtor_create

pytestmark = pytest.mark.django_db


def test_it_lists_every_segment_rule_on_the_policies_page(manager, client_for):
    page = client_for(manager).get(reverse("policies:list")).content.decode()
    for rule in RULES:
        assert str(rule.description)[:40] in page


def test_it_names_the_debtors_segment_on_their_page(actor, manager, client_for):
    debtor = debtor_create(external_ref="SG-1", name="Sam Green", actor=actor)
    Debtor.objects.filter(pk=debtor.pk).update(segment=RULES[0].key)
    page = client_for(manager).get(reverse("debtors:detail", kwargs={"debtor_id": debtor.pk})).content.decode()
    assert str(RULES[0].label) in page
