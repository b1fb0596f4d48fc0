"""Reads, tested without HTTP: the accelerator queue's order and filters, its statistics (medians computed by
PostgreSQL), the slots' place filter."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentoring import selectors
from mentoring.accelerator import selectors as accelerator
from mentoring.accelerator.models import AcceleratorRequest, SlaStatus
from mentoring.models import LocationKind
from network.models import Commune
from tests.factories import make_practitioner
from tests.helpers import at, offer_for, slot_for, submit_at

pytestmark = pytest.mark.django_db


def requests_in_november(count):
    return [submit_at(at(2026, 11, 2 + index, 10)) for index in range(count)]


def test_medians_are_percentile_cont_in_postgresql_interpolating_an_even_count():
    first, second, third, fourth = requests_in_november(4)
    for request, seconds in ((first, 3600), (second, 7200), (third, 10800), (fourth, 36000)):
        AcceleratorRequest.objects.filter(pk=request.pk).update(first_response_seconds=seconds)
    AcceleratorRequest.objects.filter(pk=first.pk).update(
        resolution_seconds=7200, sla_status=SlaStatus.BREACHED
    )
    submit_at(at(2026, 12, 1, 10))  # outside the period

    with CaptureQueriesContext(connection) as queries:
        figures = accelerator.stats(date(2026, 11, 1), date(2026, 11, 30))

    assert figures.total == 4
    assert figures.median_first_response_hours == 2.5  # (7 200 + 10 800) / 2 seconds: interpolated
    assert figures.median_resolution_hours == 2.0  # the one resolved; the others are not counted
    assert figures.breach_rate == 0.25
    assert any("percentile_cont(0.5) WITHIN GROUP" in q["sql"] for q in queries.captured_queries)


def test_medians_of_nothing_are_none():
    figures = accelerator.stats(date(2026, 1, 1), date(2026, 1, 31))
    assert (figures.total, figures.median_first_response_hours, figures.breach_rate) == (0, None, None)


def test_the_queue_puts_the_soonest_due_first_and_the_paused_last():
    later, sooner, paused = requests_in_november(3)
    now = timezone.now()
    AcceleratorRequest.objects.filter(pk=later.pk).update(first_response_due_at=now + timedelta(hours=5))
    AcceleratorRequest.objects.filter(pk=sooner.pk).update(first_response_due_at=now + timedelta(hours=1))
    AcceleratorRequest.objects.filter(pk=paused.pk).update(first_response_due_at=None, resolution_due_at=None)

    assert list(accelerator.queue({})) == [sooner, later, paused]
    assert list(accelerator.queue({}, order="NEWEST")) == [paused, sooner, later]
    assert list(accelerator.queue({"search": "sisa"}, order="OLDEST")) == [later, sooner, paused]
    assert list(accelerator.queue({"search": "pharmacie"})) == []
    assert list(accelerator.queue({"unassigned": True, "sla_status": SlaStatus.BREACHED})) == []


@pytest.fixture
def three_places(world):
    """Slots of one hub: at its site (Saint-Martin-sur-le-Pré), at a host commune (Sens), and remote."""
    site = world.msp.sites.get(is_main=True)
    at_site = slot_for(offer_for(world.hub, location_kind=LocationKind.HUB_SITE, site=site))
    hosted = slot_for(
        offer_for(
            world.hub, location_kind=LocationKind.HOST_SITE, host_commune=Commune.objects.get(code="89387")
        )
    )
    remote = slot_for(offer_for(world.hub, location_kind=LocationKind.REMOTE))
    return site, at_site, hosted, remote


def test_slots_by_commune_and_by_distance(three_places):
    site, at_site, hosted, remote = three_places
    sens = Commune.objects.get(code="89387")

    assert list(selectors.slots({"commune_code": site.commune.code})) == [at_site]
    assert set(selectors.slots({"commune_code": "89387", "include_remote": True})) == {hosted, remote}
    assert list(selectors.slots({}, point=(sens.latitude, sens.longitude))) == [hosted]
    # Saint-Martin-sur-le-Pré to Sens is about 125 km: a 150 km radius reaches both places.
    both = selectors.slots({"radius_km": 150}, point=(sens.latitude, sens.longitude))
    assert set(both) == {at_site, hosted}


def test_a_refused_place_is_a_french_validation_error(three_places):
    with pytest.raises(ValidationError, match="radiusKm"):
        list(selectors.slots({"radius_km": 500}, point=(48.9, 4.3)))
    with pytest.raises(ValidationError):
        list(selectors.slots({"commune_code": "00000"}))


def test_a_practitioner_sees_their_own_seats_soonest_first(three_places):
    from mentoring.services.booking import book_slot

    _, at_site, hosted, _ = three_places
    practitioner = make_practitioner()
    later = book_slot(at_site, practitioner)
    hosted.starts_at = at_site.starts_at - timedelta(days=1)
    hosted.ends_at = hosted.starts_at + timedelta(hours=1)
    hosted.save()
    sooner = book_slot(hosted, practitioner)
    assert list(selectors.bookings_of(practitioner)) == [sooner, later]
