"""The knowledge base over the API: published articles (public, searchable in French), the articles that may
answer a question being written, and Cnam staff's publishing."""

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.core.graphql import Field, enum_value, get_object
from backend.core.pagination import ConnectionField, CountableConnection, capped_list_first, check_first
from backend.core.permissions import Permission
from mentoring.accelerator.permissions import articles_visible_to
from mentoring.graphql.common import MentoringMutation
from network.permissions import viewer_for

from .. import selectors, services
from ..knowledge_models import Article as ArticleModel
from .enums import CategoryEnum
from .mutation_base import named_request

MAX_SUGGESTIONS = 5


class Article(DjangoObjectType):
    """An answer of the accelerator published for everyone: a question and its answer, edited and anonymised
    by Cnam staff."""

    class Meta:
        model = ArticleModel
        interfaces = (relay.Node,)
        fields = ("title", "question", "answer", "category", "published_at", "updated_at", "withdrawn_at")
        connection_class = CountableConnection

    title = graphene.String(required=True, description="Title.")
    question = graphene.String(required=True, description="The question, as edited.")
    answer = graphene.String(required=True, description="The answer.")
    category = graphene.Field(CategoryEnum, required=True, description="Its category.")
    published_at = graphene.DateTime(required=True, description="When it was first published.")
    updated_at = graphene.DateTime(required=True, description="Its last change.")
    withdrawn_at = graphene.DateTime(description="When it was withdrawn (Cnam staff alone see those).")
    validated_by = graphene.String(
        required=True, description="Who validated it at the accelerator (the latest to change it)."
    )

    @classmethod
    def get_queryset(cls, queryset, info):
        return articles_visible_to(queryset, viewer_for(info.context)).select_related("validated_by")

    def resolve_validated_by(self, info):
        user = self.validated_by
        return user.get_full_name() or "L'équipe de l'accélérateur"


class ArticleQueryFields(graphene.ObjectType):
    articles = ConnectionField(
        Article,
        search=graphene.String(
            description='Words in French (accents and endings ignored; "a phrase", -excluded, or).'
        ),
        category=CategoryEnum(description="Only this category."),
        description="The knowledge base: published articles, the best match of `search` first, else the newest.",
        permissions=[Permission.ANYONE],
    )
    suggested_articles = Field(
        graphene.List(graphene.NonNull(Article)),
        required=True,
        text=graphene.String(
            required=True,
            description="The question being written: its subject and text (the start is enough).",
        ),
        first=capped_list_first(3, MAX_SUGGESTIONS),
        description="Published articles that may answer a question being written, the most relevant first.",
        permissions=[Permission.ANYONE],
    )

    def resolve_articles(root, info, search=None, category=None, **kwargs):
        return selectors.articles(search, enum_value(category))

    def resolve_suggested_articles(root, info, text, first=3):
        first = check_first(first, "suggestedArticles", MAX_SUGGESTIONS)  # before any search
        return list(selectors.suggested_articles(text, first))


class ArticleMutation(MentoringMutation):
    class Meta:
        abstract = True

    article = graphene.Field(Article, description="The article.")


class SaveArticle(ArticleMutation):
    """Publish an article (no `id`; from a request with `requestId`) or change one. Refused if a field names
    or reaches a person (e-mail, telephone, social security number, date of birth, a name after a civility).
    Whoever saves it is recorded as having validated it. Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(description="Global ID of the article, to change it.")
        request_id = graphene.ID(description="Global ID of the request it comes from (staff alone see it).")
        title = graphene.String(required=True, description="Title.")
        question = graphene.String(required=True, description="The question, edited and anonymised.")
        answer = graphene.String(required=True, description="The answer.")
        category = CategoryEnum(required=True, description="Its category.")

    @classmethod
    def perform(cls, root, info, title, question, answer, category, id=None, request_id=None):
        article = get_object(id, ArticleModel, "Article", "id") if id else None
        source = named_request(request_id) if request_id and article is None else None
        saved = services.save_article(
            article,
            info.context.user,
            title=title,
            question=question,
            answer=answer,
            category=enum_value(category),
            source_request=source,
        )
        return cls(article=saved, errors=[])


class WithdrawArticle(ArticleMutation):
    """Take an article off the knowledge base. Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the article.")

    @classmethod
    def perform(cls, root, info, id):
        article = get_object(id, ArticleModel, "Article", "id")
        return cls(article=services.withdraw_article(article, info.context.user), errors=[])


class RecordArticleRead(ArticleMutation):
    """Say that the signed-in practitioner opened an article — `suggested` when from the suggestions shown
    while writing a question: the accelerator's statistics count those that no question followed."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the article.")
        suggested = graphene.Boolean(default_value=False, description="Opened from a suggestion.")

    @classmethod
    def perform(cls, root, info, id, suggested=False):
        viewer = viewer_for(info.context)
        article = get_object(id, ArticleModel, "Article", "id", selectors.published_articles())
        services.record_read(article, viewer.practitioner, suggested=suggested)
        return cls(article=article, errors=[])


class ArticleMutationFields(graphene.ObjectType):
    save_article = SaveArticle.Field()
    withdraw_article = WithdrawArticle.Field()
    record_article_read = RecordArticleRead.Field()


__all__ = ["Article", "ArticleMutationFields", "ArticleQueryFields"]
