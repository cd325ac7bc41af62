"""Full-text search (core.search) of a model that declares itself searchable: its record is
found, on the search page and through ``/api/v1/search/``, by people who see it and by the
words it holds; another council's person searching the same words never finds it, while
finding their own council's record of the kind (two councils, the same words)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.contenttypes.models import ContentType

from core.models import SearchAudience, SearchEntry
from core.search import kind_of, spec_of
from core.testing.cast import Cast
from core.testing.families.base import FamilyBase, all_of, applies, content_of, has_outsider


def searchable(cls: Any) -> bool:
    return spec_of(cls.model) is not None


class SearchTests(FamilyBase):
    """Search finds the record for those who see it, and never for the outsider."""

    def search_words(self, obj: Any) -> str:
        """Words the record's index title holds (its title fields), to search for."""
        entry = SearchEntry.objects.unscoped("test: what the record is indexed as").get(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
            audience=SearchAudience.EVERYONE,
        )
        return " ".join(re.findall(r"\w+", entry.title)[:5])

    def found(self, client: Any, words: str) -> list[int]:
        answer = client.get("/api/v1/search/", {"q": words, "kind": kind_of(self.model)})
        assert answer.status_code == 200, answer.content[:300]
        return [result["id"] for result in answer.json()["results"]]

    @applies(searchable)
    def test_search_finds_the_record(
        self, cast: Cast, client_for: Any, api_client_for: Any
    ) -> None:
        obj = self.given(self.sample, cast)
        words = self.search_words(obj)
        user = self.user(cast, self.permitted)
        assert obj.pk in self.found(api_client_for(user), words), words
        page = client_for(user).get("/search/", {"q": words})
        assert page.status_code == 200 and self.link(obj) in content_of(page)

    @applies(all_of(searchable, has_outsider))
    def test_search_outsider_finds_only_their_own(
        self, cast: Cast, client_for: Any, api_client_for: Any
    ) -> None:
        obj = self.given(self.sample, cast)
        outsider = self.user(cast, self.outsider)
        theirs = self.given(self.make, cast, cast.partner_of(outsider))
        words = self.search_words(obj)
        client = api_client_for(outsider)
        found = self.found(client, words)
        assert obj.pk not in found
        if self.search_words(theirs) == words:
            assert theirs.pk in found  # the same words: their own record, never the sample
        assert theirs.pk in self.found(client, self.search_words(theirs))
        page = content_of(client_for(outsider).get("/search/", {"q": words}))
        api = client.get("/api/v1/search/", {"q": words}).content.decode()
        # The words were sent, and may be their own record's too: everything else is secret.
        secrets = [s for s in self.secrets(cast, obj) if s != self.search_term(obj)]
        for text, where in ((page, "search page"), (api, "search API")):
            for secret in secrets:
                assert secret not in text, f"{where} reveals {secret!r} to {self.outsider}"
