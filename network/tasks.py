"""Background jobs of the network directory (procrastinate)."""

from django.utils import timezone
from procrastinate.contrib.django import app

from .models import PendingRegistration


@app.periodic(cron="23 3 * * *", periodic_id="purge-pending-registrations")
@app.task(queue="periodic", queueing_lock="purge-pending-registrations", pass_context=False)
def purge_pending_registrations(timestamp: int) -> int:
    """Daily: sign-ups whose confirmation code has expired (nothing was created for them)."""
    deleted, _ = PendingRegistration.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
