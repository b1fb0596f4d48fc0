"""Backup and restore (issue 29, item 4): `backup` dumps the database and the attachments with a manifest;
`restore` puts them into a fresh, empty database and attachments folder — read back there: a booking, an
accelerator request with its attachment, a mentorship's thread. A damaged backup or a database that is not
empty restores nothing."""

import os
import subprocess
import sys
import uuid
from io import StringIO

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from backend.assembly.backup import DUMP, backup
from mentoring.accelerator import services
from mentoring.accelerator.permissions import STAFF_REPLY
from mentoring.models import AcceleratorRequest, Booking, BookingRole, Mentorship
from mentoring.services import coordination
from tests.daphne import PROJECT, server_database_url, server_env

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def url_of(name: str) -> str:
    return server_database_url(name)  # over TCP or the embedded server's socket


@pytest.fixture
def fresh_database():
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore(folder, database: str, media) -> subprocess.CompletedProcess:
    env = server_env(None, DATABASE_URL=url_of(database), MEDIA_ROOT=str(media))
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database(all_territories, tmp_path, settings, fresh_database):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", stdout=StringIO())
    booking = Booking.objects.filter(role=BookingRole.ATTENDEE).first()
    request = AcceleratorRequest.objects.order_by("pk").first()
    staff = request.assignee or services.staff_users()[0]

    from mentoring.accelerator.services.attachments import check, store, with_files

    checked = check([SimpleUploadedFile("modele-convention.pdf", PDF)])
    with_files(
        lambda stored: store(
            request,
            services.reply(request, staff, "Voici le modèle.", internal=False, rights=STAFF_REPLY),
            checked,
            staff,
            stored,
        )
    )
    attachment = request.attachments.get()
    mentorship = Mentorship.objects.select_related("hub").first()
    coordination.post_message(
        mentorship, mentorship.mentee.user, "Rendez-vous jeudi à la MSP ?", from_hub=False
    )

    folder = backup(tmp_path / "backups")
    media = tmp_path / "restored-media"
    done = restore(folder, fresh_database, media)
    assert done.returncode == 0, done.stderr
    assert "Restaurée" in done.stdout

    with psycopg.connect(url_of(fresh_database)) as db:
        assert db.execute(
            "SELECT slot_id, practitioner_id, status FROM mentoring_booking WHERE id = %s", [booking.pk]
        ).fetchone() == (booking.slot_id, booking.practitioner_id, booking.status)
        assert db.execute(
            "SELECT subject FROM mentoring_acceleratorrequest WHERE id = %s", [request.pk]
        ).fetchone() == (request.subject,)
        (path,) = db.execute(
            "SELECT file FROM mentoring_acceleratorattachment WHERE id = %s", [attachment.pk]
        ).fetchone()
        bodies = [row[0] for row in db.execute(
            "SELECT body FROM mentoring_mentorshipmessage WHERE mentorship_id = %s", [mentorship.pk]
        )]  # fmt: skip
    assert (media / path).read_bytes() == PDF
    assert "Rendez-vous jeudi à la MSP ?" in bodies

    # Never over data: the same backup again into the now full database is refused, and nothing changes.
    again = restore(folder, fresh_database, media)
    assert again.returncode != 0 and "La base n'est pas vide" in again.stderr


def test_a_damaged_backup_restores_nothing(tmp_path, fresh_database, db):
    folder = backup(tmp_path / "backups")
    with (folder / DUMP).open("ab") as dump:
        dump.write(b"\0")
    done = restore(folder, fresh_database, tmp_path / "media")
    assert done.returncode != 0 and "ne correspond pas au manifeste" in done.stderr
    with psycopg.connect(url_of(fresh_database)) as fresh:
        assert fresh.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    assert not os.path.exists(tmp_path / "media")
