"""The knowledge base's rules, for pages, API, the portal and imports alike: writing an article
(numbered KB0000001 across the service, its author kept), moving it between draft, published
and retired (dated, and only by the moves `ARTICLE_MOVES` allows), linking it to the tickets it
helped with, and finding the published articles that match what a person types."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.numbering import next_number
from core.search import SearchQueryError, ranked
from core.services import set_audience
from core.tenancy.access import CHANGE, VIEW, access_for
from servicedesk.choices import ARTICLE_MOVES, ArticleStatus
from servicedesk.models import ArticleLink, KnowledgeArticle, Ticket

#: How many articles a suggestion offers.
SUGGESTIONS = 5
#: Words too common to say anything about what a person needs.
_STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "do",
        "does",
        "for",
        "from",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "please",
        "the",
        "their",
        "there",
        "this",
        "to",
        "up",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)


def stored_status(article: KnowledgeArticle) -> str | None:
    """The status the article has in the database (None for a new one)."""
    if article.pk is None:
        return None
    return (
        KnowledgeArticle.objects.unscoped("the status an article is moving from")
        .filter(pk=article.pk)
        .values_list("status", flat=True)
        .first()
    )


@transaction.atomic
def save_article(
    article: KnowledgeArticle, councils: Any = None, *, by: Any = None
) -> KnowledgeArticle:
    """Save an article written or edited in a page or the API (its fields already set), with
    the councils it is for (None: as they are).

    A new article is numbered and its author kept; a move of status must be one
    `ARTICLE_MOVES` allows (a new article starts as a draft or is published at once), is dated
    (``published_at``, ``retired_at``) and is in the change log with the rest of the edit.
    """
    creating = article.pk is None
    before = stored_status(article)
    status = article.status
    if creating:
        if status not in (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED):
            raise ValidationError({"status": "A new article is a draft or is published at once"})
        article.number = next_number("servicedesk.knowledgearticle")
        article.reference = KnowledgeArticle.format_reference(article.number)
        if by is not None and getattr(by, "pk", None):
            article.author = by
    elif before is not None and status != before and status not in ARTICLE_MOVES[before]:
        labels = dict(ArticleStatus.choices)
        raise ValidationError(
            {
                "status": f"A {str(labels[before]).lower()} article cannot be made "
                f"{str(labels[status]).lower()}: make it a draft first"
            }
        )
    now = timezone.now()
    if status == ArticleStatus.PUBLISHED and before != ArticleStatus.PUBLISHED:
        article.published_at = now
        article.retired_at = None
    elif status == ArticleStatus.RETIRED and before != ArticleStatus.RETIRED:
        article.retired_at = now
    elif status == ArticleStatus.DRAFT:
        article.retired_at = None
    article.full_clean(exclude=["number", "reference", "author"])
    article.save()
    if councils is not None or creating:
        set_audience(article, list(councils or ()))
    return article


def move_article(article: KnowledgeArticle, status: str, *, by: Any = None) -> KnowledgeArticle:
    """Publish, retire or make a draft again (`save_article`'s rules)."""
    article.status = status
    return save_article(article, by=by)


# Tickets ----------------------------------------------------------------------------------


def may_link(user: Any, ticket: Ticket) -> bool:
    """Whether `user` may link articles to `ticket`: those who work it (change it, not as its
    requester) and may read the knowledge base."""
    access = access_for(user)
    return access.can(CHANGE, Ticket.area, ticket.owning_partner_ids()) and access.can(
        VIEW, KnowledgeArticle.area, ticket.owning_partner_ids()
    )


@transaction.atomic
def link_article(ticket: Ticket, article: KnowledgeArticle, *, by: Any) -> ArticleLink:
    """Link a published article for the ticket's council to the ticket (once)."""
    if not article.is_published:
        raise ValidationError({"article": "Only a published article can be linked to a ticket"})
    if not (article.for_all_councils or ticket.partner_id in article.owning_partner_ids()):
        raise ValidationError(
            {"article": f"{article.reference} is not for {ticket.partner}: it cannot help here"}
        )
    existing = (
        ArticleLink.objects.unscoped("one link per article and ticket")
        .filter(ticket=ticket, article=article)
        .first()
    )
    if existing is not None:
        return existing
    return ArticleLink.objects.create(
        partner_id=ticket.partner_id, ticket=ticket, article=article, linked_by=by
    )


def articles_linked_to(ticket: Ticket, user: Any) -> list[KnowledgeArticle]:
    """The articles linked to `ticket` that `user` may read (the link and the article both
    through the visibility rule: a requester sees the published ones on their own ticket)."""
    links = ArticleLink.objects.visible_to(user).filter(ticket=ticket).values("article_id")
    return list(KnowledgeArticle.objects.visible_to(user).filter(pk__in=links).order_by("title"))


# Suggestions ----------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    """The words of `text` worth matching: letters and digits, lower case, not too common."""
    found = re.findall(r"[^\W_]+", (text or "").lower())
    return [w for w in dict.fromkeys(found) if len(w) > 1 and w not in _STOP_WORDS][:12]


def suggest_articles(
    user: Any, text: str, partner: Any = None, limit: int = SUGGESTIONS
) -> list[KnowledgeArticle]:
    """Published articles `user` may read that match the words of `text` (a subject being
    typed), best first, through the one full-text search (core.search, decision 0018): an
    article matches on any of the words worth matching (`words_of`), and ranks the higher
    the more of them it has, in its title above its summary, keywords and body. With
    `partner`, only those for that council."""
    words = words_of(text)
    if not words:
        return []
    candidates: QuerySet[KnowledgeArticle] = KnowledgeArticle.objects.visible_to(user).filter(
        status=ArticleStatus.PUBLISHED
    )
    if partner is not None:
        candidates = candidates.filter(KnowledgeArticle.ownership_filter([partner.pk]) or Q())
    try:
        found = ranked(user, candidates, " ".join(words), any_word=True)
    except SearchQueryError:
        return []
    return list(found[:limit])
