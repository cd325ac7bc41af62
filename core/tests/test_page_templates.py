"""Every page template, drawn as people see it, checked for what each page must have.

- exactly one ``<h1>``;
- a label for every input, select and textarea (``<label for>``, or an ARIA name);
- ids that are unique, so that labels, hints and error links find the one element meant;
- where the page shows an error summary, a title starting "Error: ", the summary before the
  ``<h1>`` (first in the main content, as GOV.UK has it), and summary links that lead to an
  element on the page;
- no inline event handlers (the CSP refuses them, and a click handler on a ``<div>`` is out of
  keyboard reach).

The pages are drawn in their error states too, and the test fails if a page template under
templates/ (or an app's own templates folder) was never drawn, so a new page is checked as soon
as it exists. Core's pages are drawn through the sample app (core.testing.sample); every
installed app's generic pages (its list, and its form empty and with errors) are drawn too,
found through the machinery rather than named, so that a template an app overrides one with
(``<app>/<model>_form.html``) is checked as well, and so are the pages each app lists in
``<app>/tests/pages.py`` (core.testing.visits).
"""

from __future__ import annotations

import re
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from core.apps import concord_apps
from core.attachments import attach_file
from core.models import ImportJob, JobStatus
from core.tenancy.models import Membership
from core.tenancy.scoping import system_scope
from core.testing.cast import PASSWORD, Cast
from core.testing.families import declared_families, import_project_tests
from core.testing.sample.models import Room, RoomType
from core.testing.visits import app_page_visits
from core.views.generic import DECLARED

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def template_folders() -> list[Path]:
    """The project's templates folder, then the templates folder of each Concord app that has
    one (the sample app's, for a start)."""
    own = [Path(app.path) / "templates" for app in concord_apps()]
    return [TEMPLATES, *(folder for folder in own if folder.is_dir())]


class PageParser(HTMLParser):
    """What the checks need from a page: headings, fields, labels, ids, summary links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.title = ""
        self.in_title = False
        self.fields: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.summary_links: list[str] = []
        self.summary_depth = 0
        self.has_summary = False
        self.summary_after_h1 = False
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        classes = (found.get("class") or "").split()
        if tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        elif tag in ("input", "select", "textarea") and (found.get("type") or "") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.fields.append(found)
        if tag == "div" and "govuk-error-summary" in classes:
            self.has_summary = True
            self.summary_after_h1 = self.summary_after_h1 or self.h1 > 0
            self.summary_depth = 1
        elif tag == "div" and self.summary_depth:
            self.summary_depth += 1
        elif tag == "a" and self.summary_depth and found.get("href"):
            self.summary_links.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "div" and self.summary_depth:
            self.summary_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


def problems_of(text: str) -> list[str]:
    """What is wrong with one page's HTML, in words (empty when nothing is)."""
    page = PageParser()
    page.feed(text)
    found = []
    if page.h1 != 1:
        found.append(f"{page.h1} <h1> elements, not one")
    for field in page.fields:
        named = field.get("aria-label") or field.get("aria-labelledby")
        if not named and field.get("id") not in page.label_for:
            found.append(f"no label for {field.get('name') or field.get('id')}")
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    if duplicates:
        found.append(f"ids used more than once: {duplicates}")
    if page.has_summary and not page.title.strip().startswith("Error: "):
        found.append(f"an error summary, but the title is {page.title.strip()!r}")
    if page.summary_after_h1:
        found.append("an error summary after the <h1> (GOV.UK puts it first)")
    for href in page.summary_links:
        if href.startswith("#") and href[1:] not in page.ids:
            found.append(f"the error summary links to {href}, which is not on the page")
    if page.handlers:
        found.append(f"inline event handlers: {page.handlers}")
    return found


def test_the_checks_find_what_they_look_for() -> None:
    bad = (
        "<title>Rooms</title><h1>A</h1><h1>B</h1><input id='q' name='q'>"
        "<div class='govuk-error-summary'><a href='#nowhere'>Wrong</a></div>"
        "<div id='x' onclick='go()'></div><p id='x'></p>"
    )
    assert problems_of(bad) == [
        "2 <h1> elements, not one",
        "no label for q",
        "ids used more than once: ['x']",
        "an error summary, but the title is 'Rooms'",
        "an error summary after the <h1> (GOV.UK puts it first)",
        "the error summary links to #nowhere, which is not on the page",
        "inline event handlers: ['onclick']",
    ]
    good = (
        "<title>Error: Rooms</title>"
        "<div class='govuk-error-summary'><a href='#q'>Enter a search</a></div>"
        "<h1>Rooms</h1><label for='q'>Search</label>"
        "<input id='q' name='q'><input type='hidden' name='next'>"
    )
    assert problems_of(good) == []


