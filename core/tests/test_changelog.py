"""The change log: one immutable record per create, update and delete, visible by partner."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.api.testing import api_client
from core.changelog import history_for
from core.context import acting_as
from core.middleware import ChangeContextMiddleware, RequestIdMiddleware
from core.models import ChangeAction, ChangeRecord, ChangeRecordPartner, ImportJob
from core.services import set_owner_shares
from core.tenancy.models import Partner
from core.tenancy.records import ConcordModel
from core.tenancy.scoping import ScopeError, UnloggedWriteError, system_scope
from core.testing.sample.models import Pact, Room, RoomType

pytestmark = pytest.mark.django_db

REQUEST_ID = "req-0123456789abcdef"


def all_changes() -> Any:
    return ChangeRecord.objects.unscoped("test: every change record")


def changes_of(obj: Any) -> list[ChangeRecord]:
    """The object's change records, oldest first."""
    return list(
        all_changes()
        .filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
        .order_by("at", "id")
    )


def partner_ids(record: ChangeRecord) -> set[int]:
    return set(
        ChangeRecordPartner.objects.filter(change=record).values_list("partner_id", flat=True)
    )


def through_a_request(user: Any, work: Any, request_id: str = REQUEST_ID) -> HttpResponse:
    """Run `work` as a view behind the request-id and change-context middleware."""

    def view(request: HttpRequest) -> HttpResponse:
        request.user = user  # what AuthenticationMiddleware would have done
        work()
        return HttpResponse("done")

    request = RequestFactory().post("/rooms/new/", HTTP_X_REQUEST_ID=request_id)
    return RequestIdMiddleware(ChangeContextMiddleware(view))(request)


# What a record holds ---------------------------------------------------------------------


def test_create_update_delete_each_write_a_record_from_a_request(cast):
    made: dict[str, Room] = {}

    def create() -> None:
        with system_scope("test: the view's own scoping is not under test here"):
            made["room"] = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")

    response = through_a_request(cast.wcc_lead, create)
    assert response["X-Request-ID"] == REQUEST_ID
    room = made["room"]

    (created,) = changes_of(room)
    assert created.action == ChangeAction.CREATE
    assert created.actor == cast.wcc_lead
    assert created.actor_label == "POST /rooms/new/"
    assert created.request_id == REQUEST_ID
    assert partner_ids(created) == {cast.wcc.pk}
    assert created.before is None
    after: dict[str, Any] = created.after or {}
    assert after["name"] == "City Hall"
    assert after["partner_id"] == cast.wcc.pk
    assert "version" not in after and "updated_at" not in after
    assert created.object_repr == "City Hall (CH)"
    assert created.at is not None

    def update() -> None:
        room.name = "Westminster City Hall"
        room.postcode = "SW1E 6QP"
        room.save()

    through_a_request(cast.wcc_lead, update, request_id="req-second-request")
    updated = changes_of(room)[-1]
    assert updated.action == ChangeAction.UPDATE
    assert (updated.before or {})["name"] == "City Hall"
    assert (updated.after or {})["name"] == "Westminster City Hall"
    assert updated.changed_fields == ["name", "postcode"]
    assert updated.request_id == "req-second-request"

    pk = room.pk
    through_a_request(cast.manager, room.delete, request_id="req-third-request")
    deleted = list(all_changes().filter(object_id=pk, action=ChangeAction.DELETE))
    assert len(deleted) == 1
    assert deleted[0].actor == cast.manager
    assert deleted[0].before["name"] == "Westminster City Hall"
    assert deleted[0].after is None
    assert partner_ids(deleted[0]) == {cast.wcc.pk}


def test_an_unsafe_request_id_is_replaced(cast):
    response = through_a_request(cast.wcc_lead, lambda: None, request_id="<script>")
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_every_change_of_one_request_shares_its_id(cast):
    def work() -> None:
        with system_scope("test"):
            Room.objects.create(partner=cast.wcc, code="A", name="A")
            Room.objects.create(partner=cast.wcc, code="B", name="B")

    through_a_request(cast.wcc_lead, work)
    assert set(all_changes().filter(actor=cast.wcc_lead).values_list("request_id", flat=True)) == {
        REQUEST_ID
    }


