"""Full-text search over the service desk (core.search): tickets (subject, description,
resolution, replies; internal notes only for those who see notes) and problems, scoped by the
one visibility rule, ranked, highlighted, kept up to date on every write path, on SQLite and
PostgreSQL alike; the search page and ``/api/v1/search/``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import SearchEntry
from core.search import SearchQueryError, index_records, search, searchable_models
from core.search import index as search_index
from core.search.index import reindex
from core.tenancy.scoping import system_scope
from servicedesk import services
from servicedesk.models import Problem, Ticket, TicketComment

pytestmark = pytest.mark.django_db


def ticket(cast: Any, partner: Any = None, **extra: Any) -> Ticket:
    partner = partner or cast.wcc
    requester = extra.pop("requester", cast.wcc_staff if partner == cast.wcc else cast.rbkc_staff)
    with system_scope("test"):
        return services.raise_ticket(
            partner=partner,
            requester=requester,
            subject=extra.pop("subject", "Laptop will not start"),
            **extra,
        )


def problem(**fields: Any) -> Problem:
    with system_scope("test"):
        return services.raise_problem(**fields)


def note(ticket: Ticket, author: Any, body: str, public: bool = False) -> TicketComment:
    with system_scope("test"):
        return services.comment(ticket, author, body, public=public)


def found(user: Any, words: str, **options: Any) -> list[tuple[str, int]]:
    return [(result.kind, result.id) for result in search(user, words, **options).results]


# Scoped: another council's record is never a hit ---------------------------------------------


def test_a_ticket_is_found_only_by_those_who_see_it(cast):
    wcc = ticket(cast, subject="Scanner jammed on floor three")
    rbkc = ticket(cast, cast.rbkc, subject="Scanner jammed in the library")
    assert found(cast.agent, "scanner") and set(found(cast.agent, "scanner")) == {
        ("ticket", wcc.pk),
        ("ticket", rbkc.pk),
    }
    assert found(cast.wcc_lead, "scanner") == [("ticket", wcc.pk)]
    assert found(cast.rbkc_lead, "scanner") == [("ticket", rbkc.pk)]
    # A requester finds their own tickets, not their colleagues'.
    assert found(cast.wcc_staff, "scanner") == [("ticket", wcc.pk)]
    assert found(cast.wcc_colleague, "scanner") == []
    # A snippet of another council's ticket is never shown: the only results are one's own.
    page = search(cast.rbkc_lead, "floor")
    assert page.results == []


def test_a_problem_is_found_only_by_those_who_may_read_problems(cast):
    found_problem = problem(title="Scanner firmware crashes", description="After the update")
    assert found(cast.agent, "firmware") == [("problem", found_problem.pk)]
    assert found(cast.wcc_lead, "firmware") == []
    assert found(cast.wcc_staff, "firmware") == []


# Internal notes ------------------------------------------------------------------------------


def test_a_requester_never_matches_on_the_words_of_a_note(cast):
    own = ticket(cast, subject="Monitor flickers")
    note(own, cast.agent, "Suspect the docking station from batch zebra")
    note(own, cast.agent, "Replacement ordered", public=True)
    # The requester sees the ticket and its public reply, never the note.
    assert found(cast.wcc_staff, "monitor") == [("ticket", own.pk)]
    assert found(cast.wcc_staff, "replacement") == [("ticket", own.pk)]
    assert found(cast.wcc_staff, "zebra") == []
    assert found(cast.wcc_staff, "monitor zebra") == []
    assert found(cast.wcc_staff, "monitor or zebra") == [("ticket", own.pk)]
    snippet = search(cast.wcc_staff, "monitor or zebra").results[0].snippet
    assert "zebra" not in snippet and "docking" not in snippet
    # Those who see notes match on them: the desk, the council's lead and auditor.
    for reader in (cast.agent, cast.wcc_lead, cast.wcc_auditor):
        assert found(reader, "zebra") == [("ticket", own.pk)], reader
        assert found(reader, "monitor zebra") == [("ticket", own.pk)], reader
        assert found(reader, "monitor") == [("ticket", own.pk)], reader
    assert "<mark>zebra</mark>" in search(cast.agent, "zebra").results[0].snippet
    # The contact is like the requester.
    with system_scope("test"):
        own.contact = cast.wcc_colleague
        own.save()
    assert found(cast.wcc_colleague, "monitor") == [("ticket", own.pk)]
    assert found(cast.wcc_colleague, "zebra") == []


def test_a_note_made_public_or_deleted_changes_what_is_found(cast):
    own = ticket(cast, subject="Keyboard sticky")
    secret = note(own, cast.agent, "Coffee damage, charge the department")
    assert found(cast.wcc_staff, "coffee") == []
    with system_scope("test"):
        secret.public = True
        secret.save()
    assert found(cast.wcc_staff, "coffee") == [("ticket", own.pk)]
    with system_scope("test"):
        secret.delete()
    assert found(cast.wcc_staff, "coffee") == []
    assert found(cast.agent, "coffee") == []


# Ranked, highlighted -------------------------------------------------------------------------


def test_results_are_ranked_and_highlighted(cast):
    in_title = ticket(cast, subject="Wireless access point down")
    in_body = ticket(cast, subject="Slow network", description="The wireless is slow upstairs")
    page = search(cast.agent, "wireless")
    assert [r.id for r in page.results] == [in_title.pk, in_body.pk]
    assert page.results[0].rank >= page.results[1].rank
    first = page.results[0]
    assert first.kind == "ticket" and first.kind_label == "Ticket"
    assert first.url == f"/tickets/{in_title.pk}/"
    assert "<mark>Wireless</mark>" in first.title_html
    assert "<mark>wireless</mark>" in page.results[1].snippet


def test_stemming_finds_other_forms_of_a_word(cast):
    printing = ticket(cast, subject="Printers offline", description="Nothing prints")
    assert found(cast.agent, "printer") == [("ticket", printing.pk)]
    assert found(cast.agent, "printing") == [("ticket", printing.pk)]


def test_record_text_cannot_inject_html_into_a_snippet(cast):
    bad = ticket(
        cast,
        subject="<script>alert(1)</script> pager",
        description='pager <img src=x onerror="alert(2)"> \ue000 & \ue001 <b>',
    )
    result = search(cast.agent, "pager").results[0]
    assert result.id == bad.pk
    for html in (result.title_html, result.snippet):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "<mark>pager</mark>" in result.title_html


def test_phrases_or_and_without(cast):
    a = ticket(cast, subject="Password reset for email")
    b = ticket(cast, subject="Email bounces back")
    c = ticket(cast, subject="Reset the phone")
    assert set(found(cast.agent, "email")) == {("ticket", a.pk), ("ticket", b.pk)}
    assert found(cast.agent, '"password reset"') == [("ticket", a.pk)]
    assert found(cast.agent, "email -bounces") == [("ticket", a.pk)]
    assert set(found(cast.agent, "bounces or phone")) == {("ticket", b.pk), ("ticket", c.pk)}
    assert found(cast.agent, "reset", kinds=["problem"]) == []


def test_pages_follow_one_another_without_repeats(cast):
    made = {ticket(cast, subject=f"Projector fault {n}").pk for n in range(7)}
    first = search(cast.agent, "projector", size=3)
    second = search(cast.agent, "projector", size=3, cursor=first.next_cursor)
    third = search(cast.agent, "projector", size=3, cursor=second.next_cursor)
    ids = [r.id for page in (first, second, third) for r in page.results]
    assert sorted(ids) == sorted(made) and len(ids) == 7
    assert third.next_cursor is None and first.previous_cursor is None
    back = search(cast.agent, "projector", size=3, cursor=second.previous_cursor)
    assert [r.id for r in back.results] == [r.id for r in first.results]
    with pytest.raises(SearchQueryError, match="another search"):
        search(cast.agent, "fault", size=3, cursor=first.next_cursor)


# Bad input: a clear message or no results, never an error ------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        '"',
        '""',
        "NEAR(",
        'NEAR("a" "b")',
        "a AND OR NOT",
        "*",
        "title:secret",
        "-",
        "- - -",
        "(((",
        "'; DROP TABLE core_searchentry; --",
        "\\",
        "%_",
        "the",
        "émoji 🙂 日本語",
        "x" * 200,
    ],
)
def test_odd_words_are_searched_for_or_find_nothing(cast, words):
    ticket(cast, subject="Ordinary ticket")
    page = search(cast.agent, words)
    assert all(r.kind == "ticket" for r in page.results)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("", "Enter the words"),
        ("   ", "Enter the words"),
        (None, "Enter the words"),
        ("x" * 201, "200 characters or fewer"),
        ("printer\x00", r"U\+0000"),
        ("printer\u202e", r"U\+202E"),
    ],
)
def test_words_that_cannot_be_searched_for_say_why(cast, words, message):
    with pytest.raises(SearchQueryError, match=message):
        search(cast.agent, words)


def test_unknown_kinds_and_made_up_cursors_say_why(cast):
    with pytest.raises(
        SearchQueryError, match="Choose a kind from: knowledgearticle, problem, requestitem, ticket"
    ):
        search(cast.agent, "x", kinds=["site"])
    for cursor in ("x", "eyJ9", "e30", "W10", "!!!", "eyJzIjoiIiwidiI6WzEsMl0sImQiOiJuIn0"):
        with pytest.raises(SearchQueryError, match="cursor"):
            search(cast.agent, "x", cursor=cursor)


# Kept up to date on every write path ---------------------------------------------------------


def test_edits_replies_and_deletions_reach_the_index(cast):
    own = ticket(cast, subject="Tablet cracked")
    with system_scope("test"):
        services.resolve(own, "Swapped the glass under warranty")
    assert found(cast.wcc_staff, "warranty") == [("ticket", own.pk)]
    with system_scope("test"):
        own.subject = "Tablet screen shattered"
        own.save()
    assert found(cast.agent, "cracked") == []
    assert found(cast.agent, "shattered") == [("ticket", own.pk)]
    with system_scope("test"):
        services.comment(own, cast.wcc_staff, "Thanks, the umbrella case helps")
    assert found(cast.wcc_staff, "umbrella") == [("ticket", own.pk)]
    before = SearchEntry.objects.unscoped("test").count()
    with system_scope("test"):
        TicketComment.objects.filter(ticket=own).delete()
        Ticket.objects.filter(pk=own.pk).delete()
    assert found(cast.agent, "shattered") == []
    assert SearchEntry.objects.unscoped("test").count() < before


def test_bulk_writes_that_skip_the_change_log_still_reach_the_index(cast):
    own = ticket(cast, subject="Headset crackles")
    Ticket.objects.unscoped("test").unlogged("test: a bulk fix of subjects").filter(
        pk=own.pk
    ).update(subject="Headset hums")
    assert found(cast.agent, "hums") == [("ticket", own.pk)]
    own.refresh_from_db()
    own.subject = "Headset buzzes"
    Ticket.objects.unscoped("test").unlogged("test: bulk update").bulk_update([own], ["subject"])
    assert found(cast.agent, "buzzes") == [("ticket", own.pk)]
    assert found(cast.agent, "hums") == []
    with system_scope("test"):
        reply = services.comment(own, cast.agent, "Try the spare dongle", public=True)
    TicketComment.objects.unscoped("test").unlogged("test: bulk hide").filter(pk=reply.pk).update(
        public=False
    )
    assert found(cast.wcc_staff, "dongle") == []
    assert found(cast.agent, "dongle") == [("ticket", own.pk)]


def test_the_reindex_command_rebuilds_the_index(cast, capsys):
    own = ticket(cast, subject="Docking station loose")
    problem(title="Docking stations overheat")
    SearchEntry.objects.unscoped("test").delete()
    assert found(cast.agent, "docking") == []
    call_command("search_reindex")
    assert {kind for kind, _ in found(cast.agent, "docking")} == {"ticket", "problem"}
    assert "2 records" in capsys.readouterr().out
    # A changed record's stale entry is put right; an entry of a deleted record goes.
    with system_scope("test"):
        SearchEntry.objects.unscoped("test").filter(object_id=own.pk).update(title="wrong")
    call_command("search_reindex")
    assert found(cast.agent, "wrong") == []
    index_records(Ticket, [own.pk])
    assert found(cast.agent, "loose") == [("ticket", own.pk)]


def test_a_rebuild_gathers_the_entries_statistics_again_as_it_grows(cast, monkeypatch):
    """On PostgreSQL, after 1, 4, 16, ... batches' records (core.search.index.
    refresh_statistics), so that reading a batch's entries keeps to their unique index."""
    for n in range(5):
        ticket(cast, subject=f"Monitor flickers ({n})")
    monkeypatch.setattr(search_index, "BATCH", 1)
    with CaptureQueriesContext(connection) as queries:
        reindex([Ticket])
    analyses = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert analyses == ['ANALYZE "core_searchentry"'] * 2  # after the 1st and 4th of 5
    else:
        assert analyses == []  # SQLite's come as connections close (core.sqlite3)
    assert {kind for kind, _ in found(cast.agent, "flickers")} == {"ticket"}