#: Pages drawn by their own script, which the server's HTML alone cannot show: the API
#: documentation (Swagger UI draws its heading and content), checked in a browser instead by
#: core/tests/test_accessibility_browser.py.
SCRIPT_DRAWN = frozenset({"drf_spectacular/swagger_ui.html"})


def page_templates() -> set[str]:
    """Every template that is a whole page: not a partial (``_name.html``), not a layout, not
    an email (``<app>/email/``: read in a mail client, checked by the app's email tests)."""
    return {
        str(path.relative_to(folder))
        for folder in template_folders()
        for path in folder.rglob("*.html")
        if not path.name.startswith("_")
        and path.name != "base.html"
        and "email" not in path.relative_to(folder).parts[:-1]
    } - SCRIPT_DRAWN


@pytest.fixture
def drawn() -> Any:
    """The templates drawn during the test, by name."""
    names: set[str] = set()

    def note(sender: Any, template: Any, context: Any, **kwargs: Any) -> None:
        names.add(template.name)

    template_rendered.connect(note)
    yield names
    template_rendered.disconnect(note)


def test_every_page_template_passes_the_checks(
    cast: Cast, client_for: Any, client: Client, drawn: set[str], settings: Any, media_folder: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall", room_type=office)
        plan = attach_file(
            room, SimpleUploadedFile("Plan.pdf", b"%PDF-1.4\n plan"), cast.manager, title=""
        )
    failed_job = ImportJob.objects.create(
        user=cast.manager,
        model_label="sample.Room",
        filename="rooms.csv",
        status=JobStatus.FAILED,
        message="The file could not be read.",
    )
    problems_job = ImportJob.objects.create(
        user=cast.manager,
        model_label="sample.Room",
        filename="rooms.csv",
        status=JobStatus.CHECKED,
        result={"total_rows": 1, "errors": [{"row": 2, "column": "code", "message": "Bad."}]},
    )
    changed_job = ImportJob.objects.create(
        user=cast.manager,
        model_label="sample.Room",
        filename="rooms.csv",
        status=JobStatus.CHECKED,
        message="Nothing was imported.",
        result={
            "total_rows": 1,
            "dry_run": False,
            "errors": [{"row": 2, "column": "code", "message": "Already in use."}],
        },
    )
    membership = Membership.objects.visible_to(cast.manager).get(user=cast.wcc_lead)
    manager = client_for(cast.manager)
    upload = reverse("core:attachment_upload", args=["sample", "room", room.pk])
    visits: list[tuple[str, Any]] = [
        ("home", lambda: manager.get("/")),
        ("list", lambda: manager.get("/rooms/")),
        ("list, bad filter", lambda: manager.get("/rooms/?partner=abc")),
        ("detail", lambda: manager.get(f"/rooms/{room.pk}/")),
        ("council", lambda: manager.get(f"/partners/{cast.wcc.pk}/")),
        ("add", lambda: manager.get("/rooms/new/")),
        ("add, errors", lambda: manager.post("/rooms/new/", {"code": "bad code!"})),
        ("edit", lambda: manager.get(f"/rooms/{room.pk}/edit/")),
        ("pact, errors", lambda: manager.post("/pacts/new/", {"reference": "A"})),
        ("add a person", lambda: manager.get("/memberships/new/")),
        ("add a person, errors", lambda: manager.post("/memberships/new/", {})),
        ("roles", lambda: manager.get(f"/memberships/{membership.pk}/edit/")),
        ("delete", lambda: manager.get(f"/rooms/{room.pk}/delete/")),
        ("delete, refused", lambda: manager.post(f"/room-types/{office.pk}/delete/")),
        ("history", lambda: manager.get(f"/rooms/{room.pk}/history/")),
        ("change log", lambda: manager.get("/changes/")),
        ("change log, bad filter", lambda: manager.get("/changes/?date_from=soon")),
        ("search", lambda: manager.get("/search/")),
        ("search, results", lambda: manager.get("/search/?q=hall")),
        ("search, nothing found", lambda: manager.get("/search/?q=nothing")),
        ("search, errors", lambda: manager.get("/search/", {"q": "x" * 201})),
        ("search, bad kind", lambda: manager.get("/search/", {"q": "hall", "kind": "no"})),
        ("import", lambda: manager.get("/rooms/import/")),
        ("import, no file", lambda: manager.post("/rooms/import/", {})),
        ("import, failed", lambda: manager.get(f"/rooms/import/?job={failed_job.token}")),
        (
            "import, empty file",
            lambda: manager.post(
                "/rooms/import/", {"file": SimpleUploadedFile("rooms.csv", b"", "text/csv")}
            ),
        ),
        ("import, problems", lambda: manager.get(f"/rooms/import/?job={problems_job.token}")),
        ("import, changed", lambda: manager.get(f"/rooms/import/?job={changed_job.token}")),
        ("partner exports", lambda: manager.get("/partner-exports/")),
        ("partner exports, errors", lambda: manager.post("/partner-exports/", {})),
        ("attach", lambda: manager.get(upload)),
        ("attach, errors", lambda: manager.post(upload, {})),
        ("remove a file", lambda: manager.get(f"/attachments/{plan.pk}/delete/")),
        ("403", lambda: client_for(cast.wcc_staff).get("/changes/")),
        ("404", lambda: manager.get("/no-such-page/")),
        ("sign in", lambda: client.get(reverse("login"))),
        ("sign in, errors", lambda: client.post(reverse("login"), {"username": "wcc.lead"})),
    ]
    # Every installed app's generic pages, found through the machinery (core names no app):
    # its list, its form, and its form sent empty (errors); and, made by the model's test
    # family (which knows how to make one), a record's own pages, where an app may draw its
    # own template (a ticket's conversation).
    import_project_tests()
    families = {family.model: family for family in declared_families()}
    for views in DECLARED:
        label = views.model._meta.label_lower
        list_url = reverse(views.model.url_name("list"))
        create_url = reverse(views.model.url_name("create"))
        visits += [
            (f"{label} list", partial(manager.get, list_url)),
            (f"{label} add", partial(manager.get, create_url)),
            (f"{label} add, errors", partial(manager.post, create_url, {})),
        ]
        family = families.get(views.model)
        if family is not None and views.model is not Room:
            example = family()
            record = example.given(example.sample, cast)
            for page in ("detail", "update", "history"):
                url = reverse(views.model.url_name(page), args=[record.pk])
                visits.append((f"{label} {page}", partial(manager.get, url)))
    # Every app's other pages in the navigation (a schedule, a dashboard).
    for config in concord_apps():
        for entry in config.nav_entries:
            visits.append((entry.label, partial(manager.get, reverse(entry.url_name))))
    # And the pages each app draws beyond its generic ones (core.testing.visits).
    visits += app_page_visits(cast, client_for)
    pages: dict[str, str] = {}
    for name, visit in visits:
        response = visit()
        assert response.status_code in (200, 400, 403, 404), (name, response.status_code)
        pages[name] = response.content.decode()
    # An expired form.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.manager, backend="core.tenancy.auth.ConcordBackend")
    response = strict.post("/rooms/new/", {"code": "X"})
    assert response.status_code == 403
    pages["csrf"] = response.content.decode()
    # Locked out after too many wrong passwords.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "wcc.staff", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "wcc.staff", "password": PASSWORD})
    pages["locked out"] = response.content.decode()
    assert "You cannot sign in for now" in pages["locked out"]
    # The lock-out in force, listed with its button to lift it.
    pages["sign-in lock-outs"] = manager.get("/sign-in-lockouts/").content.decode()
    assert "Lift" in pages["sign-in lock-outs"]
    # The server error page stands alone (no database, no layout).
    pages["500"] = render_to_string("errors/500.html")
    # A request no form sends (a NUL character) is refused before the session is read.
    response = client.get("/rooms/", {"q": "\x00"})
    assert response.status_code == 400
    pages["400"] = response.content.decode()
    found = {name: problems_of(text) for name, text in pages.items() if problems_of(text)}
    assert found == {}
    assert page_templates() - drawn == set(), "page templates this test never drew"


def test_confirm_delete_refused_is_titled_error(cast: Cast, client_for: Any) -> None:
    with system_scope("test data"):
        office = RoomType.objects.create(name="Office")
        Room.objects.create(partner=cast.wcc, code="CH", name="City Hall", room_type=office)
    text = client_for(cast.manager).post(f"/room-types/{office.pk}/delete/").content.decode()
    assert "cannot be deleted" in text
    assert re.search(r"<title>Error: Delete Office", text)
    text = client_for(cast.manager).get(f"/room-types/{office.pk}/delete/").content.decode()
    assert re.search(r"<title>Delete Office", text)
