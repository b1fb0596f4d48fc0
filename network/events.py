"""The network directory's live topics (backend/realtime/live.py): declared once, published by the services,
listened to by the subscriptions."""

from backend.realtime.live import Topic

HUB = Topic(
    "hub",
    key="the hub designation's primary key",
    description="The designation changed: status, radius, capacity or offers.",
)
MSP = Topic(
    "msp",
    key="the MSP's primary key",
    description="The MSP changed: its details, sites, members or hub designation.",
)
