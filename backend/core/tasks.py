"""Housekeeping of the job queue itself (procrastinate)."""

from procrastinate import builtin_tasks
from procrastinate.contrib.django import app

FINISHED_JOBS_KEPT_HOURS = 24 * 14


@app.periodic(cron="41 3 * * *", periodic_id="remove-old-jobs")
@app.task(queue="periodic", queueing_lock="remove-old-jobs", pass_context=True)
async def remove_old_jobs(context, timestamp: int) -> None:
    """Daily: succeeded and cancelled jobs finished more than two weeks ago. Failed ones stay for the admin."""
    await builtin_tasks.remove_old_jobs(
        context,
        max_hours=FINISHED_JOBS_KEPT_HOURS,
        remove_failed=False,
        remove_cancelled=True,
        remove_aborted=True,
    )
