"""Mentoring's live topics (backend/realtime/live.py): declared once, published by the services, listened to
by the subscriptions."""

from backend.realtime.live import Topic

PRACTITIONER_BOOKINGS = Topic(
    "practitioner-bookings",
    key="the practitioner's primary key",
    description="One of the practitioner's bookings or rota turns changed.",
    payload=("booking", "kind"),
)
OFFER_SLOTS = Topic(
    "offer-slots",
    key="the offer's primary key",
    description="A slot of the offer changed: seats, times, staff, or cancelled.",
    payload=("slot",),
)
HUB_SLOTS = Topic(
    "hub-slots",
    key="the hub designation's primary key",
    description="A slot of the hub changed: seats, times, staff, or cancelled.",
    payload=("slot",),
)
REQUESTS_OF = Topic(
    "mentoring-requests-of",
    key="the requester's (practitioner's) primary key",
    description="A step of one of the practitioner's mentoring requests.",
    payload=("event",),
)
HUB_REQUESTS = Topic(
    "mentoring-requests-hub",
    key="the hub designation's primary key",
    description="A step of a mentoring request sent to the hub.",
    payload=("event",),
)
MENTORSHIP_MESSAGES = Topic(
    "mentorship-messages",
    key="the mentorship's primary key",
    description="A message in the mentorship's thread (between the mentee and the hub).",
    payload=("message",),
)
