"""Background jobs of mentoring (procrastinate): reminders, unstaffed turns, the requests digest, the
mentorship threads' quarter-hour digest.

Cron times are in UTC.
"""

from procrastinate.contrib.django import app

from .services import reminders


@app.periodic(cron="*/5 * * * *", periodic_id="booking-reminders")
@app.task(queue="periodic", queueing_lock="booking-reminders", pass_context=False)
def queue_booking_reminders(timestamp: int) -> int:
    """Every 5 minutes: reminders due 24 h and 1 h before bookings and rota turns."""
    return reminders.queue_booking_reminders()


@app.periodic(cron="7 * * * *", periodic_id="unstaffed-turns")
@app.task(queue="periodic", queueing_lock="unstaffed-turns", pass_context=False)
def announce_unstaffed_turns(timestamp: int) -> int:
    """Hourly: advanced consultations of the coming week that nobody staffs, told to the hub's coordinators."""
    return reminders.announce_unstaffed_turns()


@app.periodic(cron="0 6 * * 1-5", periodic_id="request-digests")
@app.task(queue="periodic", queueing_lock="request-digests", pass_context=False)
def send_request_digests(timestamp: int) -> int:
    """Business mornings (06:00 UTC: 7:00 or 8:00 in Paris): requests waiting for the hub's answer."""
    return reminders.send_request_digests()


@app.periodic(cron="*/15 * * * *", periodic_id="message-digests")
@app.task(queue="periodic", queueing_lock="message-digests", pass_context=False)
def send_message_digests(timestamp: int) -> int:
    """Every quarter-hour: one e-mail per mentorship thread with new messages, to the other side."""
    return reminders.send_message_digests()