def test_an_update_that_changes_nothing_writes_no_record(cast):
    with system_scope("test"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        room.save()
        room.name = "City Hall"
        room.save()
        again = Room.objects.get(pk=room.pk)
        again.save()
    assert [r.action for r in changes_of(room)] == [ChangeAction.CREATE]


def test_a_loader_replaying_history_dates_its_records_when_they_happened(cast):
    from django.utils import timezone

    from core.context import dated

    then = timezone.now() - datetime.timedelta(days=200)
    with system_scope("test"), dated(then):
        room = Room.objects.create(partner=cast.wcc, code="OLD", name="Old Hall")
        with dated(then + datetime.timedelta(days=3)):
            room.name = "Old Town Hall"
            room.save()
        room.postcode = "SW1E 6QP"
        room.save()
    pk = room.pk
    with system_scope("test"):
        room.delete()
    created, renamed, moved, deleted = (
        all_changes()
        .filter(object_id=pk, content_type=ContentType.objects.get_for_model(Room))
        .order_by("id")
    )
    assert [created.at, renamed.at, moved.at] == [
        then,
        then + datetime.timedelta(days=3),
        then,
    ]
    # Outside it, now.
    assert deleted.at > timezone.now() - datetime.timedelta(minutes=5)
    # Never in the future, never without a time zone.
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValueError, match="not a moment in the future"), dated(tomorrow):
        pass
    with pytest.raises(ValueError, match="time zone"), dated(datetime.datetime(2026, 1, 5, 9)):
        pass


def test_co_owned_records_are_logged_for_every_owner(cast):
    with system_scope("test"), acting_as(cast.manager, label="test"):
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2018, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})  # same
        joint.title = "Bi-borough ICT pact"
        joint.save()
        pk = joint.pk
        joint.delete()
    records = list(
        all_changes()
        .filter(content_type=ContentType.objects.get_for_model(Pact), object_id=pk)
        .order_by("id")
    )
    assert [r.action for r in records] == ["create", "update", "update", "delete"]
    shares, renamed, deleted = records[1:]
    assert shares.after == {"owner_shares": {str(cast.wcc.pk): "50.00", str(cast.rbkc.pk): "50.00"}}
    assert partner_ids(shares) == {cast.wcc.pk, cast.rbkc.pk}
    assert partner_ids(renamed) == {cast.wcc.pk, cast.rbkc.pk}
    assert partner_ids(deleted) == {cast.wcc.pk, cast.rbkc.pk}


# Immutable ----------------------------------------------------------------------------------