# The page and the API ------------------------------------------------------------------------


def test_the_search_page_shows_ranked_highlighted_results_to_those_who_see_them(cast, client_for):
    wcc = ticket(cast, subject="Router <b>reboots</b> nightly", description="router again")
    ticket(cast, cast.rbkc, subject="Router reboots hourly")
    page = client_for(cast.wcc_lead).get("/search/", {"q": "router"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f'href="/tickets/{wcc.pk}/"' in text
    assert "<mark>Router</mark> &lt;b&gt;reboots&lt;/b&gt; nightly" in text
    assert "hourly" not in text
    assert "Ticket" in text and "<title>router \u2013 Search \u2013 Concord</title>" in text
    nothing = client_for(cast.rbkc_lead).get("/search/", {"q": "nightly"})
    assert "No records you can see match your search" in nothing.content.decode()
    # The header's search box, on every page, comes here.
    home = client_for(cast.wcc_lead).get("/").content.decode()
    assert 'action="/search/"' in home and 'id="concord-header-search"' in home


def test_the_search_page_says_what_is_wrong_with_the_words(cast, client_for):
    reader = client_for(cast.agent)
    blank = reader.get("/search/")
    assert blank.status_code == 200 and "There is a problem" not in blank.content.decode()
    for query, message in [
        ({"q": ""}, "Enter the words to search for"),
        ({"q": "x" * 201}, "200 characters or fewer"),
        ({"q": "a\u202eb"}, "U+202E"),
        ({"q": "a", "kind": "site"}, "Choose a kind from"),
    ]:
        answer = reader.get("/search/", query)
        text = answer.content.decode()
        assert answer.status_code == 400 and message in text, query
        assert "<title>Error: Search \u2013 Concord</title>" in text
    # A NUL is refused before the page is reached, as everywhere.
    assert reader.get("/search/", {"q": "a\x00"}).status_code == 400
    # A cursor not made for this search starts again at the first page.
    ticket(cast, subject="Toner low")
    again = reader.get("/search/", {"q": "toner", "cursor": "made-up"})
    assert again.status_code == 200 and "<mark>Toner</mark>" in again.content.decode()


def test_the_search_page_pages_through_results(cast, client_for, settings):
    settings.CONCORD_PAGE_SIZE = 2
    for n in range(3):
        ticket(cast, subject=f"Dock {n} broken")
    first = client_for(cast.agent).get("/search/", {"q": "dock"}).content.decode()
    assert 'rel="next"' in first and first.count('class="concord-search-result"') == 2


def test_the_api_searches_as_the_client_sees(cast, api_client_for):
    wcc = ticket(cast, subject="Phone <i>line</i> dead", description="line noise")
    note(wcc, cast.agent, "Openreach fault reference")
    ticket(cast, cast.rbkc, subject="Phone line crackles")
    answer = api_client_for(cast.wcc_lead).get("/api/v1/search/", {"q": "line"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["next"] is None and body["previous"] is None
    [result] = body["results"]
    assert set(result) == {"kind", "id", "title", "url", "snippet", "rank"}
    assert (result["kind"], result["id"]) == ("ticket", wcc.pk)
    assert result["url"] == f"http://testserver/tickets/{wcc.pk}/"
    assert result["title"] == f"{wcc.reference} Phone <i>line</i> dead"
    assert "<mark>line</mark>" in result["snippet"] and "<i>" not in result["snippet"]
    assert isinstance(result["rank"], float)
    staff = api_client_for(cast.wcc_staff)
    assert staff.get("/api/v1/search/", {"q": "openreach"}).json()["results"] == []
    lead = api_client_for(cast.wcc_lead)
    assert len(lead.get("/api/v1/search/", {"q": "openreach"}).json()["results"]) == 1
    assert lead.get("/api/v1/search/", {"q": "line", "kind": "problem"}).json()["results"] == []


def test_the_api_pages_and_refuses_what_cannot_be_searched(cast, api_client_for):
    for n in range(3):
        ticket(cast, subject=f"Webcam {n} blurry")
    client = api_client_for(cast.agent)
    first = client.get("/api/v1/search/", {"q": "webcam", "page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["previous"] and second["next"] is None
    for query, field in [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\u202eb"}, "q"),
        ({"q": "a", "kind": "site"}, "kind"),
        ({"q": "a", "cursor": "made-up"}, "cursor"),
        ({"q": "a", "page_size": 0}, "page_size"),
    ]:
        answer = client.get("/api/v1/search/", query)
        assert answer.status_code == 400, query
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.json()
    assert api_client_for(None).get("/api/v1/search/", {"q": "webcam"}).status_code in (401, 403)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "kind", "cursor", "page_size"}


def test_the_ticket_list_q_finds_words_as_the_reader_may_read_them(
    cast, client_for, api_client_for
):
    own = ticket(cast, subject="Mouse wheel stuck", description="scrolling broken")
    note(own, cast.agent, "Known walrus issue")
    ticket(cast, cast.rbkc, subject="Mouse wheel squeaks", description="scrolling noisy")
    agent = api_client_for(cast.agent)
    assert {t["id"] for t in agent.get("/api/v1/tickets/", {"q": "scroll"}).json()["results"]} == {
        own.pk,
        *Ticket.objects.unscoped("test").filter(partner=cast.rbkc).values_list("pk", flat=True),
    }
    assert [t["id"] for t in agent.get("/api/v1/tickets/", {"q": "walrus"}).json()["results"]] == [
        own.pk
    ]
    staff = api_client_for(cast.wcc_staff)
    assert [t["id"] for t in staff.get("/api/v1/tickets/", {"q": "scroll"}).json()["results"]] == [
        own.pk
    ]
    assert staff.get("/api/v1/tickets/", {"q": "walrus"}).json()["results"] == []
    page = client_for(cast.wcc_staff).get("/tickets/", {"q": "scrolling"}).content.decode()
    assert own.reference in page


def test_the_search_page_offers_the_kinds_the_reader_may_find(cast, client_for):
    agent = client_for(cast.agent).get("/search/").content.decode()
    assert '<option value="ticket">Tickets</option>' in agent
    assert '<option value="problem">Problems</option>' in agent
    lead = client_for(cast.wcc_lead).get("/search/").content.decode()
    assert '<option value="ticket">Tickets</option>' in lead and "Problems" not in lead


def test_words_only_to_leave_out_find_nothing_on_either_database(cast):
    ticket(cast, subject="Fax machine unplugged")
    for words in ("-printer", "-printer -scanner", '-"fax machine"', "or", "- or -"):
        assert found(cast.agent, words) == [], words


# Ranking across kinds: title above body, and each model's declared boost ----------------------


def test_a_help_article_titled_with_the_word_ranks_before_tickets_that_only_mention_it(cast):
    from servicedesk.tests.test_knowledge import article

    mentions = [
        ticket(
            cast,
            subject=f"Cannot work from home {n}",
            description="The vpn drops every hour. I restarted the vpn client; the vpn "
            "still drops and the vpn icon goes grey.",
        )
        for n in range(3)
    ]
    help_article = article(
        "Connecting to the VPN from home",
        [cast.wcc],
        body="Open the client, sign in with your council account, and wait for the green tick.",
    )
    results = found(cast.wcc_lead, "vpn")
    assert results[0] == ("knowledgearticle", help_article.pk), results
    assert sorted(results[1:]) == sorted(("ticket", t.pk) for t in mentions)
    # The same on the page and in the API, which read the same search.
    answer = search(cast.wcc_lead, "vpn").results
    assert answer[0].rank > max(result.rank for result in answer[1:])


def test_a_word_in_the_title_counts_more_than_the_same_word_in_the_body(cast):
    in_body = ticket(
        cast,
        subject="Cannot work from home",
        description="The printer queue is stuck; the printer says offline; printer again.",
    )
    in_title = ticket(cast, subject="Printer offline", description="Since lunch.")
    assert found(cast.agent, "printer") == [("ticket", in_title.pk), ("ticket", in_body.pk)]


def test_a_boost_is_declared_by_the_model_within_bounds():
    from core.search import Searchable, spec_of
    from servicedesk.models import KnowledgeArticle

    assert [getattr(spec_of(model), "boost", None) for model in (KnowledgeArticle, Ticket)] == [
        2.0,
        1.0,
    ]
    with pytest.raises(ValueError, match="more than 0 and at most 10"):
        Searchable(title=("name",), boost=0)


def test_portal_suggestions_search_published_articles_the_reader_may_read(cast, client_for):
    from servicedesk import knowledge
    from servicedesk.choices import ArticleStatus
    from servicedesk.tests.test_knowledge import article

    screen = article("Connect a second screen", [cast.wcc], body="Use the grey cable.")
    article("Second screen for Kensington", [cast.rbkc], body="Connect it with the cable.")
    article("Screens draft", [cast.wcc], status=ArticleStatus.DRAFT)
    with system_scope("test"):
        # Full-text search: other forms of the words find it (plain matching would not).
        assert knowledge.suggest_articles(cast.wcc_staff, "connecting screens") == [screen]
        # Any word is enough, the more the better; common words alone find nothing.
        assert knowledge.suggest_articles(cast.wcc_staff, "my screens are blank") == [screen]
        assert knowledge.suggest_articles(cast.wcc_staff, "it does not") == []
    region = client_for(cast.wcc_staff).get(
        "/portal/suggestions/", {"subject": "Connecting screens"}
    )
    text = region.content.decode()
    assert "Connect a second screen" in text
    assert "Kensington" not in text and "Screens draft" not in text


# The council on each entry, and ranking the newest matches -----------------------------------


def entry_councils(record: Any) -> set[Any]:
    return set(
        SearchEntry.objects.unscoped("test")
        .filter(object_id=record.pk, content_type__model=type(record)._meta.model_name)
        .values_list("partner_id", flat=True)
    )


def test_each_entry_carries_its_record_s_council_kept_with_the_record(cast):
    own = ticket(cast, subject="Projector bulb gone")
    note(own, cast.agent, "Ordered a bulb")
    assert entry_councils(own) == {cast.wcc.pk}  # both documents, everyone's and restricted
    with system_scope("test"):
        own.partner = cast.rbkc
        own.requester = cast.rbkc_staff
        own.save()
    assert entry_councils(own) == {cast.rbkc.pk}
    assert found(cast.rbkc_lead, "projector") == [("ticket", own.pk)]
    assert found(cast.wcc_lead, "projector") == []
    # A record no single council owns carries none.
    shared = problem(title="Projector bulbs fail early")
    assert entry_councils(shared) == {None}
    # The reindex writes it too, and a bulk move of council reaches the index.
    SearchEntry.objects.unscoped("test").update(partner=None)
    call_command("search_reindex")
    assert entry_councils(own) == {cast.rbkc.pk}
    Ticket.objects.unscoped("test").unlogged("test: a bulk move").filter(pk=own.pk).update(
        partner=cast.wcc
    )
    assert entry_councils(own) == {cast.wcc.pk}


def test_the_council_only_narrows_the_record_s_own_rule_still_decides(cast):
    own = ticket(cast, subject="Keyboard sticky keys")
    # An entry claiming another council does not show the record to that council's lead...
    SearchEntry.objects.unscoped("test").filter(object_id=own.pk).update(partner=cast.rbkc)
    assert found(cast.rbkc_lead, "sticky") == []
    # ...and hides it from its own council's lead (the narrowing comes first) until the index
    # is put right, as every write of the record does.
    assert found(cast.wcc_lead, "sticky") == []
    assert found(cast.agent, "sticky") == [("ticket", own.pk)]
    index_records(Ticket, [own.pk])
    assert found(cast.wcc_lead, "sticky") == [("ticket", own.pk)]
    assert found(cast.wcc_colleague, "sticky") == []


def test_a_search_matching_more_than_it_ranks_ranks_the_newest_and_says_so(
    cast, monkeypatch, client_for, api_client_for
):
    monkeypatch.setattr("core.search.query.RANKED_AT_MOST", 2)
    monkeypatch.setattr("core.views.search.RANKED_AT_MOST", 2)
    # The oldest is the best match (the word in its title twice), but outside the newest two.
    oldest = ticket(cast, subject="Webcam webcam broken")
    middle = ticket(cast, subject="Webcam lens", description="smudged")
    newest = ticket(cast, subject="Webcam mount", description="loose")
    ticket(cast, cast.rbkc, subject="Webcam in another council")  # unseen: not counted
    page = search(cast.wcc_lead, "webcam")
    assert page.newest_only
    assert {result.id for result in page.results} == {middle.pk, newest.pk}
    assert oldest.pk not in {result.id for result in page.results}
    # Within the council's two, nothing is left out: not more than it ranks.
    assert not search(cast.rbkc_lead, "webcam").newest_only
    assert not search(cast.wcc_lead, "lens").newest_only
    body = api_client_for(cast.wcc_lead).get("/api/v1/search/", {"q": "webcam"}).json()
    assert body["newest_only"] is True and len(body["results"]) == 2
    assert (
        api_client_for(cast.wcc_lead).get("/api/v1/search/", {"q": "lens"}).json()["newest_only"]
        is False
    )
    text = client_for(cast.wcc_lead).get("/search/", {"q": "webcam"}).content.decode()
    assert "match more than 2 records: these are the best of the newest 2" in text
    assert (
        "match more than"
        not in client_for(cast.wcc_lead).get("/search/", {"q": "lens"}).content.decode()
    )


def test_a_new_record_is_indexed_from_itself_as_reading_it_back_would(cast):
    def entries(record: Any) -> list[tuple[Any, ...]]:
        return list(
            SearchEntry.objects.unscoped("test")
            .filter(object_id=record.pk, content_type__model=type(record)._meta.model_name)
            .order_by("audience")
            .values_list("audience", "title", "body", "has_restricted", "partner_id")
        )

    own = ticket(cast, subject="Badge reader <beeps>", description="At the annexe door")
    shared = problem(title="Badge readers beep", description="Firmware 2.1")
    written = entries(own), entries(shared)
    assert written[0] and written[1]
    index_records(Ticket, [own.pk])
    index_records(Problem, [shared.pk])
    assert (entries(own), entries(shared)) == written
    # A record given its id before it is saved is read back (something may point at it).
    with system_scope("test"):
        given = Ticket.objects.get(pk=own.pk)
        given.pk, given.number, given.reference = own.pk + 1000, 999, "INC0000999"
        given._state.adding = True
        given.save(force_insert=True)
    assert entries(given)[0][1] == "INC0000999 Badge reader <beeps>"


# Narrowing inside the words' index (decision 0042) --------------------------------------------


def page_of(user: Any, words: str, **options: Any) -> list[tuple[Any, ...]]:
    """The first two pages of a search, as the reader gets them."""
    pages = []
    page = search(user, words, **options)
    for _ in range(2):
        pages.append(
            (
                [(r.kind, r.id, r.rank, str(r.title_html), str(r.snippet)) for r in page.results],
                page.newest_only,
                page.next_cursor,
            )
        )
        if not page.next_cursor:
            break
        page = search(user, words, cursor=page.next_cursor, **options)
    return pages


def test_the_councils_a_reader_may_match_cover_every_entry_they_see(cast):
    from core.search.visibility import entry_councils

    kinds = searchable_models()
    assert entry_councils(cast.agent, kinds) is None  # every council: nothing to narrow
    # A council's people: their council, and 0 for the kinds no council owns (help articles).
    for reader in (cast.wcc_lead, cast.wcc_auditor, cast.wcc_staff, cast.wcc_colleague):
        councils = entry_councils(reader, kinds)
        assert councils is not None and cast.wcc.pk in councils, reader
        assert cast.rbkc.pk not in councils, reader
    assert entry_councils(cast.wcc_lead, [Ticket]) == {cast.wcc.pk}
    # Every entry a reader may match carries one of those councils.
    ticket(cast, subject="Router lost its connection")
    ticket(cast, cast.rbkc, subject="Router lost its connection")
    problem(title="Router firmware")
    for reader in (cast.wcc_lead, cast.rbkc_lead, cast.wcc_staff):
        councils = entry_councils(reader, kinds)
        seen = SearchEntry.objects.visible_to(reader).values_list("partner_id", flat=True)
        assert councils is not None and {council or 0 for council in seen} <= councils, reader


@pytest.mark.parametrize(
    "words", ["printer", "printer jammed", '"will not start"', "printer -wifi"]
)
def test_the_newest_matches_read_in_the_index_s_order_and_narrowed_inside_it_are_the_same(
    cast, monkeypatch, words
):
    """The shortcut (the words' index giving its matches newest first, narrowed to the reader's
    councils inside the words' query) against the slow path (every match, sorted by id, the
    visibility rule alone): the same pages, ranks, snippets and `newest_only`."""
    from core.search import query

    for n in range(6):
        ticket(cast, subject=f"Printer {n} will not start", description="jammed, wifi" * (n % 2))
        ticket(cast, cast.rbkc, subject=f"Printer {n} jammed", description="will not start")
    own = ticket(cast, subject="Printer will not start at home")
    note(own, cast.agent, "printer jammed, the wifi card again")
    readers = [
        cast.agent,
        cast.wcc_lead,
        cast.rbkc_lead,
        cast.wcc_auditor,
        cast.wcc_staff,
        cast.wcc_colleague,
    ]
    monkeypatch.setattr("core.search.query.RANKED_AT_MOST", 3)
    fast = {reader.pk: page_of(reader, words, size=2) for reader in readers}
    backend = type(query._backend())
    monkeypatch.setattr(
        backend,
        "newest",
        lambda self, entries, text, councils: self.matching(entries, text, ranked=False).order_by(
            "-pk"
        ),
    )
    monkeypatch.setattr(
        backend,
        "ranking",
        lambda self, entries, text, ids, councils: self.matching(entries.filter(pk__in=ids), text),
    )
    if backend is query._Sqlite:
        monkeypatch.setattr(
            backend,
            "snippets",
            lambda self, entries, text, ids, councils: self.marked_up(
                entries.filter(pk__in=ids), query._fts5_match(text)
            ),
        )
    slow = {reader.pk: page_of(reader, words, size=2) for reader in readers}
    assert fast == slow
    assert any(pages[0][0] for pages in fast.values())


def test_another_council_s_matches_are_never_shown_nor_counted(cast, monkeypatch):
    monkeypatch.setattr("core.search.query.RANKED_AT_MOST", 2)
    mine = ticket(cast, subject="Headset crackles")
    for n in range(4):
        ticket(cast, cast.rbkc, subject=f"Headset crackles {n}")
    page = search(cast.wcc_lead, "headset")
    assert [r.id for r in page.results] == [mine.pk] and not page.newest_only
    assert search(cast.rbkc_lead, "headset").newest_only
    assert not search(cast.wcc_staff, "headset").newest_only
    assert found(cast.wcc_colleague, "headset") == []


def test_a_search_for_a_council_s_number_never_matches_on_the_council(cast):
    own = ticket(cast, subject="Scanner offline")
    number = str(cast.wcc.pk)
    assert ("ticket", own.pk) not in found(cast.agent, number)
    assert ("ticket", own.pk) not in found(cast.wcc_lead, number)
    tagged = ticket(cast, subject=f"Scanner {number} offline")
    assert ("ticket", tagged.pk) in found(cast.wcc_lead, number)


def test_the_words_index_holds_each_entry_s_council_kept_with_it(cast):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the council column of SQLite's FTS5 table")

    def in_council(record: Any, council: int) -> int:
        """How many of `record`'s entries the words' index holds under `council`."""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM core_searchentry e JOIN core_searchentry_fts f "
                "ON f.rowid = e.id WHERE core_searchentry_fts MATCH %s AND e.object_id = %s "
                "AND e.content_type_id = %s",
                [f'council : "{council}"', record.pk, content_type_of(record)],
            )
            return cur.fetchone()[0]

    def content_type_of(record: Any) -> int:
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_model(type(record)).pk

    own = ticket(cast, subject="Docking station dead")
    note(own, cast.agent, "Dock firmware")
    assert in_council(own, cast.wcc.pk) == 2  # everyone's document and the restricted one
    with system_scope("test"):
        own.partner = cast.rbkc
        own.requester = cast.rbkc_staff
        own.save()
    assert (in_council(own, cast.wcc.pk), in_council(own, cast.rbkc.pk)) == (0, 2)
    shared = problem(title="Docking stations fail")
    assert in_council(shared, 0) == 1  # no council: 0
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES ('integrity-check')"
        )
    assert found(cast.rbkc_lead, "docking") == [("ticket", own.pk)]
    assert found(cast.wcc_lead, "docking") == []


def restricted_councils(record: Any) -> set[Any]:
    return set(
        SearchEntry.objects.unscoped("test")
        .filter(object_id=record.pk, content_type__model=type(record)._meta.model_name)
        .values_list("restricted_partner_id", flat=True)
    )


def test_each_entry_carries_the_one_council_of_its_restricted_parts_kept_with_them(cast):
    own = ticket(cast, subject="Plotter smears")
    assert restricted_councils(own) == {None}
    secret = note(own, cast.agent, "Toner from the zebra batch")
    note(own, cast.agent, "Called back", public=True)
    assert restricted_councils(own) == {cast.wcc.pk}  # both documents
    # A note of another council (only by a bulk write): that council's, so the ticket's own
    # council's lead is checked note by note, and does not match on it.
    TicketComment.objects.unscoped("test").unlogged("test: a note moved").filter(
        pk=secret.pk
    ).update(partner=cast.rbkc)
    assert restricted_councils(own) == {cast.rbkc.pk}
    assert found(cast.rbkc_lead, "zebra") == []  # nor does the other's: not their ticket
    assert found(cast.wcc_lead, "zebra") == []
    assert found(cast.wcc_lead, "plotter") == [("ticket", own.pk)]
    assert found(cast.agent, "zebra") == [("ticket", own.pk)]
    TicketComment.objects.unscoped("test").unlogged("test: moved back").filter(pk=secret.pk).update(
        partner=cast.wcc
    )
    assert restricted_councils(own) == {cast.wcc.pk}
    assert found(cast.wcc_lead, "zebra") == [("ticket", own.pk)]
    # Notes of two councils: none.
    other = note(own, cast.agent, "Second opinion")
    TicketComment.objects.unscoped("test").unlogged("test: a note moved").filter(
        pk=other.pk
    ).update(partner=cast.rbkc)
    assert restricted_councils(own) == {None}
    assert found(cast.wcc_lead, "zebra") == []
    with system_scope("test"):
        other.delete()
    assert restricted_councils(own) == {cast.wcc.pk}
    # The reindex writes it too.
    SearchEntry.objects.unscoped("test").update(restricted_partner=None)
    call_command("search_reindex")
    assert restricted_councils(own) == {cast.wcc.pk}


@pytest.mark.parametrize("words", ["zebra", "plotter", "plotter zebra", "plotter or zebra"])
def test_the_restricted_parts_council_shortcut_finds_what_checking_each_part_finds(
    cast, monkeypatch, words
):
    """The shortcut (an entry whose restricted parts are all of a council whose every note
    the reader sees is not checked part by part) against the slow path (every part checked):
    the same pages for the desk, the councils' leads and auditors, requesters and contacts."""
    a = ticket(cast, subject="Plotter smears")
    note(a, cast.agent, "zebra toner")
    b = ticket(cast, cast.rbkc, subject="Plotter jams")
    note(b, cast.agent, "zebra rollers")
    c = ticket(cast, subject="Plotter offline", description="zebra")
    moved = note(c, cast.agent, "zebra cable")
    note(c, cast.agent, "plotter fixed", public=True)
    TicketComment.objects.unscoped("test").unlogged("test: a note moved").filter(
        pk=moved.pk
    ).update(partner=cast.rbkc)
    readers = [
        cast.agent,
        cast.wcc_lead,
        cast.rbkc_lead,
        cast.wcc_auditor,
        cast.wcc_staff,
        cast.rbkc_staff,
    ]
    fast = {reader.pk: page_of(reader, words, size=2) for reader in readers}
    monkeypatch.setattr("core.search.visibility._whole_councils", lambda user, model: None)
    slow = {reader.pk: page_of(reader, words, size=2) for reader in readers}
    assert fast == slow
    assert any(pages[0][0] for pages in fast.values())
