"""Background jobs on procrastinate, run by a real worker against the real PostgreSQL (no mock of the queue).

The engine, the service-level watch every minute and the daily housekeeping (credentials, sign-ups, old
jobs). E-mails are in tests/jobs/, reminders and digests in tests/mentoring/test_reminders.py.
"""

import pytest
from django.db import transaction
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts.models import AuthToken, FailedLogin
from backend.accounts.tasks import purge_expired_credentials
from mentoring.accelerator.models import SlaStatus
from mentoring.accelerator.tasks import watch_service_levels
from tests.factories import make_user
from tests.helpers import at, run_worker, submit_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_queue(transactional_db):
    """The queue's tables are not Django-managed: transactional tests do not empty them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    yield


def test_the_service_level_watch_runs_on_a_worker(territories):
    request = submit_at(at(2020, 1, 6, 9))  # long overdue
    watch_service_levels.defer(timestamp=0)  # as the periodic deferrer does each minute
    run_worker()
    request.refresh_from_db()
    assert request.sla_status == SlaStatus.BREACHED
    job = ProcrastinateJob.objects.get(task_name="mentoring.accelerator.tasks.watch_service_levels")
    assert job.status == "succeeded"


def test_the_daily_purge_runs_on_a_worker(territories):
    from datetime import timedelta

    from django.utils import timezone

    from backend.accounts.services import issue_token

    old = issue_token(make_user())
    AuthToken.objects.filter(pk=old.record.pk).update(expires_at=timezone.now() - timedelta(days=40))
    revoked = issue_token(make_user())
    AuthToken.objects.filter(pk=revoked.record.pk).update(revoked_at=timezone.now() - timedelta(days=40))
    kept = issue_token(make_user())
    FailedLogin.objects.create(email="x@test.invalid", created_at=timezone.now() - timedelta(days=2))
    purge_expired_credentials.defer(timestamp=0)
    run_worker()
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [kept.record.pk]
    assert not FailedLogin.objects.exists()


def test_a_job_deferred_in_a_rolled_back_transaction_does_not_exist(territories):
    with pytest.raises(RuntimeError), transaction.atomic():
        watch_service_levels.defer(timestamp=0)
        assert ProcrastinateJob.objects.count() == 1  # in the same transaction as the change
        raise RuntimeError("the change fails")
    assert ProcrastinateJob.objects.count() == 0


def test_periodic_tasks_are_registered_with_a_lock():
    app.perform_import_paths()  # what a worker does when it starts
    periodic = {task.periodic_id: task for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["watch-service-levels"].cron == "* * * * *"
    assert periodic["purge-expired-credentials"].cron == "17 3 * * *"
    assert {"booking-reminders", "unstaffed-turns", "request-digests", "retry-stalled-jobs"} <= set(periodic)
    # One run at a time whatever the number of workers: every periodic task has a queueing lock.
    assert {p.periodic_id: p.task.queueing_lock for p in periodic.values()} == {k: k for k in periodic}


def test_expired_sign_ups_are_purged_on_a_worker(territories):
    from datetime import timedelta

    from django.utils import timezone

    from network.models import PendingRegistration
    from network.tasks import purge_pending_registrations

    def pending(email, expires_in):
        return PendingRegistration.objects.create(
            email=email, password="x", data={}, token_hash=email, expires_at=timezone.now() + expires_in
        )

    pending("ancien@test.invalid", timedelta(hours=-1))
    current = pending("recent@test.invalid", timedelta(hours=47))
    purge_pending_registrations.defer(timestamp=0)
    run_worker()
    assert list(PendingRegistration.objects.values_list("pk", flat=True)) == [current.pk]


def test_old_finished_jobs_are_removed_and_failed_ones_kept(territories):
    from django.db import connection

    from backend.core.tasks import remove_old_jobs

    for _ in range(2):  # one at a time: the queueing lock refuses a second waiting job
        watch_service_levels.defer(timestamp=0)
        run_worker()
    with connection.cursor() as cursor:  # finished three weeks ago; one of them failed
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = NULL")
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - interval '21 days' WHERE type IN ('succeeded', 'deferred', 'started')"
        )
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = (SELECT min(id) FROM procrastinate_jobs)"
        )
    remove_old_jobs.defer(timestamp=0)
    run_worker()
    remaining = dict(ProcrastinateJob.objects.values_list("task_name", "status"))
    assert remaining.get("mentoring.accelerator.tasks.watch_service_levels") == "failed"
    assert list(ProcrastinateJob.objects.filter(status="failed").values_list("status", flat=True)) == [
        "failed"
    ]
    assert (
        ProcrastinateJob.objects.filter(
            task_name="mentoring.accelerator.tasks.watch_service_levels", status="succeeded"
        ).count()
        == 0
    )
