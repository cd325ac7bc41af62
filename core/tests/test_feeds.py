"""Per-person secret feed addresses (core.feeds, core.models.FeedSecret): one per person and
feed, a new one stops the old, a secret opens only its own feed, and the desk's secrets made
before they moved into core keep working (servicedesk migration 0011)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import feeds
from core.models import FeedSecret

pytestmark = pytest.mark.django_db


def test_a_secret_opens_its_own_feed_only_and_a_new_one_stops_the_old(cast: Any) -> None:
    changes = feeds.new_feed_secret(cast.wcc_lead, "changes")
    contracts = feeds.new_feed_secret(cast.wcc_lead, "contracts")
    assert feeds.feed_person(changes, "changes") == cast.wcc_lead
    assert feeds.feed_person(contracts, "contracts") == cast.wcc_lead
    assert feeds.feed_person(changes, "contracts") is None
    assert feeds.feed_person("x" * 101, "changes") is None
    newer = feeds.new_feed_secret(cast.wcc_lead, "changes")
    assert feeds.feed_person(changes, "changes") is None
    assert feeds.feed_person(newer, "changes") == cast.wcc_lead
    assert feeds.feed_person(contracts, "contracts") == cast.wcc_lead
    assert FeedSecret.objects.filter(user=cast.wcc_lead).count() == 2
    # Only the hash is kept.
    assert not FeedSecret.objects.filter(secret_hash=newer).exists()


def test_a_person_who_can_no_longer_sign_in_has_no_feed(cast: Any) -> None:
    secret = feeds.new_feed_secret(cast.wcc_staff, "contracts")
    cast.wcc_staff.is_active = False
    cast.wcc_staff.save()
    assert feeds.feed_person(secret, "contracts") is None


@pytest.mark.django_db(transaction=True)
def test_the_desk_s_existing_secrets_keep_working_after_the_move(cast: Any) -> None:
    executor = MigrationExecutor(connection)
    before = [("servicedesk", "0010_ticket_configuration_item")]
    after = [("servicedesk", "0011_calendar_feed_into_core")]
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        CalendarFeed = old_apps.get_model("servicedesk", "CalendarFeed")
        secret = "an-address-made-before-the-move"
        CalendarFeed.objects.create(user_id=cast.wcc_lead.pk, secret_hash=feeds.digest(secret))
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        assert feeds.feed_person(secret, "changes") == cast.wcc_lead
        assert feeds.has_feed(cast.wcc_lead, "changes")
    finally:
        # Every migration applied again (later ones too: servicedesk 0012 and after), so the
        # worker's later tests find the schema they expect.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
