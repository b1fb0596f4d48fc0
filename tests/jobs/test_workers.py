"""Real worker processes (`manage.py procrastinate worker`), as `make run` and compose start them.

- Two workers share the periodic tasks: each tick runs once, whatever the number of workers.
- A worker killed in the middle of sending an e-mail: its job runs again on another worker (stalled-job
  recovery) and the message goes out once.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.mail.models import EmailStatus, OutgoingEmail
from backend.mail.services import queue_email
from tests.daphne import server_env

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, env: dict, *args: str):
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (read by the test on failure, closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker", *args],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def workers(territories):
    with connection.cursor() as cursor:  # not Django-managed: transactional tests do not empty them
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
    started = []

    def start(*args, **env):
        worker = WorkerProcess(server_env(None, **env), *args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


def test_two_workers_run_each_periodic_tick_once(workers):
    first, second = workers(), workers()
    watch = "mentoring.accelerator.tasks.watch_service_levels"

    def periodic_jobs():
        return list(ProcrastinateJob.objects.filter(task_name=watch))

    try:
        wait_for(
            lambda: len(periodic_jobs()) >= 1 and all(j.status == "succeeded" for j in periodic_jobs()),
            what="the service-level watch to run",
        )
        time.sleep(2)  # both workers' deferrers have had their go at this minute
    except AssertionError:
        raise AssertionError(first.output() + second.output()) from None
    finally:
        first.stop(), second.stop()
    assert first.process.returncode == 0 and second.process.returncode == 0, first.output() + second.output()
    # Every periodic task of this minute (or two, across a minute boundary) was deferred and run once.
    ticks = Counter(
        (job.task_name, job.args["timestamp"])
        for job in ProcrastinateJob.objects.exclude(args__timestamp=None).filter(queue_name="periodic")
    )
    assert ticks and set(ticks.values()) == {1}, ticks
    (job, *_) = periodic_jobs()
    assert [e.type for e in job.procrastinateevent_set.all()].count("started") == 1


def test_a_worker_killed_while_sending_leaves_the_job_to_another_and_the_message_goes_out_once(workers):
    mailbox = Path(tempfile.mkdtemp(prefix="outbox-"))
    (mailbox / "STALL").touch()  # the mail server will not answer the first worker
    backend = {"EMAIL_BACKEND": "tests.mail_backends.StallingFileBackend", "EMAIL_FILE_PATH": str(mailbox)}
    email = queue_email("medecin@test.invalid", "Rappel : consultation avancée", "Bonjour", kind="test")
    job = ProcrastinateJob.objects.get(pk=email.job_id)

    doomed = workers("--queues", "emails", **backend)
    wait_for(lambda: ProcrastinateJob.objects.get(pk=job.pk).status == "doing", what="the job to start")
    time.sleep(0.3)
    doomed.stop(signal.SIGKILL)  # no goodbye: the job stays `doing`, its worker row stays
    os.remove(mailbox / "STALL")
    job.refresh_from_db()
    email.refresh_from_db()
    assert (job.status, email.status) == ("doing", EmailStatus.QUEUED)
    # Time passes: the dead worker's last heartbeat is now older than JOBS_STALLED_AFTER.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '10 minutes' WHERE id = %s",
            [job.worker_id],
        )

    rescuer = workers(**backend)  # its periodic recovery finds the stalled job and runs it again
    try:
        wait_for(
            lambda: OutgoingEmail.objects.get(pk=email.pk).status == EmailStatus.SENT,
            timeout=60,
            what="the e-mail to be sent",
        )
    except AssertionError:
        raise AssertionError(rescuer.output()) from None
    finally:
        rescuer.stop()
    sent = "".join(p.read_text() for p in mailbox.glob("*.log"))
    assert sent.count(f"Message-ID: {email.message_id}") == 1
    assert sent.count("Subject: ") == 1
    job.refresh_from_db()
    assert job.status == "succeeded"