@pytest.fixture
def record(cast: Any) -> ChangeRecord:
    with system_scope("test"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    return changes_of(room)[0]


def test_saving_an_existing_change_record_raises(record):
    record.object_repr = "tampered"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    record.refresh_from_db()
    assert record.object_repr == "City Hall (CH)"


def test_bulk_update_and_delete_of_change_records_raise(record, cast):
    with pytest.raises(PermissionError):
        all_changes().update(object_repr="tampered")
    with pytest.raises(PermissionError):
        all_changes().delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.visible_to(cast.manager).filter(pk=record.pk).update(actor=None)
    with system_scope("test"), pytest.raises(PermissionError):
        ChangeRecord.objects.filter(pk=record.pk).delete()
    assert all_changes().filter(pk=record.pk, object_repr="City Hall (CH)").exists()


def test_change_records_are_scoped_like_everything_else(record):
    with pytest.raises(ScopeError):
        list(ChangeRecord.objects.all())


def test_the_base_manager_refuses_to_alter_change_records(record, cast):
    # Django reads through the base manager with no scope (link.change, refresh_from_db), so
    # it must be no way round the default manager's refusal.
    rows = ChangeRecord._base_manager.filter(pk=record.pk)
    with pytest.raises(PermissionError, match="immutable"):
        rows.update(object_repr="X")
    with pytest.raises(PermissionError, match="immutable"):
        rows.delete()
    with pytest.raises(PermissionError, match="immutable"):
        ChangeRecord._base_manager.bulk_update([record], ["object_repr"])
    with pytest.raises(PermissionError, match="immutable"):
        ChangeRecord._base_manager.update_or_create(pk=record.pk, defaults={"object_repr": "X"})
    assert all_changes().get(pk=record.pk).object_repr == "City Hall (CH)"


def test_a_copy_cannot_overwrite_a_change_record(record):
    copy = ChangeRecord(
        pk=record.pk,
        at=record.at,
        action=record.action,
        content_type_id=record.content_type_id,
        object_id=record.object_id,
        object_repr="forged",
    )
    with pytest.raises(PermissionError, match="immutable"):
        copy.save()
    assert all_changes().get(pk=record.pk).object_repr == "City Hall (CH)"


def test_links_to_partners_cannot_be_removed_or_moved(record, cast):
    (link,) = ChangeRecordPartner.objects.filter(change=record)
    for manager in (ChangeRecordPartner.objects, ChangeRecordPartner._base_manager):
        links = manager.filter(change=record)
        with pytest.raises(PermissionError, match="immutable"):
            links.delete()
        with pytest.raises(PermissionError, match="immutable"):
            links.update(partner_id=cast.rbkc.pk)
        with pytest.raises(PermissionError, match="immutable"):
            manager.bulk_update([link], ["partner"])
    with pytest.raises(PermissionError, match="immutable"):
        link.delete()
    link.partner_id = cast.rbkc.pk
    with pytest.raises(PermissionError, match="immutable"):
        link.save()
    assert partner_ids(record) == {cast.wcc.pk}
    # What the links are for: the change is still in wcc's log and not in rbkc's.
    assert ChangeRecord.objects.visible_to(cast.wcc_auditor).filter(pk=record.pk).exists()
    assert not ChangeRecord.objects.visible_to(cast.rbkc_lead).filter(pk=record.pk).exists()


def test_the_database_refuses_to_alter_change_records_and_their_links(record, cast):
    with connection.cursor() as cursor:
        for sql, params in (
            ("UPDATE core_changerecord SET object_repr = 'tampered' WHERE id = %s", [record.pk]),
            ("DELETE FROM core_changerecord WHERE id = %s", [record.pk]),
            (
                "UPDATE core_changerecordpartner SET partner_id = %s WHERE change_id = %s",
                [cast.rbkc.pk, record.pk],
            ),
            ("DELETE FROM core_changerecordpartner WHERE change_id = %s", [record.pk]),
        ):
            with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
                cursor.execute(sql, params)
    assert all_changes().filter(pk=record.pk, object_repr="City Hall (CH)").exists()
    assert partner_ids(record) == {cast.wcc.pk}


def test_the_immutability_triggers_are_in_place():
    # A migration that rebuilds one of these tables on SQLite drops its triggers with it.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name LIKE 'core_changerecord%%'"
            )
            found = {(table, "UPDATE" in sql, "DELETE" in sql) for table, sql in cursor}
            assert found == {
                (table, update, not update)
                for table in ("core_changerecord", "core_changerecordpartner")
                for update in (True, False)
            }
        else:
            cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                "WHERE tgname LIKE '%%immutable' AND NOT tgisinternal"
            )
            assert {row[0] for row in cursor} == {
                "core_changerecord",
                "core_changerecordpartner",
            }


