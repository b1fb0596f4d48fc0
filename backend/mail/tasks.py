"""The e-mail job (procrastinate): one job per message, retried until the mail server accepts it."""

from django.conf import settings
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from . import services


def retry_delays() -> list[int]:
    """Seconds to wait before each further attempt (settings.EMAIL_RETRY_DELAYS): one attempt more than delays."""
    return list(settings.EMAIL_RETRY_DELAYS)


class EmailRetry(BaseRetryStrategy):
    """Retry on the schedule of EMAIL_RETRY_DELAYS (read when a job fails, so it can change without a restart);
    after the last, the job stays failed (the admin can send it again)."""

    def get_retry_decision(self, *, exception, job):
        delays = retry_delays()
        if job.attempts >= len(delays):
            return None
        return RetryDecision(retry_in={"seconds": delays[job.attempts]})


@app.task(queue="emails", retry=EmailRetry(), pass_context=True)
def send_email(context, email_id: int) -> str:
    """Deliver one queued e-mail (backend.mail.services.deliver)."""
    last_attempt = context.job.attempts >= len(retry_delays())
    return services.deliver(email_id, last_attempt=last_attempt)


@app.periodic(cron="29 3 * * *", periodic_id="purge-sent-emails")
@app.task(queue="periodic", queueing_lock="purge-sent-emails", pass_context=False)
def purge_sent_emails(timestamp: int) -> int:
    """Daily: sent and dropped e-mails older than EMAIL_KEPT_DAYS (failed ones stay until someone acts)."""
    return services.purge_old()
