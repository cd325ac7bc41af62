"""Pages of the knowledge base: the generic pages of articles (written by the desk, read by the
councils they are for once published), an article's text drawn as paragraphs and lists, and
linking an article to a ticket from the ticket's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.tables import display_value
from core.tenancy.access import access_for
from core.views.generic import ModelViews
from servicedesk import knowledge
from servicedesk.filtersets import KnowledgeArticleFilterSet
from servicedesk.forms import KnowledgeArticleForm, LinkArticleForm
from servicedesk.models import KnowledgeArticle, Ticket
from servicedesk.tables import KnowledgeArticleTable


def article_blocks(text: str) -> list[tuple[str, Any]]:
    """An article's text as blocks to draw: ("p", text) for a paragraph (lines kept), ("ul",
    [item, ...]) for lines starting "- " or "* ". Text only: the template escapes it."""
    blocks: list[tuple[str, Any]] = []
    for chunk in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in chunk.strip("\n").split("\n") if line.strip()]
        if not lines:
            continue
        items: list[str] = []
        paragraph: list[str] = []
        for line in lines:
            stripped = line.lstrip()
            if stripped[:2] in ("- ", "* "):
                if paragraph:
                    blocks.append(("p", "\n".join(paragraph)))
                    paragraph = []
                items.append(stripped[2:].strip())
            else:
                if items:
                    blocks.append(("ul", items))
                    items = []
                paragraph.append(line)
        if paragraph:
            blocks.append(("p", "\n".join(paragraph)))
        if items:
            blocks.append(("ul", items))
    return blocks


class KnowledgeArticleViews(ModelViews):
    """The knowledge base: articles for every council or chosen ones."""

    model = KnowledgeArticle
    filterset_class = KnowledgeArticleFilterSet
    table_class = KnowledgeArticleTable
    form_class = KnowledgeArticleForm
    nav_label = "Knowledge base"
    nav_order = 7

    @classmethod
    def save_form(cls, form: Any, request: HttpRequest, creating: bool) -> Any:
        councils = form.audience if form.audience_fields else None
        return knowledge.save_article(form.instance, councils, by=request.user)

    @classmethod
    def detail_rows(cls, obj: Any, request: HttpRequest) -> list[tuple[str, SafeString]]:
        def show(name: str) -> SafeString:
            return display_value(getattr(obj, name), KnowledgeArticle._meta.get_field(name), obj)

        rows = [("Reference", format_html("{}", obj.reference))]
        if obj.summary:
            rows.append(("Summary", show("summary")))
        rows += [("Category", show("category")), ("Service", show("service"))]
        if obj.keywords:
            rows.append(("Also known as", show("keywords")))
        if access_for(request.user).partner_ids("change", KnowledgeArticle.area) is None:
            # The desk's own facts about the article; the councils read the published text.
            rows += [
                ("Status", show("status")),
                ("Written by", show("author")),
                ("Review by", show("review_on")),
                ("Retired", show("retired_at")),
            ]
        rows.append(("Published", show("published_at")))
        return rows

    @classmethod
    def detail_context(cls, obj: Any, request: HttpRequest) -> dict[str, Any]:
        return {"article_blocks": article_blocks(obj.body)}


def ticket_knowledge_context(ticket: Ticket, request: HttpRequest) -> dict[str, Any]:
    """What a ticket's page shows of the knowledge base: the articles linked to it that the
    reader may read and, for those who work the ticket, a form to link one and the published
    articles that match its subject."""
    user = request.user
    context: dict[str, Any] = {"linked_articles": knowledge.articles_linked_to(ticket, user)}
    if knowledge.may_link(user, ticket):
        linked = {a.pk for a in context["linked_articles"]}
        context["link_article_form"] = LinkArticleForm(user=user, ticket=ticket)
        context["suggested_articles"] = [
            a
            for a in knowledge.suggest_articles(user, ticket.subject, partner=ticket.partner)
            if a.pk not in linked
        ]
    return context
