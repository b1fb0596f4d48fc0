"""Background jobs of the observatory (procrastinate). Cron times are in UTC."""

from procrastinate.contrib.django import app

from .services import weak_signals
from .services.snapshots import take_snapshots


@app.periodic(cron="40 23 28-31 * *", periodic_id="observatory-snapshot")
@app.task(queue="periodic", queueing_lock="observatory-snapshot", pass_context=False)
def monthly_snapshot(timestamp: int) -> int:
    """The month's figures of every territory, taken on its last days (the last run of the month stays)."""
    return take_snapshots()


@app.periodic(cron="17 * * * *", periodic_id="weak-signals")
@app.task(queue="periodic", queueing_lock="weak-signals", pass_context=False)
def refresh_weak_signals(timestamp: int) -> int:
    """Hourly: open the weak signals of new situations, close those whose situation ended (live events on
    commit). Returns how many opened or closed."""
    result = weak_signals.refresh()
    return result.opened + result.closed
