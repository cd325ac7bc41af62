"""The self-service portal: a council's people search the help articles, report a problem (the
articles matching the subject shown as they type, or when they ask, without JavaScript), ask
for catalogue items and follow their own tickets; never another council's article, item or
ticket, nor a colleague's ticket."""

from __future__ import annotations

from typing import Any

import pytest

from core.navigation import navigation
from core.services import set_audience
from core.tenancy.scoping import system_scope
from core.tests.test_views_browser import signed_in_page, wait_for_scripts
from servicedesk import knowledge, services
from servicedesk.choices import ArticleStatus, Impact, Source, TicketStatus, Urgency
from servicedesk.models import KnowledgeArticle, RequestItem, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpdesk(cast: Any) -> Any:
    """Articles and catalogue items for wcc, for rbkc and for everyone; a ticket each of two
    wcc colleagues."""
    with system_scope("test"):
        for title, councils, words in (
            ("Connecting to the VPN", [cast.wcc], "vpn, remote access"),
            ("Kensington VPN tokens", [cast.rbkc], "vpn"),
            ("Resetting your password", None, "password, locked out"),
        ):
            article = KnowledgeArticle(
                title=title, body="Steps.", keywords=words, status=ArticleStatus.PUBLISHED,
                for_all_councils=councils is None,
            )  # fmt: skip
            knowledge.save_article(article, councils or [])
        for name, councils in (("New starter laptop", [cast.wcc]), ("Guest Wi-Fi", [cast.rbkc])):
            item = RequestItem.objects.create(name=name)
            set_audience(item, councils)
        cast.mine = services.raise_ticket(
            partner=cast.wcc, requester=cast.wcc_staff, subject="Printer jams"
        )
        cast.colleagues = services.raise_ticket(
            partner=cast.wcc, requester=cast.wcc_colleague, subject="Colleague's monitor"
        )
        services.move(cast.mine, TicketStatus.AWAITING_CUSTOMER)
    return cast


def labels(user: Any) -> list[str]:
    return [link.label for item in navigation(user, "/") for link in item.links]


def test_council_people_have_the_portal_and_the_desk_does_not(helpdesk, client_for):
    assert "Get IT help" in labels(helpdesk.wcc_staff)
    assert "Get IT help" in labels(helpdesk.wcc_lead)
    assert "Get IT help" not in labels(helpdesk.agent)
    assert client_for(helpdesk.agent).get("/portal/").status_code == 403
    assert client_for(None).get("/portal/").status_code == 302


def test_the_portal_shows_ones_own_tickets_and_what_is_offered(helpdesk, client_for):
    page = client_for(helpdesk.wcc_staff).get("/portal/").content.decode()
    assert "Printer jams" in page and "Waiting for you" in page
    assert "waiting for your reply on 1 ticket" in page
    assert "Colleague's monitor" not in page
    assert "New starter laptop" in page and "Guest Wi-Fi" not in page


def test_searching_the_portal_finds_the_councils_articles_only(helpdesk, client_for):
    page = client_for(helpdesk.wcc_staff).get("/portal/", {"q": "vpn"}).content.decode()
    assert "Connecting to the VPN" in page
    assert "Kensington VPN tokens" not in page
    page = client_for(helpdesk.rbkc_staff).get("/portal/", {"q": "vpn"}).content.decode()
    assert "Kensington VPN tokens" in page and "Connecting to the VPN" not in page
    page = client_for(helpdesk.wcc_staff).get("/portal/", {"q": "xylophone"}).content.decode()
    assert "No help article matches" in page


def test_the_suggestions_match_the_subject_being_typed(helpdesk, client_for):
    client = client_for(helpdesk.rbkc_staff)
    region = client.get("/portal/suggestions/", {"subject": "locked out again"}).content.decode()
    assert 'id="portal-suggestions"' in region and "Resetting your password" in region
    region = client.get("/portal/suggestions/", {"subject": "my VPN"}).content.decode()
    assert "Kensington VPN tokens" in region and "Connecting to the VPN" not in region
    assert (
        "No help article"
        in client.get("/portal/suggestions/", {"subject": "kazoo"}).content.decode()
    )


def test_reporting_a_problem_raises_a_ticket_in_the_persons_words(helpdesk, client_for):
    client = client_for(helpdesk.wcc_staff)
    form = client.get("/portal/report/").content.decode()
    # One council: chosen for them, not asked.
    assert 'type="hidden" name="partner"' in form
    response = client.post(
        "/portal/report/",
        {
            "partner": helpdesk.wcc.pk,
            "subject": "Cannot connect to the VPN",
            "description": "Since this morning.",
            "urgency": Urgency.HIGH,
            "others": Impact.MEDIUM,
        },
    )
    assert response.status_code == 302
    with system_scope("test"):
        ticket = Ticket.objects.get(subject="Cannot connect to the VPN")
    assert (ticket.requester, ticket.partner, ticket.source) == (
        helpdesk.wcc_staff,
        helpdesk.wcc,
        Source.PORTAL,
    )
    assert (ticket.urgency, ticket.impact) == (Urgency.HIGH, Impact.MEDIUM)
    assert response["Location"] == ticket.get_absolute_url()


def test_looking_for_help_first_raises_nothing(helpdesk, client_for):
    client = client_for(helpdesk.wcc_staff)
    response = client.post("/portal/report/", {"subject": "vpn drops", "suggest": "1"})
    assert response.status_code == 200
    assert "Connecting to the VPN" in response.content.decode()
    assert 'value="vpn drops"' in response.content.decode()
    with system_scope("test"):
        assert not Ticket.objects.filter(subject="vpn drops").exists()


def test_a_report_without_a_subject_is_refused_saying_so(helpdesk, client_for):
    response = client_for(helpdesk.wcc_staff).post(
        "/portal/report/", {"partner": helpdesk.wcc.pk, "urgency": 2, "others": 3}
    )
    assert response.status_code == 400
    assert "Say in a few words what is wrong" in response.content.decode()
    # Another council cannot be chosen.
    response = client_for(helpdesk.wcc_staff).post(
        "/portal/report/",
        {"partner": helpdesk.rbkc.pk, "subject": "x", "urgency": 2, "others": 3},
    )
    assert response.status_code == 400


# In a browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_articles_appear_as_the_subject_is_typed(helpdesk, live_server, browser):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, "wcc.staff")
    page.goto("/portal/report/")
    wait_for_scripts(page)
    # With JavaScript the articles come as one types: no button to ask for them.
    expect(page.locator("button[name=suggest]")).to_be_hidden()
    page.locator("#id_subject").press_sequentially("the vpn will not connect", delay=20)
    region = page.locator("#portal-suggestions")
    expect(region).to_contain_text("Connecting to the VPN")
    expect(region).not_to_contain_text("Kensington")
    assert region.get_attribute("aria-live") == "polite"
