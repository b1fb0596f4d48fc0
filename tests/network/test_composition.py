import json
import os
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from backend.core.compiled import Writer
from network.models import Membership, MembershipRole, Practitioner, Profession
from network.services.composition import COMPOSITION_SQL, CompositionState, composition_of
from tests.factories import make_msp, make_practitioner
from tests.helpers import generated

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


# --- The rule in SQL (compiled reads) gives the rule's answers --------------------------------------------------

PROFESSIONS = [
    "10",
    "10",
    "60",
    "50",
    "21",
    "X-COORD",
]  # doctors, nurses (auxiliaries), midwife, pharmacist, other


def _sql_composition(msp_pk: int) -> dict:
    writer = Writer()
    writer.sql("SELECT row_to_json(c)::text FROM network_msp msp, LATERAL (")
    writer.template(COMPOSITION_SQL, "msp")
    writer.sql(") c WHERE msp.id = ")
    writer.param(msp_pk, "int")
    with connection.cursor() as cursor:
        cursor.execute("".join(writer.parts), writer.params)
        return json.loads(cursor.fetchone()[0])


HISTORY = st.lists(
    st.tuples(
        st.sampled_from(PROFESSIONS),
        st.integers(-2_500, 30),  # start, in days from today
        st.one_of(st.none(), st.integers(1, 2_000)),  # length, or still a member
        st.sampled_from([MembershipRole.ASSOCIATE, MembershipRole.ASSOCIATE, MembershipRole.COORDINATOR]),
    ),
    max_size=9,
)


@pytest.mark.django_db
@generated(int(os.environ.get("FUZZ_EXAMPLES", 60)))
@given(history=HISTORY, leap=st.booleans())
def test_the_rule_in_sql_answers_as_the_rule(history, leap):
    """Generated histories of arrivals and departures (a departure on 29 February among them): the SQL that
    the compiled reads run gives `composition_of`'s state, counts and dates."""
    today = date.today()
    with transaction.atomic():
        msp = make_msp("MSP (composition)", team=())
        for profession, start, length, role in history:
            begins = today + timedelta(days=start)
            if leap:
                begins = date(2024, 2, 29) if start < -1_000 else begins
            ends = begins + timedelta(days=length) if length is not None else None
            Membership.objects.create(
                msp=msp,
                practitioner=make_practitioner(profession),
                role=role,
                start_date=begins,
                end_date=ends,
            )
        memberships = list(msp.memberships.select_related("practitioner__profession"))
        expected = composition_of(memberships, today)
        got = _sql_composition(msp.pk)
        transaction.set_rollback(True)
    assert got == {
        "state": expected.state.value,
        "meets_minimum": expected.meets_minimum,
        "doctors": expected.doctors,
        "auxiliaries": expected.auxiliaries,
        "below_minimum_since": expected.below_minimum_since and expected.below_minimum_since.isoformat(),
        "grace_period_ends_on": expected.grace_period_ends_on and expected.grace_period_ends_on.isoformat(),
    }, history
