"""Background jobs of accounts (procrastinate)."""

from procrastinate.contrib.django import app

from .services import purge_expired


@app.periodic(cron="17 3 * * *", periodic_id="purge-expired-credentials")
@app.task(queue="periodic", queueing_lock="purge-expired-credentials", pass_context=False)
def purge_expired_credentials(timestamp: int) -> int:
    """Daily: expired or revoked tokens, old failed-login records."""
    return purge_expired()
