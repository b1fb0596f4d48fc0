"""The knowledge base: Cnam staff publish a question's answer as an article — edited, anonymised, categorised,
dated, with who validated it — and practitioners' reads of them are counted (those opened from the
suggestions shown while writing a question tell whether an article spared a question)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import domain_error, required_text
from mentoring.services import anonymity

from ..knowledge_models import Article, ArticleRead
from ..models import Category
from .recording import MAX_BODY


def _identifiers(text: str) -> ValidationError | None:
    found = anonymity.identifiers_in(text)
    if not found:
        return None
    kinds = list(dict.fromkeys(item.what for item in found))
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " et " + kinds[-1]
    quoted = ", ".join(f"« {item.text} »" for item in found[:5])
    return ValidationError(
        f"Anonymisez l'article : il contient {listed} ({quoted}). Un article est public : retirez ce qui "
        "permettrait de reconnaître le demandeur, un patient ou un tiers.",
        code=Code.INVALID,
    )


@transaction.atomic
def save_article(
    article: Article | None,
    actor,
    *,
    title: str,
    question: str,
    answer: str,
    category: str,
    source_request=None,
) -> Article:
    """Publish an article (no `article`) or change one; `actor`, a Cnam agent, is who validated it — the
    latest to change it. Refused with a French reason per field: empty, too long, an unknown category, or
    anything that identifies a person (e-mail, telephone, social security number, date of birth, a name
    after a civility)."""
    article = article or Article(source_request=source_request)
    errors = {}
    for name, value, label, limit in (
        ("title", title, "Le titre", 200),
        ("question", question, "La question", MAX_BODY),
        ("answer", answer, "La réponse", MAX_BODY),
    ):
        try:
            value = required_text(value, name, label, limit)
        except ValidationError as exc:
            errors.update(exc.error_dict)
            continue
        refused = _identifiers(value)
        if refused:
            errors[name] = refused
        setattr(article, name, value)
    if category not in Category.values:
        errors["category"] = ValidationError("Catégorie inconnue.", code=Code.INVALID)
    if errors:
        raise ValidationError(errors)
    article.category = category
    article.validated_by = actor
    article.save()
    return article


@transaction.atomic
def withdraw_article(article: Article, actor) -> Article:
    """Take an article off the knowledge base (it stays, withdrawn, with its reads)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.withdrawn_at is not None:
        raise domain_error(Code.INVALID, "Cet article est déjà retiré.")
    article.withdrawn_at = timezone.now()
    article.validated_by = actor
    article.save(update_fields=["withdrawn_at", "validated_by", "updated_at"])
    return article


def record_read(article: Article, practitioner, *, suggested: bool) -> ArticleRead | None:
    """A practitioner opened a published article (`suggested`: from the suggestions shown while writing a
    question). Nothing is recorded for someone who is not a practitioner: only a practitioner can ask."""
    if practitioner is None or article.withdrawn_at is not None:
        return None
    return ArticleRead.objects.create(article=article, reader=practitioner, suggested=suggested)