def test_a_partner_with_a_change_log_cannot_be_deleted_and_the_page_says_why(cast, client_for):
    with system_scope("test"):
        newb = Partner.objects.create(code="newb", name="New Borough")
    response = client_for(cast.manager).post(reverse("partners:partner_delete", args=[newb.pk]))
    assert response.status_code == 200
    assert "cannot be deleted because other records refer to it" in response.content.decode()
    with system_scope("test"):
        assert Partner.objects.filter(pk=newb.pk).exists()
    assert all_changes().filter(object_id=newb.pk, object_repr="New Borough").count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_change_log_and_keeps_it_guarded():
    # What the test runner does after every transactional test: on PostgreSQL TRUNCATE, which
    # the row triggers do not see; on SQLite DELETE, with the triggers lifted meanwhile.
    from core.testing.cast import make_cast

    make_cast()
    assert all_changes().exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not all_changes().exists()
    assert not ChangeRecordPartner.objects.exists()
    with system_scope("test"):
        room = Room.objects.create(partner=Partner.objects.create(code="x1", name="X"), code="A")
    (created,) = changes_of(room)
    with pytest.raises(DatabaseError, match="immutable"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_changerecord WHERE id = %s", [created.pk])
    assert changes_of(room) == [created]


# Moving a record between councils ---------------------------------------------------------------


@pytest.fixture
def wcc_hall(cast: Any) -> Room:
    with system_scope("test"):
        return Room.objects.create(
            partner=cast.wcc, code="CH", name="City Hall", address="64 Victoria Street"
        )


def test_moving_a_room_is_in_the_previous_and_the_new_councils_logs(cast, wcc_hall):
    response = api_client(cast.manager).patch(
        f"/api/v1/rooms/{wcc_hall.pk}/", {"partner": "rbkc"}, format="json"
    )
    assert response.status_code == 200, response.content
    created, moved = changes_of(wcc_hall)
    assert moved.changed_fields == ["partner_id"]
    before, after = moved.before or {}, moved.after or {}
    assert (before["partner_id"], after["partner_id"]) == (cast.wcc.pk, cast.rbkc.pk)
    assert partner_ids(moved) == {cast.wcc.pk, cast.rbkc.pk}
    # The council that lost the room keeps its whole history, move included...
    assert list(history_for(wcc_hall, cast.wcc_auditor)) == [moved, created]
    # ...and the council that gained it sees the move, not what came before it.
    assert list(history_for(wcc_hall, cast.rbkc_lead)) == [moved]

    with system_scope("test"):
        wcc_hall.refresh_from_db()
        wcc_hall.name = "Kensington Hall"
        wcc_hall.save()
    renamed = changes_of(wcc_hall)[-1]
    assert renamed.changed_fields == ["name"]  # from the values refresh_from_db read
    assert partner_ids(renamed) == {cast.rbkc.pk}  # no longer wcc's business
    assert list(history_for(wcc_hall, cast.wcc_auditor)) == [moved, created]


def test_the_history_pages_name_only_the_councils_each_reader_may_see(cast, wcc_hall, client_for):
    api_client(cast.manager).patch(
        f"/api/v1/rooms/{wcc_hall.pk}/", {"partner": "rbkc"}, format="json"
    )
    history = reverse("sample:room_history", args=[wcc_hall.pk])
    theirs = client_for(cast.rbkc_lead).get(history).content.decode()
    assert f"#{cast.wcc.pk}" in theirs and "Kensington and Chelsea" in theirs
    assert "Westminster" not in theirs
    # The council that lost the room can no longer open it; its change log shows the move.
    assert client_for(cast.wcc_auditor).get(history).status_code == 404
    log = client_for(cast.wcc_auditor).get(reverse("core:change_list")).content.decode()
    assert log.count("City Hall (CH)") == 2  # its creation, and the move


def test_the_previous_council_reads_the_move_in_its_change_log_api(cast, wcc_hall):
    api_client(cast.manager).patch(
        f"/api/v1/rooms/{wcc_hall.pk}/", {"partner": "rbkc"}, format="json"
    )
    body = api_client(cast.wcc_auditor).get("/api/v1/changes/?action=update").json()
    (row,) = body["results"]
    assert (row["object_id"], row["changed_fields"]) == (wcc_hall.pk, ["partner_id"])
    # It names only the councils the reader can see.
    assert row["partners"] == ["wcc"]


def test_both_councils_see_the_values_the_record_was_handed_over_with(cast, wcc_hall):
    # The rule (docs/tenancy.md): a move is one change, shown whole to both councils. What was
    # changed in the same save as the move is part of it, so its old value goes to both.
    with system_scope("test"):
        wcc_hall.partner = cast.rbkc
        wcc_hall.address = "Hornton Street"
        wcc_hall.save()
    moved = changes_of(wcc_hall)[-1]
    assert moved.changed_fields == ["address", "partner_id"]
    for reader in (cast.wcc_auditor, cast.rbkc_lead):
        (seen,) = ChangeRecord.objects.visible_to(reader).filter(pk=moved.pk)
        assert seen.before["address"] == "64 Victoria Street"


def test_deleting_a_record_moved_in_memory_logs_to_its_real_owner_too(cast, wcc_hall):
    with system_scope("test"):
        wcc_hall.partner = cast.rbkc  # never saved
        pk = wcc_hall.pk
        wcc_hall.delete()
    (deleted,) = all_changes().filter(object_id=pk, action=ChangeAction.DELETE)
    assert cast.wcc.pk in partner_ids(deleted)


# Bulk writes cannot skip the log -------------------------------------------------------------


def test_queryset_update_of_a_domain_record_raises_and_changes_nothing(cast, wcc_hall):
    with system_scope("test"), pytest.raises(UnloggedWriteError) as refused:
        Room.objects.owned_by(cast.wcc).update(name="Renamed")
    message = str(refused.value)
    assert "sample.Room.update()" in message
    assert "one by one" in message and '.unlogged("reason")' in message
    with system_scope("test"):
        assert Room.objects.get(pk=wcc_hall.pk).name == "City Hall"
    assert [r.action for r in changes_of(wcc_hall)] == [ChangeAction.CREATE]


def test_bulk_create_and_bulk_update_of_a_domain_record_raise(cast, wcc_hall):
    with system_scope("test"):
        with pytest.raises(UnloggedWriteError, match=r"sample\.Room\.bulk_create\(\)"):
            Room.objects.bulk_create([Room(partner=cast.wcc, code="B", name="B")])
        wcc_hall.name = "Renamed"
        with pytest.raises(UnloggedWriteError, match=r"sample\.Room\.bulk_update\(\)"):
            Room.objects.visible_to(cast.manager).bulk_update([wcc_hall], ["name"])
        assert list(Room.objects.values_list("name", flat=True)) == ["City Hall"]


def test_unlogged_is_the_stated_way_round_for_deliberate_bookkeeping(cast, wcc_hall):
    with system_scope("test"):
        changed = (
            Room.objects.owned_by(cast.wcc)
            .unlogged("test: a write that logs itself")
            .update(name="Renamed")
        )
        assert changed == 1
        assert Room.objects.get(pk=wcc_hall.pk).name == "Renamed"
    assert [r.action for r in changes_of(wcc_hall)] == [ChangeAction.CREATE]
    with pytest.raises(ValueError):
        Room.objects.unlogged("")


def test_an_unlogged_bulk_update_writes_by_key_and_keeps_the_querysets_narrowing(cast, wcc_hall):
    with system_scope("test"):
        rbkc_hall = Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
        wcc_hall.name, wcc_hall.address = "Renamed", "1 New Street"
        rbkc_hall.name = "Not in the queryset"
        written = (
            Room.objects.owned_by(cast.wcc)
            .unlogged("test: derived columns")
            .bulk_update([wcc_hall, rbkc_hall], ["name", "address"])
        )
        assert written == 1
        assert Room.objects.get(pk=wcc_hall.pk).address == "1 New Street"
        assert Room.objects.get(pk=rbkc_hall.pk).name == "Town Hall"
        # An expression is written through Django's own form, narrowing and all.
        wcc_hall.name = Concat(Value("Old "), F("name"))
        rbkc_hall.name = Concat(Value("Old "), F("name"))
        assert (
            Room.objects.owned_by(cast.wcc)
            .unlogged("test: derived columns")
            .bulk_update([wcc_hall, rbkc_hall], ["name"])
        ) == 1
        assert Room.objects.get(pk=wcc_hall.pk).name == "Old Renamed"
        assert Room.objects.get(pk=rbkc_hall.pk).name == "Town Hall"
    assert [r.action for r in changes_of(wcc_hall)] == [ChangeAction.CREATE]


def test_unlogged_does_not_lift_the_scope(cast):
    with pytest.raises(ScopeError):
        Room.objects.unlogged("test").update(name="x")


def test_bookkeeping_models_keep_their_bulk_updates(cast):
    job = ImportJob.objects.create(user=cast.wcc_lead, model_label="sample.Room", filename="a")
    assert ImportJob.objects.unscoped("job bookkeeping").filter(pk=job.pk).update(rows_done=3)
    job.refresh_from_db()
    assert job.rows_done == 3


def test_queryset_delete_is_logged_record_by_record(cast, wcc_hall):
    with system_scope("test"):
        Room.objects.create(partner=cast.wcc, code="LIB", name="Library")
        Room.objects.owned_by(cast.wcc).delete()
    deleted = all_changes().filter(
        content_type=ContentType.objects.get_for_model(Room), action=ChangeAction.DELETE
    )
    assert sorted(deleted.values_list("object_repr", flat=True)) == [
        "City Hall (CH)",
        "Library (LIB)",
    ]


def test_no_foreign_key_of_a_domain_record_changes_it_without_a_trace():
    # SET_NULL and SET_DEFAULT make Django update rows in bulk (no signals, so no change
    # record) when the record they point at is deleted; DO_NOTHING leaves them dangling.
    from django.apps import apps
    from django.db import models

    logged = {models.PROTECT, models.RESTRICT, models.CASCADE}
    wrong = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models()
        if issubclass(model, ConcordModel)
        for f in model._meta.concrete_fields
        if f.many_to_one and getattr(f.remote_field, "on_delete", None) not in logged
    ]
    assert wrong == []


