"""Background jobs of the observatory (procrastinate)."""

from procrastinate.contrib.django import app

from .services import take_snapshots


@app.periodic(cron="40 23 28-31 * *", periodic_id="observatory-snapshot")
@app.task(queue="periodic", queueing_lock="observatory-snapshot", pass_context=False)
def monthly_snapshot(timestamp: int) -> int:
    """The month's figures of every territory, taken on its last days (the last run of the month stays)."""
    return take_snapshots()
