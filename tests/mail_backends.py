"""E-mail backends that misbehave the way real mail servers do, for the outbox tests."""

import os
import smtplib
import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Refuses the next `failures` messages (a server that is down), then accepts them into mail.outbox."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class StallingFileBackend(FileBackend):
    """Writes messages to EMAIL_FILE_PATH, but hangs before accepting while a file named STALL is there
    (a server that never answers): a worker can be killed in the middle of sending."""

    def send_messages(self, messages):
        while os.path.exists(os.path.join(self.file_path, "STALL")):
            time.sleep(0.05)
        return super().send_messages(messages)
