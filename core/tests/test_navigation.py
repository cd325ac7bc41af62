"""The service navigation (grouped by area, only what the reader may use, one tab stop per
group, no JavaScript needed), the header's roles, and the home page's needs (core.navigation)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from core.navigation import AREA_GROUPS, GROUP_KEYS, GROUPS, navigation
from core.tenancy.access import AREAS
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.sample.models import Room

pytestmark = pytest.mark.django_db


def groups_of(user: Any) -> dict[str, list[str]]:
    return {item.label: [link.label for link in item.links] for item in navigation(user, "/")}


def test_every_area_has_a_group_and_groups_keep_their_order():
    assert set(AREA_GROUPS) == set(AREAS)
    assert set(AREA_GROUPS.values()) <= GROUP_KEYS
    assert [g.label for g in GROUPS][:5] == [
        "Service desk",
        "Assets",
        "Licences",
        "Contracts",
        "Money",
    ]


def test_only_groups_with_pages_the_reader_may_use_appear(cast):
    manager = groups_of(cast.manager)
    # An installed app's group is shown, with its models' lists and its other pages.
    assert {"Budgets", "Costs", "Apportionment rules"} <= set(manager["Money"])
    assert {"Contracts", "Suppliers", "Decisions due"} <= set(manager["Contracts"])
    assert {"Assets", "Configuration items", "End of support"} <= set(manager["Assets"])
    assert list(manager)[-1] == "Administration"
    councils = manager["Councils and people"]
    assert {"Councils", "People", "Rooms", "Pacts", "Council exports"} <= set(councils)
    assert {"Room types", "Change log"} <= set(manager["Administration"])
    # Within a group, the views' nav_order, then core's own pages.
    assert councils.index("Councils") < councils.index("Rooms") < councils.index("People")

    lead = groups_of(cast.wcc_lead)
    assert "Council exports" not in lead["Councils and people"]
    assert "Change log" in lead["Administration"]

    requester = groups_of(cast.wcc_staff)
    assert all("Change log" not in links for links in requester.values())
    # ...and of the money only what every signed-in person reads (rules, years).
    assert set(requester.get("Money", [])) <= {"Apportionment rules", "Financial years"}
    # Only the pages the reader may use: a requester sees no contract, only the suppliers'
    # catalogue every signed-in person reads.
    assert requester["Contracts"] == ["Suppliers"]
    assert "Rooms" in requester["Councils and people"]


def test_a_model_with_own_records_is_in_the_navigation_of_its_owners(cast):
    # A requester may see only their own errands (COUNCIL_OWN_GRANTS): the list is theirs to use.
    assert "Errands" in groups_of(cast.wcc_staff)["Service desk"]
    # Someone with no grant at all (a former council's lead) has no navigation but Home.
    assert groups_of(cast.lbhf_lead) == {}


class NavParser(HTMLParser):
    """The focusable elements of the service navigation, and those inside a closed group."""

    def __init__(self) -> None:
        super().__init__()
        self.in_nav = self.in_details = self.in_summary = False
        self.tab_stops: list[str] = []
        self.hidden_links = 0
        self.details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "nav" and attributes.get("aria-label") == "Menu":
            self.in_nav = True
        if not self.in_nav:
            return
        if tag == "details":
            self.in_details = True
            self.details += 1
            assert "open" not in attributes
        elif tag == "summary":
            self.tab_stops.append("summary")
        elif tag == "a":
            if self.in_details:
                self.hidden_links += 1
            else:
                self.tab_stops.append(attributes.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.in_details = False
        if tag == "nav":
            self.in_nav = False


def test_one_tab_stop_per_group_and_no_javascript_needed(cast, client_for):
    html = client_for(cast.manager).get("/").content.decode()
    parser = NavParser()
    parser.feed(html)
    items = navigation(cast.manager, "/")
    # Home, then one stop per group: a group's summary, or its one link.
    assert len(parser.tab_stops) == 1 + len(items)
    # The groups with several pages are <details>, which open without JavaScript.
    several = [item for item in items if len(item.links) > 1]
    assert parser.details == len(several) > 0
    assert parser.hidden_links == sum(len(item.links) for item in several)


def test_the_current_page_is_marked_in_its_group(cast, client_for):
    html = client_for(cast.wcc_lead).get("/rooms/").content.decode()
    nav = html.split('aria-label="Menu"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'href="/rooms/"\s+aria-current="page"', nav)
    group = nav.split("Councils and people", 1)[0].rsplit("<li", 1)[1]
    assert "govuk-service-navigation__item--active" in group


def test_a_council_persons_header_shows_their_council_and_role(cast, client_for):
    html = client_for(cast.wcc_lead).get("/").content.decode()
    person = html.split("concord-account-bar__person", 1)[1].split("</p>", 1)[0]
    assert "City of Westminster, IT lead" in person
    with system_scope("test"):
        Membership.objects.create(user=cast.wcc_lead, partner=cast.rbkc, role="auditor")
    html = client_for(cast.wcc_lead).get("/").content.decode()
    person = html.split("concord-account-bar__person", 1)[1].split("</p>", 1)[0]
    assert "City of Westminster, IT lead;" in person
    assert "Royal Borough of Kensington and Chelsea, Auditor (read-only)" in person
    staff = client_for(cast.manager).get("/").content.decode()
    person = staff.split("concord-account-bar__person", 1)[1].split("</p>", 1)[0]
    assert "(Service manager)" in person and "—" not in person


def test_the_home_page_counts_what_needs_the_reader_in_their_councils_only(cast, client_for):
    with system_scope("test"):
        Room.objects.create(partner=cast.wcc, code="OLD", name="Old annexe", is_active=False)
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        for n in range(3):
            Room.objects.create(partner=cast.rbkc, code=f"R{n}", name=f"Shut {n}", is_active=False)

    def need(user: Any) -> tuple[str, str] | None:
        html = client_for(user).get("/").content.decode()
        found = re.search(
            r'<a class="govuk-link[^"]*" href="([^"]+)">\s*'
            r'<span class="concord-need__count">(\d+)</span>\s*Rooms not in use',
            html,
        )
        return (found.group(1), found.group(2)) if found else None

    assert need(cast.wcc_lead) == ("/rooms/?is_active=false", "1")
    assert need(cast.rbkc_lead) == ("/rooms/?is_active=false", "3")
    assert need(cast.manager) == ("/rooms/?is_active=false", "4")
    # Nothing for a reader who may not act on rooms.
    assert need(cast.wcc_auditor) is None
    # The link lists what was counted.
    listed = client_for(cast.wcc_lead).get("/rooms/?is_active=false").content.decode()
    assert "Old annexe" in listed and "City Hall" not in listed and "Shut 0" not in listed


def test_the_home_page_names_the_readers_councils_and_roles(cast, client_for):
    html = client_for(cast.wcc_auditor).get("/").content.decode()
    assert "<h1" in html and "What needs you" in html
    assert "City of Westminster (Auditor (read-only))" in html


def test_sign_in_lock_outs_are_in_the_navigation_of_those_who_may_lift_them(cast):
    assert "Sign-in lock-outs" in groups_of(cast.manager)["Councils and people"]
    assert "Sign-in lock-outs" in groups_of(cast.wcc_lead)["Councils and people"]
    for person in (cast.wcc_staff, cast.wcc_auditor, cast.agent):
        assert all("Sign-in lock-outs" not in links for links in groups_of(person).values())
