"""Locust users for the load test (benches/load.py runs them; see docs/performance.md).

Each simulated user signs in with an API token of one of the benchmark's people (a
shared-service manager, or a council's lead) and, with pauses of a tenth to half a second,
mixes what people do most: the sites list (first page, a later page through the cursor, a
filtered search), a site's detail, and an update of one of its own sites (read the ETag, then
PATCH with If-Match). Each user updates sites no other user touches, so a 412 would be a lost
race that should not happen here, and counts as an error like any other 4xx or 5xx.

The plan (tokens and each user's sites) comes from the JSON file named by CONCORD_LOAD_PLAN,
written by benches/load.py.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from typing import Any

from locust import HttpUser, between, task

with open(os.environ["CONCORD_LOAD_PLAN"], encoding="utf-8") as plan_file:
    PLAN: dict[str, Any] = json.load(plan_file)

_next_user = itertools.count()
_lock = threading.Lock()

SEARCHES = ["Victoria", "Library", "Depot", "King", "Hall"]


class CouncilPerson(HttpUser):
    """One person working through the API of the sites."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        with _lock:
            number = next(_next_user)
        people = PLAN["people"]
        self.person = people[number % len(people)]
        # The sites only this simulated user updates: a share of its person's sites.
        mine = PLAN["sites"][self.person["username"]]
        sharing = PLAN["users_per_person"]
        self.own_sites = mine[(number // len(people)) % sharing :: sharing]
        self.client.headers.update(
            {
                "Authorization": f"Token {self.person['token']}",
                "Accept": "application/json",
                # As behind the HTTPS proxy of a real installation (CONCORD_PROXY_HTTPS_HEADER).
                "X-Forwarded-Proto": "https",
            }
        )
        self.next_page = ""

    @task(4)
    def list_first_page(self) -> None:
        with self.client.get("/api/v1/sites/", name="list sites", catch_response=True) as r:
            if r.status_code == 200:
                self.next_page = r.json().get("next") or ""

    @task(2)
    def list_next_page(self) -> None:
        if not self.next_page:
            return self.list_first_page()
        path = self.next_page.split("://", 1)[-1].split("/", 1)[-1]
        with self.client.get(f"/{path}", name="list sites, next page", catch_response=True) as r:
            if r.status_code == 200:
                self.next_page = r.json().get("next") or ""
        return None

    @task(2)
    def search(self) -> None:
        self.client.get(
            f"/api/v1/sites/?q={random.choice(SEARCHES)}&is_active=true",
            name="search sites",
        )

    @task(4)
    def detail(self) -> None:
        site = random.choice(self.own_sites)
        self.client.get(f"/api/v1/sites/{site}/", name="site detail")

    @task(2)
    def update(self) -> None:
        site = random.choice(self.own_sites)
        read = self.client.get(f"/api/v1/sites/{site}/", name="site detail (before update)")
        if read.status_code != 200:
            return
        name = read.json()["name"]
        stem = name.rsplit(" #", 1)[0]
        count = int(name.rsplit(" #", 1)[1]) + 1 if " #" in name else 1
        self.client.patch(
            f"/api/v1/sites/{site}/",
            json={"name": f"{stem} #{count}"[:200]},
            headers={"If-Match": read.headers.get("ETag", "")},
            name="update site (If-Match)",
        )
