"""Helpers shared by test modules (import them from here, not from another test module)."""

from backend.mail.models import EmailStatus, OutgoingEmail
from backend.mail.services import deliver


def deliver_queued_mail() -> int:
    """What the e-mail jobs would do, in this test's transaction: deliver every queued e-mail, oldest first.

    For tests about what an e-mail says; the queue itself (worker, retries, locks) is tested with real
    workers in tests/mentoring/test_jobs.py.
    """
    ids = list(
        OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).order_by("pk").values_list("pk", flat=True)
    )
    for pk in ids:
        deliver(pk)
    return len(ids)


def run_worker(periodic: bool = False) -> None:
    """A real procrastinate worker, in this process with its own connections, until the queue is empty
    (what `manage.py procrastinate worker --one-shot` does).

    Without `periodic`, it does not defer the periodic tasks due at this minute: a test runs the jobs it
    deferred itself, whatever the time of day.
    """
    from procrastinate.contrib.django import procrastinate_app
    from procrastinate.periodic import PeriodicRegistry

    worker_app = procrastinate_app.current_app  # the app itself, not the module's proxy to it
    worker_app.perform_import_paths()  # now, so that no task registers while the registry is set aside
    registry = worker_app.periodic_registry
    if not periodic:
        worker_app.periodic_registry = PeriodicRegistry()
    try:
        with worker_app.replace_connector(worker_app.connector.get_worker_connector()):
            worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    finally:
        worker_app.periodic_registry = registry
