"""The knowledge base: who reads which article (published, for their council), how an article
moves between draft, published and retired, linking articles to tickets (pages and API), and
the suggestions that match what a person types. The generic family (test_generic.py,
TestKnowledgeArticle) covers the rest of the pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.tenancy.scoping import system_scope
from servicedesk import knowledge, services
from servicedesk.choices import ArticleStatus
from servicedesk.knowledge_views import article_blocks
from servicedesk.models import ArticleLink, KnowledgeArticle, Ticket

pytestmark = pytest.mark.django_db


def article(
    title: str,
    councils: Any = (),
    *,
    status: str = ArticleStatus.PUBLISHED,
    for_all: bool = False,
    keywords: str = "",
    body: str = "Do this, then that.",
) -> KnowledgeArticle:
    with system_scope("test"):
        made = KnowledgeArticle(
            title=title, body=body, status=status, keywords=keywords, for_all_councils=for_all
        )
        return knowledge.save_article(made, list(councils))


def ticket(cast: Any, partner: Any, subject: str = "VPN will not connect") -> Ticket:
    requester = cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff
    with system_scope("test"):
        return services.raise_ticket(partner=partner, requester=requester, subject=subject)


def visible_titles(user: Any) -> set[str]:
    return set(KnowledgeArticle.objects.visible_to(user).values_list("title", flat=True))


# Who reads what ------------------------------------------------------------------------------


def test_councils_read_published_articles_for_them_and_the_desk_reads_every_one(cast):
    article("WCC printers", [cast.wcc])
    article("Everyone's VPN", for_all=True)
    article("Draft for WCC", [cast.wcc], status=ArticleStatus.DRAFT)
    retired = article("Old phones", [cast.wcc])
    with system_scope("test"):
        knowledge.move_article(retired, ArticleStatus.RETIRED)
    assert visible_titles(cast.wcc_staff) == {"WCC printers", "Everyone's VPN"}
    assert visible_titles(cast.wcc_lead) == {"WCC printers", "Everyone's VPN"}
    assert visible_titles(cast.rbkc_staff) == {"Everyone's VPN"}
    assert visible_titles(cast.agent) == {
        "WCC printers",
        "Everyone's VPN",
        "Draft for WCC",
        "Old phones",
    }


def test_a_draft_is_a_404_to_the_councils_it_is_for(cast, client_for, api_client_for):
    draft = article("Draft for WCC", [cast.wcc], status=ArticleStatus.DRAFT)
    for user in (cast.wcc_staff, cast.wcc_lead, cast.rbkc_lead):
        assert client_for(user).get(f"/knowledge-articles/{draft.pk}/").status_code == 404
        assert (
            api_client_for(user).get(f"/api/v1/knowledge-articles/{draft.pk}/").status_code == 404
        )
    assert client_for(cast.agent).get(f"/knowledge-articles/{draft.pk}/").status_code == 200


def test_the_article_page_draws_paragraphs_and_lists_and_escapes_markup(cast, client_for):
    made = article(
        "VPN",
        [cast.wcc],
        body="Open the client.\nIt is blue.\n\n- Sign in\n- Choose <script>x</script>",
    )
    page = client_for(cast.wcc_staff).get(f"/knowledge-articles/{made.pk}/").content.decode()
    assert '<ul class="govuk-list govuk-list--bullet"><li>Sign in</li>' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x</script>" not in page
    # The desk's own facts are not the councils'.
    assert "Written by" not in page
    assert (
        "Written by"
        in client_for(cast.agent).get(f"/knowledge-articles/{made.pk}/").content.decode()
    )


def test_article_blocks():
    assert article_blocks("One\ntwo\n\n\n* a\n* b\nafter") == [
        ("p", "One\ntwo"),
        ("ul", ["a", "b"]),
        ("p", "after"),
    ]
    assert article_blocks("") == []


# Moves ---------------------------------------------------------------------------------------


def test_articles_are_numbered_across_the_service_and_moves_are_dated(cast):
    first = article("One", [cast.wcc], status=ArticleStatus.DRAFT)
    second = article("Two", [cast.rbkc])
    assert (first.reference, second.reference) == ("KB0000001", "KB0000002")
    assert first.published_at is None and second.published_at is not None
    with system_scope("test"):
        knowledge.move_article(first, ArticleStatus.PUBLISHED)
        assert first.published_at is not None
        knowledge.move_article(first, ArticleStatus.RETIRED)
        assert first.retired_at is not None
        with pytest.raises(ValidationError) as refused:
            knowledge.move_article(first, ArticleStatus.PUBLISHED)
    assert "make it a draft first" in refused.value.message_dict["status"][0]
    with system_scope("test"):
        first.refresh_from_db()
        assert first.status == ArticleStatus.RETIRED
        knowledge.move_article(first, ArticleStatus.DRAFT)
        assert first.retired_at is None


def test_a_new_article_is_a_draft_or_published(cast, api_client_for):
    response = api_client_for(cast.agent).post(
        "/api/v1/knowledge-articles/",
        {"title": "Gone", "body": "x", "status": "retired", "councils": ["wcc"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    with system_scope("test"):
        assert not KnowledgeArticle.objects.exists()


def test_the_api_moves_an_article_and_refuses_a_bad_move(cast, api_client_for):
    client = api_client_for(cast.agent)
    made = client.post(
        "/api/v1/knowledge-articles/",
        {
            "title": "VPN",
            "body": "Open the client.",
            "councils": ["wcc"],
            "for_all_councils": False,
        },
        format="json",
    ).json()
    assert made["reference"].startswith("KB") and made["status"] == "draft"
    assert made["author"] == cast.agent.username
    url = f"/api/v1/knowledge-articles/{made['id']}/"
    assert client.patch(url, {"status": "retired"}, format="json").json()["retired_at"]
    response = client.patch(url, {"status": "published"}, format="json")
    assert response.status_code == 400
    assert "draft first" in response.json()["errors"][0]["message"]


# Tickets -------------------------------------------------------------------------------------


def test_the_desk_links_an_article_and_the_requester_reads_it_on_their_ticket(cast, client_for):
    vpn = article("Connecting to the VPN", [cast.wcc], keywords="remote access")
    other = article("RBKC only", [cast.rbkc])
    raised = ticket(cast, cast.wcc)
    agent = client_for(cast.agent)
    page = agent.get(f"/tickets/{raised.pk}/").content.decode()
    # Suggested by the ticket's subject, offered in the form, never another council's article.
    assert "Articles that may help" in page and "Connecting to the VPN" in page
    assert "RBKC only" not in page
    response = agent.post(f"/tickets/{raised.pk}/link_article/", {"article": other.pk})
    assert response.status_code == 400
    response = agent.post(f"/tickets/{raised.pk}/link_article/", {"article": vpn.pk})
    assert response.status_code == 302
    with system_scope("test"):
        assert ArticleLink.objects.filter(ticket=raised, article=vpn).count() == 1
    own = client_for(cast.wcc_staff).get(f"/tickets/{raised.pk}/").content.decode()
    assert "Connecting to the VPN" in own
    assert "Link article" not in own
    # A requester may not link articles.
    response = client_for(cast.wcc_staff).post(
        f"/tickets/{raised.pk}/link_article/", {"article": vpn.pk}
    )
    assert response.status_code == 403


def test_only_a_published_article_for_the_tickets_council_links(cast):
    raised = ticket(cast, cast.wcc)
    draft = article("Draft", [cast.wcc], status=ArticleStatus.DRAFT)
    theirs = article("Theirs", [cast.rbkc])
    with system_scope("test"):
        for wrong in (draft, theirs):
            with pytest.raises(ValidationError):
                knowledge.link_article(raised, wrong, by=cast.agent)
        everyone = article("Everyone", for_all=True)
        first = knowledge.link_article(raised, everyone, by=cast.agent)
        assert knowledge.link_article(raised, everyone, by=cast.agent) == first


def test_api_links_and_lists_a_tickets_articles(cast, api_client_for):
    vpn = article("Connecting to the VPN", [cast.wcc])
    raised = ticket(cast, cast.wcc)
    client = api_client_for(cast.agent)
    response = client.post(
        f"/api/v1/tickets/{raised.pk}/link-article/", {"article": vpn.reference}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [a["reference"] for a in response.json()] == [vpn.reference]
    listed = api_client_for(cast.wcc_staff).get(f"/api/v1/tickets/{raised.pk}/articles/")
    assert [a["title"] for a in listed.json()] == ["Connecting to the VPN"]
    assert listed.json()[0]["councils"] == ["wcc"]
    response = client.post(
        f"/api/v1/tickets/{raised.pk}/link-article/", {"article": "KB9999999"}, format="json"
    )
    assert response.status_code == 400
    theirs = ticket(cast, cast.rbkc)
    assert (
        api_client_for(cast.wcc_lead).get(f"/api/v1/tickets/{theirs.pk}/articles/").status_code
        == 404
    )
    response = api_client_for(cast.wcc_staff).post(
        f"/api/v1/tickets/{raised.pk}/link-article/", {"article": vpn.reference}, format="json"
    )
    assert response.status_code == 403


# Suggestions ---------------------------------------------------------------------------------


def test_suggestions_match_typed_words_best_first_and_only_what_the_reader_may_read(cast):
    article("Connecting to the VPN", [cast.wcc], keywords="remote access")
    article("Printers on floor 3", [cast.wcc], body="If the VPN is down, print at the office.")
    article("Remote desktop", [cast.rbkc], keywords="remote access, VPN")
    article("Draft VPN", [cast.wcc], status=ArticleStatus.DRAFT)
    with system_scope("test"):
        found = knowledge.suggest_articles(cast.wcc_staff, "my vpn does not work")
    assert [a.title for a in found] == ["Connecting to the VPN", "Printers on floor 3"]
    with system_scope("test"):
        assert knowledge.suggest_articles(cast.wcc_staff, "the and of") == []
        assert [a.title for a in knowledge.suggest_articles(cast.rbkc_staff, "VPN")] == [
            "Remote desktop"
        ]
