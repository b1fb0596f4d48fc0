"""The accelerator's knowledge base (app label `mentoring`; imported by mentoring/models.py): answers that Cnam
staff publish, edited and anonymised, for the next project holder with the same question."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone

from backend.core.db import QuickLoad
from network.models import Practitioner

from .models import AcceleratorRequest, Category

SEARCH_CONFIG = "fr_unaccent"  # French stemming with accents folded (migration 0015)


class Article(QuickLoad, models.Model):
    """An answer of the accelerator published for everyone: the question and its answer rewritten by Cnam
    staff, without anything that names the requester, dated, with who validated it."""

    title = models.CharField("titre", max_length=200)
    question = models.TextField("question")
    answer = models.TextField("réponse")
    category = models.CharField("catégorie", max_length=20, choices=Category.choices)
    source_request = models.ForeignKey(
        AcceleratorRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name="demande d'origine",
        help_text="Visible des agents de la Cnam seulement.",
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="validé par"
    )
    published_at = models.DateTimeField("publié le", default=timezone.now)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    # Kept by PostgreSQL: the title weighs most, then the question, then the answer.
    search_document = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("question", weight="B", config=SEARCH_CONFIG)
        + SearchVector("answer", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = "article de la base de connaissances"
        verbose_name_plural = "articles de la base de connaissances"
        ordering = ["-published_at", "-id"]
        indexes = [GinIndex(fields=["search_document"], name="article_search")]

    def __str__(self):
        return self.title


class ArticleRead(models.Model):
    """A signed-in practitioner opened an article — from the suggestions shown while writing a question, or
    not. The accelerator's statistics count the suggested ones that no question followed."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="reads", verbose_name="article"
    )
    reader = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="+", verbose_name="lecteur"
    )
    suggested = models.BooleanField("ouvert depuis une suggestion", default=False)
    read_at = models.DateTimeField("lu le", default=timezone.now)

    class Meta:
        verbose_name = "lecture d'article"
        verbose_name_plural = "lectures d'articles"
        indexes = [models.Index(fields=["read_at"], name="article_read_at")]

    def __str__(self):
        return f"{self.article_id} lu par {self.reader_id}"
