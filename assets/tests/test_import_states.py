"""The lifecycle state in imports (core.importing.states, assets.importers.LIFECYCLE_COLUMN):
a new asset starts in the state its row names, an asset already held moves there by the
lifecycle's rule (recorded under the importing person), an illegal move or an unknown state is
the row's error in the dry run and the import lands whole or not at all; Snipe-IT's status
labels and types are read as Concord's states."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from assets.importers import lifecycle_state
from assets.models import Asset, AssetMove
from assets.tests.factories import FILES, hardware_model, import_file
from core.importing import import_records
from core.importing.columns import describe_columns
from core.models import ChangeRecord
from core.testing.cast import Cast
from core.testing.families import unscoped

pytestmark = pytest.mark.django_db

run = import_file


def states() -> dict[str, str]:
    return dict(unscoped(Asset).values_list("serial_number", "state"))


def moves() -> list[tuple[str, str, str, Any]]:
    return list(
        unscoped(AssetMove)
        .order_by("asset__serial_number")
        .values_list("asset__serial_number", "from_state", "to_state", "moved_by")
    )


def test_new_assets_start_in_the_state_named(cast: Cast) -> None:
    checked = run("concord_states_new.csv", cast.agent, dry_run=True)
    assert checked.ok, checked.errors
    assert (checked.created, checked.updated) == (3, 0)
    assert not unscoped(Asset).exists()
    result = run("concord_states_new.csv", cast.agent)
    assert result.ok, result.errors
    # An empty cell: the register's default, in stock.
    assert states() == {"SN-501": "deployed", "SN-502": "in_stock", "SN-503": "ordered"}
    assert moves() == [], "a starting state is not a move"


def test_legal_moves_are_made_by_the_rule_and_recorded_under_the_importer(cast: Cast) -> None:
    run("concord_states_new.csv", cast.agent)
    checked = run("concord_states_legal.csv", cast.agent, dry_run=True)
    assert checked.ok, checked.errors
    assert (checked.created, checked.updated) == (0, 3)
    assert moves() == [], "a dry run moves nothing"
    result = run("concord_states_legal.csv", cast.agent)
    assert result.ok, result.errors
    assert result.updated == 3
    assert states() == {"SN-501": "in_repair", "SN-502": "in_stock", "SN-503": "in_stock"}
    # SN-502 was already in stock: no move; the others each one move, by the importer.
    assert moves() == [
        ("SN-501", "deployed", "in_repair", cast.agent.pk),
        ("SN-503", "ordered", "in_stock", cast.agent.pk),
    ]
    laptop = unscoped(Asset).get(serial_number="SN-502")
    assert laptop.name == "Housing laptop 502 (spare)"
    # The move's save is in the change log under the importer, labelled as the import.
    logged = ChangeRecord.objects.unscoped("test").filter(
        object_id=unscoped(Asset).get(serial_number="SN-501").pk, actor=cast.agent
    )
    moved = [c for c in logged if (c.after or {}).get("state") == "in_repair"]
    assert moved and moved[0].actor_label == "import:concord_states_legal.csv"


def test_an_illegal_move_is_refused_and_nothing_changes(cast: Cast) -> None:
    run("concord_states_new.csv", cast.agent)
    before_states, before_names = (
        states(),
        dict(unscoped(Asset).values_list("serial_number", "name")),
    )
    checked = run("concord_states_moves.csv", cast.agent, dry_run=True)
    assert not checked.ok
    # Row 4: SN-503 is on order, and an ordered asset can only come into stock.
    assert [(e.row, e.column) for e in checked.errors] == [(4, "lifecycle_state")]
    message = checked.errors[0].message
    assert "ordered cannot move to deployed" in message and "in stock" in message
    result = run("concord_states_moves.csv", cast.agent)
    assert not result.ok and (result.created, result.updated) == (0, 0)
    assert [(e.row, e.column) for e in result.errors] == [(4, "lifecycle_state")]
    assert states() == before_states
    assert dict(unscoped(Asset).values_list("serial_number", "name")) == before_names
    assert moves() == [], "the legal moves of rows 2 and 3 were undone with the rest"


def test_an_import_cannot_dispose_of_an_asset_nor_start_one_disposed(cast: Cast) -> None:
    run("concord_states_new.csv", cast.agent)
    text = "owner_shares,kind,serial_number,lifecycle_state\nwcc,laptop,SN-501,retired\n"
    result = import_records(Asset, io.BytesIO(text.encode()), "r.csv", cast.agent, dry_run=False)
    assert result.ok, result.errors
    text = "owner_shares,kind,serial_number,lifecycle_state\nwcc,laptop,SN-501,disposed\n"
    refused = import_records(Asset, io.BytesIO(text.encode()), "d.csv", cast.agent, dry_run=True)
    assert [(e.row, e.column) for e in refused.errors] == [(2, "lifecycle_state")]
    assert "certificate" in refused.errors[0].message
    text = "owner_shares,kind,serial_number,lifecycle_state\nwcc,laptop,SN-777,Disposed\n"
    new = import_records(Asset, io.BytesIO(text.encode()), "n.csv", cast.agent, dry_run=True)
    assert [(e.row, e.column) for e in new.errors] == [(2, "lifecycle_state")]


def test_snipeit_statuses_become_lifecycle_states(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    result = run("snipeit_statuses.csv", cast.agent)
    assert result.ok, result.errors
    assert states() == {
        "SN-601": "deployed",
        "SN-602": "in_stock",
        "SN-603": "in_repair",
        "SN-604": "retired",
        "SN-605": "ordered",
        "SN-606": "in_stock",
    }
    # The Status is the state now, not a note.
    assert "Status" not in unscoped(Asset).get(serial_number="SN-601").notes


def test_snipeit_status_problems_name_the_row_and_the_status_column(cast: Cast) -> None:
    hardware_model("Latitude 5440")
    run("snipeit_statuses.csv", cast.agent)
    before = states()
    result = run("snipeit_status_bad.csv", cast.agent)
    # Row 2: Archived is retired, a legal move from deployed. Row 3: an unknown label.
    assert [(e.row, e.column) for e in result.errors] == [(3, "Status")]
    assert "'Awaiting collection' is not a lifecycle state" in result.errors[0].message
    assert states() == before and moves() == []


def test_the_api_import_takes_the_column(cast: Cast, api_client_for: Any) -> None:
    run("concord_states_new.csv", cast.agent)
    client = api_client_for(cast.agent)
    for dry_run, expected in (("true", 200), ("false", 200)):
        upload = io.BytesIO((FILES / "concord_states_legal.csv").read_bytes())
        upload.name = "concord_states_legal.csv"
        response = client.post(
            "/api/v1/assets/import/", {"file": upload, "dry_run": dry_run}, format="multipart"
        )
        assert response.status_code == expected, response.content
        assert response.json()["updated"] == 3
    assert states()["SN-501"] == "in_repair"
    # SN-503 is in stock now: back on order is not a move the lifecycle allows.
    upload = io.BytesIO(
        b"owner_shares,kind,serial_number,lifecycle_state\nwcc,desktop,SN-503,ordered\n"
    )
    upload.name = "back.csv"
    response = client.post("/api/v1/assets/import/", {"file": upload}, format="multipart")
    body = response.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "lifecycle_state")]


def test_reading_a_state() -> None:
    assert lifecycle_state("In Stock") == "in_stock"
    assert lifecycle_state("in_repair") == "in_repair"
    assert lifecycle_state("Broken") == "in_repair"
    assert lifecycle_state("Written off (archived)") == "retired"
    assert lifecycle_state("undeployable") == "in_repair"
    with pytest.raises(ValidationError):
        lifecycle_state("shiny")


def test_the_import_page_describes_the_column(cast: Cast) -> None:
    column = {c["name"]: c for c in describe_columns(Asset, cast.agent)}["lifecycle_state"]
    assert column["label"] == "Lifecycle state" and not column["required"]
    assert "in stock" in column["allowed"]
