from datetime import date

import pytest

from network.models import Membership, MembershipRole, Practitioner, Profession
from network.services.composition import CompositionState, composition_of

TODAY = date(2026, 11, 23)
_ids = iter(range(1, 10_000))


def member(
    profession: str, start: date, end: date | None = None, role=MembershipRole.ASSOCIATE
) -> Membership:
    category = {"10": "MEDICAL", "50": "MEDICAL", "21": "PHARMACIST"}.get(profession, "AUXILIARY")
    practitioner = Practitioner(
        pk=next(_ids), profession=Profession(code=profession, label="", category=category)
    )
    return Membership(practitioner=practitioner, role=role, start_date=start, end_date=end)


def test_two_doctors_and_one_auxiliary_meet_the_minimum():
    result = composition_of(
        [member("10", date(2020, 1, 1)), member("10", date(2020, 1, 1)), member("60", date(2021, 1, 1))],
        TODAY,
    )
    assert result.state == CompositionState.COMPLIANT
    assert result.meets_minimum
    assert (result.doctors, result.auxiliaries) == (2, 1)
    assert result.below_minimum_since is None and result.grace_period_ends_on is None


def test_pharmacists_midwives_and_employees_do_not_count_as_auxiliaries():
    result = composition_of(
        [
            member("10", date(2020, 1, 1)),
            member("10", date(2020, 1, 1)),
            member("21", date(2020, 1, 1)),
            member("50", date(2020, 1, 1)),
            member("60", date(2020, 1, 1), role=MembershipRole.EMPLOYEE),
        ],
        TODAY,
    )
    assert result.state == CompositionState.BELOW_MINIMUM
    assert result.auxiliaries == 0
    assert result.below_minimum_since == date(2020, 1, 1)


def test_a_departure_opens_the_three_year_grace_period_with_one_doctor_and_two_auxiliaries():
    leaving = date(2025, 7, 1)
    result = composition_of(
        [
            member("10", date(2015, 1, 1)),
            member("10", date(2015, 1, 1), end=leaving),
            member("60", date(2015, 1, 1)),
            member("70", date(2016, 1, 1)),
        ],
        TODAY,
    )
    assert result.state == CompositionState.GRACE_PERIOD
    assert result.below_minimum_since == leaving
    assert result.grace_period_ends_on == date(2028, 7, 1)


def test_grace_period_expires_after_three_years():
    result = composition_of(
        [
            member("10", date(2015, 1, 1)),
            member("10", date(2015, 1, 1), end=date(2022, 3, 1)),
            member("60", date(2015, 1, 1)),
            member("60", date(2015, 1, 1)),
        ],
        TODAY,
    )
    assert result.state == CompositionState.GRACE_EXPIRED
    assert result.grace_period_ends_on == date(2025, 3, 1)


def test_one_doctor_and_one_auxiliary_is_below_minimum_without_grace():
    result = composition_of(
        [
            member("10", date(2015, 1, 1)),
            member("10", date(2015, 1, 1), end=date(2025, 1, 1)),
            member("60", date(2015, 1, 1)),
        ],
        TODAY,
    )
    assert result.state == CompositionState.BELOW_MINIMUM
    assert result.below_minimum_since == date(2025, 1, 1)
    assert result.grace_period_ends_on is None


def test_an_msp_that_never_met_the_minimum_has_no_grace_period():
    result = composition_of(
        [member("10", date(2024, 1, 1)), member("60", date(2024, 1, 1)), member("60", date(2024, 1, 1))],
        TODAY,
    )
    assert result.state == CompositionState.BELOW_MINIMUM
    assert result.below_minimum_since == date(2024, 1, 1)


def test_recovering_clears_the_since_date_and_a_new_departure_restarts_it():
    result = composition_of(
        [
            member("10", date(2015, 1, 1)),
            member("10", date(2015, 1, 1), end=date(2020, 1, 1)),
            member("10", date(2021, 1, 1), end=date(2026, 2, 1)),  # recovered in 2021, lost again in 2026
            member("60", date(2015, 1, 1)),
            member("60", date(2015, 1, 1)),
        ],
        TODAY,
    )
    assert result.state == CompositionState.GRACE_PERIOD
    assert result.below_minimum_since == date(2026, 2, 1)


def test_future_arrivals_do_not_count_yet():
    result = composition_of(
        [member("10", date(2020, 1, 1)), member("10", date(2027, 1, 1)), member("60", date(2020, 1, 1))],
        TODAY,
    )
    assert not result.meets_minimum


@pytest.mark.django_db
def test_msp_exposes_composition_over_graphql(gql):
    from tests.factories import make_msp

    msp = make_msp(team=(("10", 1), ("60", 1)))
    result = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on Msp { composition { state meetsMinimum doctors auxiliaries belowMinimumSince gracePeriodEndsOn } } } }",
        {"id": _gid("Msp", msp.pk)},
    )
    assert result["data"]["node"]["composition"] == {
        "state": "BELOW_MINIMUM",
        "meetsMinimum": False,
        "doctors": 1,
        "auxiliaries": 1,
        "belowMinimumSince": "2020-01-01",
        "gracePeriodEndsOn": None,
    }


def _gid(type_name, pk):
    from graphql_relay import to_global_id

    return to_global_id(type_name, pk)
