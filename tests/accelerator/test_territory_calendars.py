"""Each territory's calendar (issue 28, item 4): service levels, "business days waited" and the unanswered
mentoring signal count in the requester's territory — its time zone, its public holidays, its working hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mentoring.accelerator import services
from network.services.business_hours import (
    add_business_seconds,
    business_seconds,
    calendar_of,
    calendar_of_commune,
)
from tests.helpers import submit_at

pytestmark = pytest.mark.django_db
REUNION = ZoneInfo("Indian/Reunion")


def test_a_reunion_question_on_a_friday_at_five_is_due_in_reunions_hours(world):
    """Friday 17 December 2027, 17:00 in Saint-Denis: one business hour that Friday, then the weekend, then
    Monday 20 December — the abolition of slavery, a public holiday in La Réunion, not in Paris — so the
    clock runs on from Tuesday 09:00, Réunion time."""
    friday = datetime(2027, 12, 17, 17, tzinfo=REUNION)
    request = submit_at(friday, commune_code="97411", urgency="HIGH")
    first_target = services.all_targets()[request.priority][0]
    assert first_target <= 10 * 3600  # P1 or P2: an hour on Friday, the rest on Tuesday
    expected = datetime(2027, 12, 21, 9, tzinfo=REUNION) + timedelta(seconds=first_target - 3600)
    assert request.first_response_due_at == expected
    # In Paris's calendar the same instant (14:00 there) would have fallen due on Friday or Monday.
    paris = add_business_seconds(friday, first_target)
    assert paris.astimezone(ZoneInfo("Europe/Paris")).date() <= datetime(2027, 12, 20).date()


def test_the_calendars_of_the_territories():
    assert calendar_of("974").zone.key == "Indian/Reunion" and calendar_of("976").zone.key == "Indian/Mayotte"
    assert (
        calendar_of("971").zone.key == "America/Guadeloupe"
        and calendar_of("973").zone.key == "America/Cayenne"
    )
    assert calendar_of("51").zone.key == "Europe/Paris" and calendar_of_commune("97411") == calendar_of("974")
    assert calendar_of_commune("2A004") == calendar_of("2A")
    # Alsace-Moselle keeps Good Friday and 26 December; Mayotte, 27 April; metropolitan France, neither.
    good_friday, boxing_day = datetime(2027, 3, 26).date(), datetime(2027, 12, 27).date()
    assert not calendar_of("57").is_business_day(good_friday) and calendar_of("51").is_business_day(
        good_friday
    )
    assert not calendar_of("67").is_business_day(datetime(2028, 12, 26).date())  # a Tuesday, off in Alsace
    assert calendar_of("51").is_business_day(datetime(2028, 12, 26).date())
    assert calendar_of("976").is_business_day(datetime(2027, 4, 27).date()) is False
    assert calendar_of("51").is_business_day(datetime(2027, 4, 27).date()) is True
    assert calendar_of("51").is_business_day(boxing_day)  # a Monday, worked in Paris


def test_working_hours_configured_per_territory(settings):
    settings.BUSINESS_HOURS = {"974": ("08:00", "16:00")}
    reunion = calendar_of("974")
    assert reunion.day_seconds == 8 * 3600 and calendar_of("51").day_seconds == 9 * 3600
    monday = datetime(2027, 12, 13, 7, tzinfo=REUNION)
    assert business_seconds(monday, monday + timedelta(days=1), reunion) == 8 * 3600
    assert add_business_seconds(monday, 3600, reunion) == datetime(2027, 12, 13, 9, tzinfo=REUNION)


def test_business_days_waited_count_in_the_requesters_territory(gql, world):
    """A request from Saint-Denis de La Réunion sent on Friday 17 December 2027 at 18:30 Réunion time: on
    Wednesday 22 December at 12:00 it has waited Tuesday's day only (Monday is the 20 December holiday), where
    Paris's calendar would count Monday and Tuesday."""
    from unittest import mock

    from mentoring.models import MentoringRequest, RequestStatus
    from tests.factories import make_practitioner
    from tests.helpers import gid

    sent = datetime(2027, 12, 17, 18, 30, tzinfo=REUNION)
    request = MentoringRequest.objects.create(
        requester=make_practitioner(commune="97411", user=True), topics=["SISA_LEGAL"], message="Statuts ?",
        commune_id="97411", status=RequestStatus.SENT, hub=world.hub, sent_at=sent,
    )  # fmt: skip
    query = "query($id: ID!) { node(id: $id) { ... on MentoringRequest { businessDaysWaiting } } }"
    with mock.patch("django.utils.timezone.now", return_value=datetime(2027, 12, 22, 12, tzinfo=REUNION)):
        node = gql.execute(query, {"id": gid(request)}, user=world.user("coordinator"))["data"]["node"]
    assert node == {"businessDaysWaiting": 1}
