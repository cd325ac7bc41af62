"""The knowledge base: articles the shared service writes for every council or chosen ones.

An article is a record for chosen councils (core.tenancy.records.AudienceModel, decision
0015): the councils it is for read it once it is published; the shared service's desk staff
(area ``knowledge``) write, publish and retire it and see drafts and retired ones too. No
council role sees a draft or a retired article: what it says is not yet, or no longer, the
service's word. Articles are linked to the tickets they helped with (`ArticleLink`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from core.search import Searchable
from core.tenancy.access import access_for
from core.tenancy.records import AudienceModel, PartnerOwnedModel
from servicedesk.choices import ArticleStatus
from servicedesk.models.setup import Category, Service


class KnowledgeArticle(AudienceModel):
    """How to do something, or get round something, written once for the councils it helps."""

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(
        max_length=20, editable=False, help_text="KB0001234: numbered across the service."
    )
    title = models.CharField(max_length=200, help_text="What people would search for.")
    summary = models.CharField(
        max_length=300, blank=True, help_text="One or two sentences: what it helps with."
    )
    body = models.TextField(
        help_text="The article. Blank lines start new paragraphs; lines starting “- ” are "
        "shown as a list."
    )
    keywords = models.CharField(
        max_length=300,
        blank=True,
        help_text="Other words people use for it, separated by commas (VPN, remote access).",
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    author = models.ForeignKey(
        "tenancy.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="Who wrote it.",
    )
    review_on = models.DateField(
        null=True, blank=True, help_text="When it should be read again to check it still holds."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    area: ClassVar[str] = "knowledge"
    #: Full-text search (core.search): a help article answers a question, so it ranks before
    #: records that only mention its words (twice the rank of a kind without a boost).
    search: ClassVar[Searchable] = Searchable(
        title=("reference", "title"), body=("summary", "keywords", "body"), boost=2.0
    )
    noun: ClassVar[str | None] = "knowledge article"
    noun_plural: ClassVar[str | None] = "knowledge articles"

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                name="article_unique_reference",
                violation_error_message="A knowledge article with this reference already exists",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "title", "id"], name="article_status_title"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @staticmethod
    def format_reference(number: int) -> str:
        return f"KB{number:07d}"

    @classmethod
    def visibility_filter(cls, user: Any, action: str = "view") -> Q | None:
        """The councils' people see the published articles for their councils; those who may
        write articles in every council (the desk) see drafts and retired ones too."""
        condition = super().visibility_filter(user, action)
        if condition is None:
            return None
        if access_for(user).partner_ids("change", cls.area) is None:
            return condition
        return condition & Q(status=ArticleStatus.PUBLISHED)

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleLink(PartnerOwnedModel):
    """A knowledge article linked to a ticket it helped with (the ticket's council's record)."""

    ticket = models.ForeignKey("servicedesk.Ticket", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(KnowledgeArticle, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )

    area: ClassVar[str] = "servicedesk"
    attachable: ClassVar[bool] = False
    # A requester sees the articles linked to their own tickets.
    own_fields: ClassVar[tuple[str, ...]] = ("ticket__requester", "ticket__contact")
    without_family: ClassVar[str] = (
        "a part of a ticket, made and shown on the ticket's page and in its API "
        "(servicedesk/tests/test_knowledge.py)"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "article"],
                name="articlelink_unique",
                violation_error_message="This article is already linked to the ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} on {self.ticket_id}"
