"""Tags staff put on requests: created, renamed, merged (the requests of one go to the other), set on a request
(kept in its audit trail)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ...errors import MentoringErrorCode, domain_error
from .. import events
from ..models import AcceleratorRequest, AcceleratorTag
from .recording import audit, lock

MAX_TAGS = 20


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise domain_error(MentoringErrorCode.REQUIRED, "Le nom de l'étiquette est obligatoire.", "name")
    if len(name) > 60:
        raise domain_error(MentoringErrorCode.INVALID, "60 caractères au plus.", "name")
    return name


def _unique(save):
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        raise domain_error(MentoringErrorCode.INVALID, "Une étiquette porte déjà ce nom.", "name") from None


@transaction.atomic
def create_tag(name: str) -> AcceleratorTag:
    name = _name(name)
    return _unique(lambda: AcceleratorTag.objects.create(name=name))


@transaction.atomic
def rename_tag(tag: AcceleratorTag, name: str) -> AcceleratorTag:
    tag = AcceleratorTag.objects.select_for_update().get(pk=tag.pk)
    tag.name = _name(name)
    _unique(lambda: tag.save(update_fields=["name"]))
    return tag


@transaction.atomic
def merge_tags(source: AcceleratorTag, target: AcceleratorTag) -> AcceleratorTag:
    """The requests tagged `source` are tagged `target`; `source` is deleted."""
    if source.pk == target.pk:
        raise ValidationError(
            ValidationError("Choisissez deux étiquettes différentes.", code=MentoringErrorCode.INVALID)
        )
    first, second = sorted([source.pk, target.pk])
    locked = {t.pk: t for t in AcceleratorTag.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    Through = AcceleratorRequest.tags.through
    tagged = Through.objects.filter(acceleratortag_id=source.pk).values_list(
        "acceleratorrequest_id", flat=True
    )
    already = set(
        Through.objects.filter(acceleratortag_id=target.pk).values_list("acceleratorrequest_id", flat=True)
    )
    Through.objects.bulk_create(
        [Through(acceleratorrequest_id=pk, acceleratortag_id=target.pk) for pk in tagged if pk not in already]
    )
    source.delete()
    return target


@transaction.atomic
def set_tags(request: AcceleratorRequest, actor, tags: list[AcceleratorTag]) -> AcceleratorRequest:
    """The request's tags become `tags` (the change in its audit trail)."""
    request = lock(request)
    tags = list({tag.pk: tag for tag in tags}.values())
    if len(tags) > MAX_TAGS:
        raise domain_error(MentoringErrorCode.INVALID, f"{MAX_TAGS} étiquettes au plus.", "tag_ids")
    before = sorted(t.name for t in request.tags.all())
    after = sorted(t.name for t in tags)
    if before != after:
        request.tags.set(tags)
        audit(request, actor, "tags", ", ".join(before), ", ".join(after))
        # Tags are staff's: the queue hears of it, not the request's other watchers.
        events.QUEUE.publish(
            "staff", request=request.pk, kind=events.EventKind.TAGS, message=None, internal=True, ars=False
        )
    return request
