"""Monthly snapshots of the observatory and the trend drawn from them (issue 15)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from network.models import MspStatus
from observatory.models import Snapshot
from observatory.services.snapshots import take_snapshots
from tests.factories import ROLES, make_hub, make_msp
from tests.helpers import top_codes

pytestmark = pytest.mark.django_db

TREND = """query($scope: ObservatoryScopeInput!, $since: Date!, $until: Date!) {
    observatoryTrend(scope: $scope, since: $since, until: $until) {
        month mspsOperating mspsInProject members hubsApproved hoursOffered } }"""
MARNE = {"level": "DEPARTMENT", "code": "51"}


def test_each_month_keeps_every_territorys_figures_and_a_month_taken_again_is_replaced():
    from network.models import Department, Region

    make_msp("Marne A", "51504", team=(("10", 2),))
    territories = take_snapshots(date(2026, 9, 30))
    assert territories == 1 + Region.objects.count() + Department.objects.count()
    assert Snapshot.objects.filter(month=date(2026, 9, 1)).count() == territories
    marne = Snapshot.objects.get(month=date(2026, 9, 1), level="DEPARTMENT", code="51").figures
    assert (marne["msps_operating"], marne["members"]) == (1, 2)
    assert (
        Snapshot.objects.get(month=date(2026, 9, 1), level="DEPARTMENT", code="89").figures["msps_operating"]
        == 0
    )

    make_msp("Marne B", "51108", team=(("10", 1),))
    take_snapshots(date(2026, 9, 30))  # the month again: replaced, not added
    assert Snapshot.objects.filter(month=date(2026, 9, 1)).count() == territories
    assert Snapshot.objects.get(month=date(2026, 9, 1), level="NATION").figures["msps_operating"] == 2


def test_the_trend_is_public_oldest_first_and_only_the_months_asked(gql, world):
    take_snapshots(date(2026, 8, 31))
    make_hub(make_msp("Marne en plus", "51108", team=(("60", 2),)), hours="12")
    make_msp("Marne projet", "51272", status=MspStatus.PROJECT)
    take_snapshots(date(2026, 9, 30))
    take_snapshots(date(2026, 10, 31))
    answers = []
    for role in ROLES:  # the same figures for every role (snapshots are taken once for all of them)
        result = gql.execute(
            TREND, {"scope": MARNE, "since": "2026-08-15", "until": "2026-09-01"}, user=world.user(role)
        )
        answers.append(result["data"]["observatoryTrend"])
    points = answers[0]
    assert all(answer == points for answer in answers)
    assert [p["month"] for p in points] == ["2026-08-01", "2026-09-01"]
    assert [p["mspsOperating"] for p in points] == [1, 2]  # the world's MSP, then one more
    assert [p["mspsInProject"] for p in points] == [0, 1]
    assert points[1]["hubsApproved"] == 2 and points[1]["hoursOffered"] == 32.0  # the world's 20 h + 12 h


def test_a_reversed_or_unknown_period_or_territory_is_a_clear_error(gql):
    reversed_ = gql.execute(TREND, {"scope": MARNE, "since": "2026-09-01", "until": "2026-08-01"})
    assert (
        top_codes(reversed_) == ["BAD_USER_INPUT"]
        and "La fin de la période" in reversed_["errors"][0]["message"]
    )
    unknown = gql.execute(
        TREND, {"scope": {"level": "REGION", "code": "00"}, "since": "2026-01-01", "until": "2026-02-01"}
    )
    assert top_codes(unknown) == ["BAD_USER_INPUT"]
    too_long = gql.execute(TREND, {"scope": MARNE, "since": "1990-01-01", "until": "2026-02-01"})
    assert top_codes(too_long) == ["BAD_USER_INPUT"]


def test_the_command_and_the_monthly_job_take_the_snapshot():
    from procrastinate.contrib.django import app

    out = StringIO()
    call_command("take_observatory_snapshot", stdout=out)
    assert (
        "territoires enregistrés" in out.getvalue() and Snapshot.objects.filter(level="NATION").count() == 1
    )
    periodic = {task.periodic_id: task for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["observatory-snapshot"].task.name.endswith("monthly_snapshot")
