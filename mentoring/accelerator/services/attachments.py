"""Files on a question, a public reply or a note: checked (count, size, type read from the content, which
must agree with the name's extension), stored through Django's storage API, and removed again when the
change that brought them fails, so that nothing is half-stored.

Downloads go through the app (mentoring/views.py: accelerator_attachment) with a link signed for one user
and a few minutes, and the visibility of the message is checked again at download.
"""

import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from mentoring.accelerator.permissions import ACCELERATOR_STAFF

from ...errors import MentoringErrorCode, domain_error
from ..models import AcceleratorAttachment, State

# What a project holder sends: documents, spreadsheets, scans. Extension → the types its content may have.
ALLOWED = {
    ".pdf": {"application/pdf"},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    ".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    ".pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    ".odt": {"application/vnd.oasis.opendocument.text"},
    ".ods": {"application/vnd.oasis.opendocument.spreadsheet"},
    ".txt": {"text/plain"},
    ".csv": {"text/csv", "text/plain"},
}
OOXML = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
SALT = "accelerator-attachment"


def limits() -> dict:
    return settings.ACCELERATOR_ATTACHMENTS


@dataclass
class Checked:
    upload: object
    name: str
    content_type: str
    size: int


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo"


def _content_type(upload, extension: str) -> str | None:
    """The type the content shows (None: not one we accept)."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if extension in OOXML or extension in (".odt", ".ods"):
        try:
            ok = _archive_of_kind(upload, extension)
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError, zlib.error):
            ok = False
        finally:
            upload.seek(0)
        return next(iter(ALLOWED[extension])) if ok else None
    if kind is not None:
        return kind.mime
    if extension in (".txt", ".csv") and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return None
        return "text/csv" if extension == ".csv" else "text/plain"
    return None


# An OpenDocument's `mimetype` member is its type, some 40 bytes, stored uncompressed.
MIMETYPE_MAX_BYTES = 100


class ArchiveRefused(Exception):
    """A zip refused for what unpacking it would cost (its reason, in French)."""


def _archive_of_kind(upload, extension: str) -> bool:
    """Whether the zip is a document of that kind, read from its directory and at most a few bytes of one
    member: no member is ever decompressed whole. Before (issue 24), an .odt whose `mimetype` was its type then
    400 MiB of spaces (a 408 KB upload) took 1.1 GB of memory to read, and was accepted."""
    conf = limits()
    with zipfile.ZipFile(upload) as archive:
        members = archive.infolist()
        if len(members) > conf["MAX_ARCHIVE_MEMBERS"]:
            raise ArchiveRefused(
                f"{len(members)} éléments dans l'archive, pour {conf['MAX_ARCHIVE_MEMBERS']} au plus"
            )
        if sum(member.file_size for member in members) > conf["MAX_UNPACKED_BYTES"]:
            raise ArchiveRefused(f"son contenu décompressé dépasse {_megabytes(conf['MAX_UNPACKED_BYTES'])}")
        names = {member.filename for member in members}
        if extension in OOXML:
            return "[Content_Types].xml" in names and any(n.startswith(OOXML[extension]) for n in names)
        mimetype = archive.getinfo("mimetype")
        if mimetype.file_size > MIMETYPE_MAX_BYTES:
            return False
        with archive.open(mimetype) as member:  # read as far as the declared size, never further
            declared = member.read(MIMETYPE_MAX_BYTES + 1)
        return (
            len(declared) <= MIMETYPE_MAX_BYTES and declared.decode("ascii", "replace") in ALLOWED[extension]
        )


def check(files) -> list[Checked]:
    """The uploads, if each is acceptable; else a French error naming the file, and nothing is stored."""
    files = list(files or [])
    conf = limits()
    if len(files) > conf["MAX_FILES"]:
        raise domain_error(MentoringErrorCode.INVALID, f"{conf['MAX_FILES']} fichiers au plus.", "files")
    total, checked = 0, []
    for upload in files:
        name = PurePosixPath(str(getattr(upload, "name", "") or "fichier")).name[:200]
        size = int(getattr(upload, "size", 0) or 0)
        total += size
        if size == 0:
            raise domain_error(MentoringErrorCode.INVALID, f"« {name} » est vide.", "files")
        if size > conf["MAX_FILE_BYTES"]:
            raise domain_error(
                MentoringErrorCode.INVALID,
                f"« {name} » dépasse {_megabytes(conf['MAX_FILE_BYTES'])} par fichier.",
                "files",
            )
        extension = PurePosixPath(name.lower()).suffix
        if extension not in ALLOWED:
            raise domain_error(
                MentoringErrorCode.INVALID,
                f"« {name} » : type de fichier non accepté (PDF, images PNG ou JPEG, documents Word, Excel, "
                "PowerPoint ou OpenDocument, texte ou CSV).",
                "files",
            )
        try:
            content_type = _content_type(upload, extension)
        except ArchiveRefused as refused:
            raise domain_error(MentoringErrorCode.INVALID, f"« {name} » : {refused}.", "files") from None
        if content_type is None or content_type not in ALLOWED[extension]:
            raise domain_error(
                MentoringErrorCode.INVALID,
                f"« {name} » : son contenu ne correspond pas à un fichier {extension[1:].upper()}.",
                "files",
            )
        checked.append(Checked(upload, name, content_type, size))
    if total > conf["MAX_REQUEST_BYTES"]:
        raise domain_error(
            MentoringErrorCode.INVALID,
            f"Les fichiers dépassent {_megabytes(conf['MAX_REQUEST_BYTES'])} ensemble.",
            "files",
        )
    return checked


class Stored(list):
    """The attachments stored by a change; `forget()` deletes their files (the change failed)."""

    def forget(self) -> None:
        for attachment in self:
            attachment.file.storage.delete(attachment.file.name)


CLOSED_STATES = {State.CLOSED, State.MERGED}


def store(request, message, checked: list[Checked], user, stored: Stored) -> None:
    """Store checked files on the request (or one of its messages) into `stored`. The caller runs its whole
    change in `with_files`, which deletes the files again if the change fails after they were written.

    Refused: files on a request that was closed or merged when they were sent; files past the sender's quota
    (`MAX_BYTES_PER_USER`, all their files together; Cnam staff have none), counted under a lock on the
    sender's account so that simultaneous uploads cannot pass it together."""
    if not checked:
        return
    if request.state in CLOSED_STATES:
        raise domain_error(
            MentoringErrorCode.INVALID,
            "Cette demande est clôturée : elle ne reçoit plus de fichiers. Posez une nouvelle question.",
            "files",
        )
    if not user.has_perm(ACCELERATOR_STAFF):
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        used = (
            AcceleratorAttachment.objects.filter(uploaded_by=user).aggregate(total=Sum("size"))["total"] or 0
        )
        quota = limits()["MAX_BYTES_PER_USER"]
        if used + sum(item.size for item in checked) > quota:
            raise domain_error(
                MentoringErrorCode.INVALID,
                f"Vos fichiers dépasseraient {_megabytes(quota)} au total (vous en avez déjà {_megabytes(used)}). "
                "Envoyez des documents plus légers ou écrivez à l'équipe de l'accélérateur.",
                "files",
            )
    for item in checked:
        attachment = AcceleratorAttachment(
            request=request, message=message, name=item.name, content_type=item.content_type,
            size=item.size, uploaded_by=user,
        )  # fmt: skip
        item.upload.seek(0)
        attachment.file.save(item.name, item.upload, save=False)
        stored.append(attachment)
        attachment.save()