# Who sees which changes -----------------------------------------------------------------------


@pytest.fixture
def logged(cast: Any) -> dict[str, Any]:
    """A change in each council's log, and one in both."""
    with system_scope("test"):
        wcc_room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
        rbkc_room = Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
        lbhf_room = Room.objects.create(partner=cast.lbhf, code="HTH", name="Hammersmith TH")
        joint = Pact.objects.create(
            reference="IAA-1", title="Bi-borough ICT", starts_on=datetime.date(2018, 4, 1)
        )
        set_owner_shares(joint, {cast.wcc: Decimal("50"), cast.rbkc: Decimal("50")})
        office = RoomType.objects.create(name="Office")
    return {
        "wcc": wcc_room,
        "rbkc": rbkc_room,
        "lbhf": lbhf_room,
        "joint": joint,
        "catalogue": office,
    }


def visible_objects(user: Any) -> set[tuple[str, int]]:
    return {
        (r.content_type.model, r.object_id)
        for r in ChangeRecord.objects.visible_to(user).select_related("content_type")
    }


def key(obj: Any) -> tuple[str, int]:
    return (obj._meta.model_name, obj.pk)


def test_a_council_auditor_sees_only_their_councils_changes(cast, logged):
    seen = visible_objects(cast.wcc_auditor)
    assert key(logged["wcc"]) in seen
    assert key(logged["joint"]) in seen  # co-owned by wcc
    assert key(logged["rbkc"]) not in seen
    assert key(logged["lbhf"]) not in seen
    assert key(logged["catalogue"]) not in seen  # nobody's log but the service's
    assert history_for(logged["rbkc"], cast.wcc_auditor).count() == 0
    assert history_for(logged["wcc"], cast.wcc_auditor).count() == 1


