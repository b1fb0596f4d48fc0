"""Background jobs of the accelerator (procrastinate; a worker runs them: `manage.py procrastinate worker`)."""

from procrastinate.contrib.django import app

from . import services


@app.periodic(cron="* * * * *", periodic_id="watch-service-levels")
@app.task(queue="periodic", queueing_lock="watch-service-levels", pass_context=False)
def watch_service_levels(timestamp: int) -> int:
    """Every minute, however many workers run: record and announce at-risk and breached service levels."""
    return services.check_service_levels()
