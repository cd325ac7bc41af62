"""`concord import`: the generic import from the shell."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import ChangeRecord
from core.tenancy.models import Partner
from core.testing.sample.models import Room, RoomType

pytestmark = pytest.mark.django_db

HEADER = "partner,code,name,room_type,address,postcode,uprn,is_active\n"
find_model = importlib.import_module("core.management.commands.import").find_model


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def rooms_csv(tmp_path):
    path = tmp_path / "rooms.csv"
    path.write_text(HEADER + "wcc,CH,City Hall,,,,,true\nwcc,LIB,Library,,,,,false\n")
    return path


def test_model_names():
    assert find_model("rooms") is Room
    assert find_model("room") is Room
    assert find_model("sample.Room") is Room
    assert find_model("room-types") is RoomType
    assert find_model("partners") is Partner
    with pytest.raises(CommandError):
        find_model("nothing")
    with pytest.raises(CommandError):
        find_model("partners.Nothing")


def test_dry_run_then_import(cast, rooms_csv):
    out, err = run("rooms", str(rooms_csv), "--dry-run", "--as", "wcc.lead")
    assert "2 rows ready" in out and "dry run" in out
    assert "Checking" in err  # the progress bar
    assert Room.objects.visible_to(cast.wcc_lead).count() == 0

    out, err = run("rooms", str(rooms_csv), "--as", "wcc.lead")
    assert "2 rooms added" in out
    assert "Importing" in err
    assert Room.objects.visible_to(cast.wcc_lead).count() == 2
    labels = set(
        ChangeRecord.objects.visible_to(cast.wcc_lead)
        .filter(action="create", content_type__model="room")
        .values_list("actor_label", flat=True)
    )
    assert labels == {"import:rooms.csv"}


def test_errors_are_printed_and_exit_non_zero(cast, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "rbkc,A,A,,,,,true\nwcc,B,B,,,,,maybe\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "import", "rooms", str(path), "--as", "wcc.lead", stdout=out, stderr=io.StringIO()
        )
    assert "Row 2, column partner: There is no council with code 'rbkc' that you can use." in (
        out.getvalue()
    )
    assert "Row 3, column is_active" in out.getvalue()
    assert Room.objects.visible_to(cast.manager).count() == 0


def test_needs_a_person(cast, rooms_csv):
    with pytest.raises(CommandError, match="--as"):
        run("rooms", str(rooms_csv))
    with pytest.raises(CommandError, match="no active person"):
        run("rooms", str(rooms_csv), "--as", "nobody")
    with pytest.raises(CommandError, match="no file"):
        run("rooms", str(rooms_csv) + ".missing", "--as", "wcc.lead")


def test_says_how_a_csv_file_was_read(cast, tmp_path):
    path = tmp_path / "windows.csv"
    path.write_bytes((HEADER + "wcc,CAFE,Caf\xe9 \xa35,,,,,true\n").encode("cp1252"))
    out, _err = run("rooms", str(path), "--dry-run", "--as", "wcc.lead")
    assert "Read windows.csv as Windows-1252 text." in out
    out, _err = run("rooms", str(path), "--as", "wcc.lead")
    assert "Read windows.csv as Windows-1252 text." in out and "1 rooms added" in out
    assert Room.objects.visible_to(cast.wcc_lead).get(code="CAFE").name == "Caf\xe9 \xa35"
