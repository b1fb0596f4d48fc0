"""The observatory's live topics (backend/realtime/live.py): weak signals opening, acknowledged and closing.

Each change is published twice: under its region's code (the region's ARS and Cnam staff listening to that
region or one of its departments) and under `NATION` (Cnam staff following the whole country)."""

from backend.realtime.live import Topic
from network.permissions import viewer_for

from .permissions import follows_signals

NATION = "FR"


def _follows_signals(payload, info) -> bool:
    """Whoever may read signals at all (an ARS agent, Cnam staff); the region is checked on the signal."""
    return follows_signals(viewer_for(info.context))


WEAK_SIGNALS = Topic(
    "observatory-weak-signals",
    key=f'the INSEE code of the signal\'s region, or "{NATION}" for the whole country',
    description="A weak signal opened (or reopened), acknowledged or closed.",
    payload=("signal", "kind"),
    audience=_follows_signals,
)