def with_files(change):
    """Run `change(stored)` in a transaction; if it raises, the files it stored are deleted (no file without
    its row). Their rows go with the transaction."""
    stored = Stored()
    try:
        with transaction.atomic():
            return change(stored)
    except BaseException:
        stored.forget()
        raise


def link_token(attachment: AcceleratorAttachment, user) -> str:
    return signing.dumps({"a": attachment.pk, "u": user.pk}, salt=SALT, compress=True)


def read_token(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=SALT, max_age=limits()["LINK_SECONDS"])
    except signing.BadSignature:
        return None


def purge_orphans(older_than_seconds: int = 3600) -> int:
    """Delete stored files that no attachment row names (a change whose commit failed after its files were
    written), once they are older than `older_than_seconds`; return how many. Works through the storage
    API (local directory or S3-compatible store)."""
    root = "accelerator"
    if not default_storage.exists(root):
        return 0
    limit = timezone.now() - timedelta(seconds=older_than_seconds)
    known = set(AcceleratorAttachment.objects.values_list("file", flat=True))
    purged = 0
    folders, _ = default_storage.listdir(root)
    for folder in folders:
        _, names = default_storage.listdir(f"{root}/{folder}")
        for name in names:
            path = f"{root}/{folder}/{name}"
            if path in known:
                continue
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
                purged += 1
    return purged