def test_each_council_lead_sees_their_own_log(cast, logged):
    assert visible_objects(cast.rbkc_lead) >= {key(logged["rbkc"]), key(logged["joint"])}
    assert key(logged["wcc"]) not in visible_objects(cast.rbkc_lead)


def test_requesters_and_former_partners_see_no_change_log(cast, logged):
    assert visible_objects(cast.wcc_staff) == set()
    assert visible_objects(cast.lbhf_lead) == set()  # lbhf has left


def test_shared_service_staff_see_every_change(cast, logged):
    everything = {key(o) for o in logged.values()}
    for staff in (cast.agent, cast.finance, cast.manager):
        assert visible_objects(staff) >= everything


def test_history_for_is_newest_first(cast, logged):
    room = logged["wcc"]
    with system_scope("test"):
        room.name = "Westminster City Hall"
        room.save()
    actions = [r.action for r in history_for(room, cast.wcc_lead)]
    assert actions == ["update", "create"]


# Commands and jobs ------------------------------------------------------------------------------


def test_commands_record_under_their_label(cast):
    with acting_as(None, label="command:test") as actor, system_scope("test"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    (created,) = changes_of(room)
    assert created.actor is None
    assert created.actor_label == "command:test"
    assert created.request_id == actor.request_id


def test_a_job_records_under_the_user_who_started_it(cast):
    with acting_as(cast.wcc_lead, label="job:import#7"), system_scope("test"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    (created,) = changes_of(room)
    assert created.actor == cast.wcc_lead
    assert created.actor_label == "job:import#7"


def test_concord_partner_add_records_under_its_label(cast):
    call_command("partner", "add", "newb", "--name", "New Borough", stdout=io.StringIO())
    (record,) = all_changes().filter(actor_label="command:partner add")
    assert record.action == ChangeAction.CREATE
    assert record.after["code"] == "newb"
    assert len(partner_ids(record)) == 1


def test_changes_outside_any_request_or_command_say_system(cast):
    with system_scope("test"):
        room = Room.objects.create(partner=cast.wcc, code="CH", name="City Hall")
    (created,) = changes_of(room)
    assert created.actor is None
    assert created.actor_label == "system"


# Accounts -------------------------------------------------------------------------------------


def account_changes(user: Any) -> list[ChangeRecord]:
    """The change records of one account, oldest first."""
    return changes_of(user)


def values(record: ChangeRecord, name: str) -> tuple[Any, Any]:
    """A field's value before and after a change (None where there is no before or after)."""
    return (record.before or {}).get(name), (record.after or {}).get(name)


def test_adding_a_person_logs_the_account_in_their_councils_log(cast):
    from core.tenancy.models import Membership, User

    with acting_as(cast.manager, label="test"), system_scope("test"):
        # A council person is added as the partners app adds one: the account, saved with no
        # password, then their first role.
        person = User(username="wcc.new", first_name="Nia", last_name="New")
        person.email = "nia@wcc.example"
        person.set_unusable_password()
        person.save()
        Membership(user=person, partner=cast.wcc, role="requester").save()
    (created,) = account_changes(person)
    assert created.action == ChangeAction.CREATE
    assert created.actor == cast.manager
    assert created.object_repr == "wcc.new"
    assert created.after == {
        "username": "wcc.new",
        "first_name": "Nia",
        "last_name": "New",
        "email": "nia@wcc.example",
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "service_role": "",
        "password": "not set",
    }
    # Saved before its first role, it is linked to that council once it has one.
    assert partner_ids(created) == {cast.wcc.pk}
    assert ChangeRecord.objects.visible_to(cast.wcc_auditor).filter(pk=created.pk).exists()
    assert ChangeRecord.objects.visible_to(cast.manager).filter(pk=created.pk).exists()
    assert not ChangeRecord.objects.visible_to(cast.rbkc_lead).filter(pk=created.pk).exists()


def test_making_a_requester_a_manager_is_logged_with_who_when_and_the_request(cast):
    def promote() -> None:
        cast.wcc_staff.service_role = "manager"
        cast.wcc_staff.save()

    through_a_request(cast.manager, promote)
    promoted = account_changes(cast.wcc_staff)[-1]
    assert promoted.action == ChangeAction.UPDATE
    assert promoted.changed_fields == ["service_role"]
    assert values(promoted, "service_role") == ("", "manager")
    assert promoted.actor == cast.manager
    assert promoted.request_id == REQUEST_ID
    assert promoted.at is not None
    # One of wcc's people: in wcc's log, not in rbkc's.
    assert partner_ids(promoted) == {cast.wcc.pk}
    assert key(cast.wcc_staff) in visible_objects(cast.wcc_auditor)
    assert key(cast.wcc_staff) not in visible_objects(cast.rbkc_lead)


def test_deactivating_an_account_is_logged(cast):
    cast.rbkc_staff.is_active = False
    cast.rbkc_staff.save()
    changed = account_changes(cast.rbkc_staff)[-1]
    assert changed.changed_fields == ["is_active"]
    assert values(changed, "is_active") == (True, False)
    assert partner_ids(changed) == {cast.rbkc.pk}


def test_a_password_change_is_logged_but_never_the_hash(cast):
    person = cast.wcc_lead
    old_hash = person.password
    person.set_password("a-brand-new-passphrase-42")
    person.save()
    person.set_unusable_password()
    person.save()
    changed, removed = account_changes(person)[-2:]
    assert changed.changed_fields == ["password"]
    assert values(changed, "password") == ("set", "changed")
    assert values(removed, "password") == ("set", "not set")
    import json

    stored = json.dumps([r.before for r in (changed, removed)] + [changed.after, removed.after])
    assert old_hash not in stored
    assert "argon2" not in stored and "pbkdf2" not in stored


def test_signing_in_and_a_hash_upgrade_are_not_logged(cast, client):
    from django.contrib.auth.hashers import make_password

    from core.testing.cast import PASSWORD

    person = cast.rbkc_lead
    person.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    person.save()
    logged = len(account_changes(person))
    response = client.post("/sign-in/", {"username": person.username, "password": PASSWORD})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.password.startswith("argon2")  # upgraded on sign-in
    assert person.last_login is not None
    assert len(account_changes(person)) == logged


def test_a_service_account_is_in_the_services_log_only(cast):
    cast.agent.service_role = "manager"
    cast.agent.save()
    promoted = account_changes(cast.agent)[-1]
    assert partner_ids(promoted) == set()
    assert ChangeRecord.objects.visible_to(cast.manager).filter(pk=promoted.pk).exists()
    for council_person in (cast.wcc_auditor, cast.wcc_lead, cast.rbkc_lead):
        assert not ChangeRecord.objects.visible_to(council_person).filter(pk=promoted.pk).exists()


def test_createsuperuser_is_logged_under_the_command(cast):
    from core.tenancy.models import User

    call_command(
        "createsuperuser", username="root", email="root@example.org", interactive=False, verbosity=0
    )
    (created,) = account_changes(User.objects.get(username="root"))
    assert values(created, "is_superuser") == (None, True)
    assert values(created, "password") == (None, "not set")
    assert partner_ids(created) == set()


def test_deleting_an_account_is_logged_and_one_who_made_changes_is_kept(cast):
    from django.db.models import ProtectedError

    from core.tenancy.models import User

    pk = cast.rbkc_staff.pk
    with acting_as(cast.manager, label="test"):
        cast.rbkc_staff.delete()
    assert not User.objects.filter(pk=pk).exists()
    deleted = all_changes().get(
        content_type=ContentType.objects.get_for_model(User),
        object_id=pk,
        action=ChangeAction.DELETE,
    )
    assert deleted.before["username"] == "rbkc.staff"
    assert partner_ids(deleted) == {cast.rbkc.pk}
    with system_scope("test"), acting_as(cast.rbkc_lead, label="test"):
        Room.objects.create(partner=cast.rbkc, code="TH", name="Town Hall")
    with pytest.raises(ProtectedError):
        cast.rbkc_lead.delete()


def test_the_change_log_page_lists_account_changes(cast, client_for):
    cast.wcc_staff.first_name = "Wendy"
    cast.wcc_staff.save()
    url = reverse("core:change_list") + "?model=tenancy.user&action=update"
    for reader in (cast.manager, cast.wcc_auditor):
        page = client_for(reader).get(url).content.decode()
        assert "wcc.staff" in page and "First name" in page
    assert "wcc.staff" not in client_for(cast.rbkc_lead).get(url).content.decode()


def test_a_role_change_in_the_django_admin_is_logged(cast, client_for):
    from core.testing.cast import make_user

    root = make_user("root", is_superuser=True, is_staff=True)
    person = cast.rbkc_staff
    form = {
        "username": person.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "service_role": "agent",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "09:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    url = f"/django-admin/tenancy/user/{person.pk}/change/"
    response = client_for(root).post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = account_changes(person)[-1]
    assert changed.actor == root
    assert changed.actor_label == f"POST {url}"
    assert changed.changed_fields == ["service_role"]
    assert partner_ids(changed) == {cast.rbkc.pk}


def test_bulk_writes_of_accounts_are_refused_like_domain_records(cast):
    from core.tenancy.models import User

    people = User.objects.filter(pk=cast.rbkc_staff.pk)
    with pytest.raises(UnloggedWriteError, match=r"tenancy\.User\.update\(\)"):
        people.update(service_role="manager")
    with pytest.raises(UnloggedWriteError, match=r"tenancy\.User\.bulk_create\(\)"):
        User.objects.bulk_create([User(username="made.in.bulk")])
    with pytest.raises(UnloggedWriteError, match=r"tenancy\.User\.bulk_update\(\)"):
        User.objects.bulk_update([cast.rbkc_staff], ["service_role"])
    cast.rbkc_staff.refresh_from_db()
    assert cast.rbkc_staff.service_role == ""
    assert not User.objects.filter(username="made.in.bulk").exists()
    # Creating people the usual way still works, and is logged.
    made = User.objects.create_user("made.one.by.one", password="a-long-passphrase-42")
    assert account_changes(made)[0].action == ChangeAction.CREATE
