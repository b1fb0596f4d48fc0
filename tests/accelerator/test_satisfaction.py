"""Satisfaction with the accelerator's answers (issue 17): the requester rates a closed request once; the
statistics give it per agent and per category."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.accelerator import services
from mentoring.accelerator.models import AcceleratorRequest
from mentoring.accelerator.permissions import STAFF_REPLY
from tests.factories import ROLES, make_practitioner
from tests.helpers import ERRORS, error_codes, gid, question, top_codes

pytestmark = pytest.mark.django_db

RATE = f"""mutation($id: ID!, $r: Int!) {{ rateAcceleratorAnswer(id: $id, rating: $r, comment: "Réponse claire.") {{
    request {{ satisfactionRating satisfactionComment }} {ERRORS} }} }}"""


def closed(world, requester=None, **fields):
    staff = world.user("cnam_staff")
    request = services.submit(requester or world.user("practitioner").practitioner, question(**fields))
    services.assign(request, staff, staff)
    services.reply(
        request, staff, "Voici la réponse.", internal=False, rights=STAFF_REPLY, next_state="ANSWERED"
    )
    return services.close(request, staff)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_requester_rates_a_closed_request_once(gql, world, role):
    request = closed(world)
    result = gql.execute(RATE, {"id": gid(request), "r": 4}, user=world.user(role))
    rating = AcceleratorRequest.objects.get(pk=request.pk).satisfaction_rating
    if role == "practitioner":
        assert result["data"]["rateAcceleratorAnswer"]["request"] == {
            "satisfactionRating": 4,
            "satisfactionComment": "Réponse claire.",
        }
        again = gql.execute(RATE, {"id": gid(request), "r": 1}, user=world.user(role))
        assert error_codes(again, "rateAcceleratorAnswer") == ["INVALID_TRANSITION"]
        assert AcceleratorRequest.objects.get(pk=request.pk).satisfaction_rating == 4
    elif role in ("coordinator", "other_coordinator"):
        assert error_codes(result, "rateAcceleratorAnswer") == ["NOT_FOUND"] and rating is None
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
        assert rating is None


def test_not_before_it_is_closed_and_within_range(gql, world):
    open_one = services.submit(world.user("practitioner").practitioner, question())
    early = gql.execute(RATE, {"id": gid(open_one), "r": 5}, user=world.user("practitioner"))
    assert error_codes(early, "rateAcceleratorAnswer") == ["INVALID_TRANSITION"]
    out_of_range = gql.execute(RATE, {"id": gid(closed(world)), "r": 6}, user=world.user("practitioner"))
    assert error_codes(out_of_range, "rateAcceleratorAnswer") == ["INVALID"]


def test_satisfaction_per_agent_and_per_category_in_the_statistics(gql, world):
    for rating, category in ((5, "SISA_LEGAL"), (3, "SISA_LEGAL"), (4, "PREMISES")):
        request = closed(world, make_practitioner(), category=category)
        services.rate(request, request.requester, rating)
    today = timezone.localdate()
    stats = gql.execute(
        """query($s: Date!, $u: Date!) { acceleratorStats(since: $s, until: $u) {
            satisfactionByAgent { key count averageRating } satisfactionByCategory { key count averageRating } } }""",
        {"s": (today - timedelta(days=1)).isoformat(), "u": today.isoformat()},
        user=world.user("cnam_staff"),
    )["data"]["acceleratorStats"]
    staff = world.user("cnam_staff")
    assert stats["satisfactionByAgent"] == [
        {"key": staff.get_full_name() or staff.email, "count": 3, "averageRating": 4.0}
    ]
    assert stats["satisfactionByCategory"] == [
        {"key": "PREMISES", "count": 1, "averageRating": 4.0},
        {"key": "SISA_LEGAL", "count": 2, "averageRating": 4.0},
    ]
