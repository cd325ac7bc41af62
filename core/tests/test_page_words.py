"""One name for one thing, over the whole site: every page a person reaches from the home page
says the councils' words (council, person, role), never code's ("partner", "membership"), and
every "Add X" link opens a page titled "Add X" (docs/adding-a-model.md, "One name for one
thing"). Each model's own pages are checked by its family (core.testing.families.pages); this
walk adds the pages no family draws (the home page, the change log, a council's page with
every app's records, the data pages) and the links between them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from core.testing.cast import Cast
from core.testing.words import read_page, title_of

#: Links the walk does not follow: files, signing out, the API and the back office.
NOT_PAGES = ("/static/", "/media/", "/api/", "/django-admin/", "/accounts/logout")


def walk(client: Any, start: str = "/", limit: int = 250) -> dict[str, Any]:
    """The pages reachable from `start` by GET links (files and downloads aside), read."""
    pages: dict[str, Any] = {}
    todo = [start]
    while todo and len(pages) < limit:
        url = todo.pop(0)
        if url in pages:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            pages[url] = None
            continue
        page = read_page(response.content.decode())
        pages[url] = page
        for _, href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(NOT_PAGES) or "format=" in parts.query:
                continue
            if "cursor=" in parts.query or "sort=" in parts.query:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in pages:
                todo.append(target)
    return pages


def is_create_page(url: str) -> bool:
    try:
        return (resolve(urlsplit(url).path).url_name or "").endswith("_create")
    except Resolver404:
        return False


@pytest.mark.parametrize("who", ["manager", "wcc_lead", "wcc_auditor", "agent"])
def test_every_page_says_the_councils_words(cast: Cast, client_for: Any, who: str) -> None:
    pages = walk(client_for(getattr(cast, who)))
    read = {url: page for url, page in pages.items() if page is not None}
    assert len(read) > 10, sorted(pages)
    found = {url: page.code_words() for url, page in read.items() if page.code_words()}
    assert found == {}, found


@pytest.mark.parametrize("who", ["manager", "wcc_lead"])
def test_every_add_link_opens_its_page(cast: Cast, client_for: Any, who: str) -> None:
    client = client_for(getattr(cast, who))
    pages = walk(client)
    checked = 0
    for url, page in pages.items():
        if page is None:
            continue
        for text, href in page.links:
            if not is_create_page(href):
                continue
            opened = read_page(client.get(href).content.decode())
            assert text == title_of(opened) == opened.h1, (url, text, href, opened.title)
            assert text in opened.buttons, (href, opened.buttons)
            checked += 1
    assert checked, "no page links to an add page"
