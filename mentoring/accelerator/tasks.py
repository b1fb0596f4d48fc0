"""Background jobs of the accelerator (procrastinate; a worker runs them: `manage.py procrastinate worker`)."""

from procrastinate.contrib.django import app

from . import services
from .services.attachments import purge_orphans


@app.periodic(cron="* * * * *", periodic_id="watch-service-levels")
@app.task(queue="periodic", queueing_lock="watch-service-levels", pass_context=False)
def watch_service_levels(timestamp: int) -> int:
    """Every minute, however many workers run: record and announce at-risk and breached service levels."""
    return services.check_service_levels()


@app.periodic(cron="23 4 * * *", periodic_id="purge-orphan-attachments")
@app.task(queue="periodic", queueing_lock="purge-orphan-attachments", pass_context=False)
def purge_orphan_attachments(timestamp: int) -> int:
    """Nightly: files left in the storage by a change that failed after writing them (no row names them)."""
    return purge_orphans()
