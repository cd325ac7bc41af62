"""What a person reads on a page, for the tests of its words (docs/adding-a-model.md, "One name
for one thing").

`read_page` parses a page's HTML into the text a person reads or hears: the title, every text
node outside scripts, styles and ``<code>`` (code is code's words), visually hidden text (a
screen reader says it), and the labels only assistive technology reads (``aria-label``,
``alt``). It also gathers the page's links with their text, its first ``<h1>`` and the text of
its buttons, so that a test can follow an "Add X" link and compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Code's words, which never reach a person: the kernel calls a council a partner and a
#: council role a membership (URLs and the API keep them). "Partnership" is the councils' word.
CODE_WORDS = re.compile(r"\b(partners?|memberships?)\b", re.IGNORECASE)

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
_UNREAD = frozenset({"script", "style", "code", "template"})


@dataclass
class Page:
    """A page as a person reads it."""

    title: str = ""
    h1: str = ""
    text: str = ""
    #: (link text, href) of every link, in order.
    links: list[tuple[str, str]] = field(default_factory=list)
    #: The text of every button (``<button>`` and links drawn as buttons).
    buttons: list[str] = field(default_factory=list)

    def code_words(self) -> list[str]:
        """Each place code's words show in what the person reads, with some context."""
        return [
            self.text[max(0, m.start() - 50) : m.end() + 30] for m in CODE_WORDS.finditer(self.text)
        ]


def _squash(text: str) -> str:
    return " ".join(text.split())


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.title: list[str] = []
        self.h1: list[str] | None = None
        self.h1_done = False
        # Open links and buttons: (href or None, text parts, drawn as a button).
        self.open: list[tuple[str | None, list[str], bool]] = []
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        for key in ("aria-label", "alt"):
            if named.get(key):
                self.parts.append(named[key])
        if tag in _VOID:
            return
        self.stack.append(tag)
        if tag == "h1" and not self.h1_done:
            self.h1 = []
        if tag == "a":
            self.open.append((named.get("href"), [], named.get("role") == "button"))
        elif tag == "button":
            self.open.append((None, [], True))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or tag not in self.stack:
            return
        while self.stack:
            closed = self.stack.pop()
            if closed == "h1" and self.h1 is not None and not self.h1_done:
                self.page.h1 = _squash("".join(self.h1))
                self.h1_done = True
            if closed in ("a", "button") and self.open:
                href, text, button = self.open.pop()
                words = _squash("".join(text))
                if href is not None:
                    self.page.links.append((words, href))
                if button:
                    self.page.buttons.append(words)
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if "title" in self.stack:
            self.title.append(data)
            self.parts.append(data)
            return
        if any(tag in _UNREAD for tag in self.stack):
            return
        self.parts.append(data)
        if self.h1 is not None and not self.h1_done:
            self.h1.append(data)
        for _, text, _ in self.open:
            text.append(data)


def read_page(html: str) -> Page:
    """`html` as a person reads it (see the module's doc)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    page = reader.page
    page.title = _squash("".join(reader.title))
    page.text = _squash(" ".join(reader.parts))
    return page


def title_of(page: Page) -> str:
    """A page's own title: its ``<title>`` without "Error: " and the service's name."""
    title = page.title.removeprefix("Error: ")
    return title.rsplit(" \u2013 Concord", 1)[0]


def links_under(html: str, heading: str) -> list[tuple[str, str]]:
    """The (text, href) links of the list that follows the ``<h2>`` `heading` on a page (a
    council's "Next steps"), or [] when the page has no such heading."""
    marker = f">{heading}</h2>"
    if marker not in html:
        return []
    return read_page(html.split(marker, 1)[1].split("</ul>", 1)[0]).links
