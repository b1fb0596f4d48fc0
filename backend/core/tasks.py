"""Housekeeping of the job queue itself (procrastinate)."""

from django.conf import settings
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


@app.periodic(cron="* * * * *", periodic_id="retry-stalled-jobs")
@app.task(queue="periodic", queueing_lock="retry-stalled-jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> int:
    """Every minute: jobs left running by a worker that stopped beating (killed, machine lost) run again.

    A worker beats every 10 s; one silent for JOBS_STALLED_AFTER seconds is taken for dead. The jobs
    themselves are idempotent (an e-mail accepted once is never sent again), so running one again is safe.
    """
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOBS_STALLED_AFTER
    )
    for job in stalled:
        await context.app.job_manager.retry_job(job)
    return len(stalled)
