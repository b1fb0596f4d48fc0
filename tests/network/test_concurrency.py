"""Rules that must hold when requests race, with real threads against PostgreSQL."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from network.models import Membership, MembershipRole
from network.services.directory import add_member, end_membership
from tests.factories import make_coordinator, make_msp, make_practitioner
from tests.helpers import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_last_coordinators_cannot_both_step_down(territories):
    msp = make_msp(commune="51504")
    first, second = make_coordinator(msp), make_coordinator(msp)
    m1 = Membership.objects.get(msp=msp, practitioner=first, role=MembershipRole.COORDINATOR)
    m2 = Membership.objects.get(msp=msp, practitioner=second, role=MembershipRole.COORDINATOR)
    results = race(lambda: end_membership(m1), lambda: end_membership(m2))
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1, results
    assert refused[0].error_list[0].code == "LAST_COORDINATOR"
    assert Membership.objects.current().filter(msp=msp, role=MembershipRole.COORDINATOR).count() == 1


def test_the_same_member_added_twice_at_once_is_added_once(territories):
    msp = make_msp(commune="51504")
    newcomer = make_practitioner("60", "51504")
    results = race(*[lambda: add_member(msp, newcomer, MembershipRole.ASSOCIATE, date(2026, 1, 5))] * 4)
    assert sum(isinstance(r, Membership) for r in results) == 1, results
    assert all(r.error_list[0].code == "ALREADY_MEMBER" for r in results if not isinstance(r, Membership))
    assert Membership.objects.filter(msp=msp, practitioner=newcomer).count() == 1
