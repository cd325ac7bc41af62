"""The import's shortcuts give what the slow path gives: with them (new records made without
``Model.__init__``, core.importing.making; the check constraints answered by their compiled
conditions without ``validate_constraints``, core.tenancy.conditions; a change record's JSON
written by one encoder, core.importing.inserts; a row whose every field is checked or left out
given only the model's ``clean``, not ``full_clean``) and without them, the same file of assets
gives the same rows, the same change records and the same errors, each on its row and column."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from assets.models import Asset
from assets.tests.factories import asset, hardware_model
from core.importing import import_records, records
from core.models import ChangeRecord, ChangeRecordPartner
from core.testing.cast import Cast
from core.testing.families import unscoped

pytestmark = pytest.mark.django_db

HEADER = (
    "owner_shares,kind,asset_tag,serial_number,name,hardware_model,os_name,os_version,"
    "purchased_on,purchase_cost,supplier,notes\n"
)
GOOD = [
    "wcc,laptop,WCC-1,SN-1,Laptop one,Latitude 5440,Windows 11 Enterprise,23H2,2024-04-01,899,x,",
    "rbkc,laptop,,SN-2,Laptop two,Latitude 5440,Windows 7 Professional,,2019-04-01,500,Softcat,old",
    "wcc 50; rbkc 50,network,SW-3,,Core switch,,,,2019-06-01,12500.00,Computacenter,shared",
    "wcc,desktop,WCC-4,SN-4,Desk four,,iOS,17.4,,,,",
    "rbkc,laptop,RB-5,sn-held,Matched by serial,Latitude 5440,,,2020-01-01,1.00,Softcat,",
]
BAD = [
    "wcc,laptop,,,No tag and no serial,Latitude 5440,,,2024-04-01,899.00,Softcat,",
    "wcc,laptop,WCC-7,SN-7,Bad date,,,,2024-13-01,899.00,Softcat,",
    "wcc,laptop,WCC-8,SN-8,Unknown model,Latitude 9999,,,2024-04-01,899.00,Softcat,",
    "wcc,laptop,WCC-1,SN-9,Same tag as row 2,,,,,,,",
    "wcc,gizmo,WCC-10,SN-10,Bad kind,,,,,,,",
    "nowhere,laptop,WCC-11,SN-11,Bad council,,,,,,,",
    "wcc,laptop,,,Again no tag and no serial,,,,,,,",
]


def slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shortcut off: each new record made by Model(), the constraints checked by
    ``validate_constraints``, each JSON value by ``json.dumps``."""
    monkeypatch.setattr(records, "record_maker", lambda model: model)
    monkeypatch.setattr(records._Importer, "_constraints_hold", lambda self, i, e: False)
    monkeypatch.setattr(records._Importer, "whole_clean_shortcut", False)
    from core.importing import inserts

    monkeypatch.setattr(inserts, "_json_writer", inserts._json_dumps)


def outcome(lines: list[str], user: Any, dry_run: bool) -> dict[str, Any]:
    """What importing `lines` gives: the result, and (undone after) the assets and their
    change records as written."""
    text = HEADER + "".join(line + "\n" for line in lines)
    kind = ContentType.objects.get_for_model(Asset)
    links = ChangeRecordPartner.objects.order_by("partner_id")
    with transaction.atomic():
        before = set(unscoped(ChangeRecord).values_list("pk", flat=True))
        result = import_records(Asset, io.BytesIO(text.encode()), "a.csv", user, dry_run=dry_run)
        ids = {a.pk: a.serial_number or a.asset_tag for a in unscoped(Asset)}
        skipped = {"id", "created_at", "updated_at"}
        rows = sorted(
            tuple(
                (f.attname, getattr(a, f.attname))
                for f in Asset._meta.concrete_fields
                if f.name not in skipped
            )
            for a in unscoped(Asset)
        )
        shares = sorted((ids[s.object_id], s.partner.code, s.percentage) for s in _shares(kind))
        changes = sorted(
            (
                ids.get(c.object_id, c.object_repr) if c.content_type_id == kind.pk else "",
                c.content_type_id,
                c.action,
                c.object_repr,
                c.actor_id,
                c.actor_label,
                repr(without_id(c.before)),
                repr(without_id(c.after)),
                tuple(c.changed_fields),
                tuple(links.filter(change=c).values_list("partner_id", flat=True)),
            )
            for c in unscoped(ChangeRecord).exclude(pk__in=before)
        )
        transaction.set_rollback(True)
    return {
        "counts": (result.total_rows, result.created, result.updated),
        "errors": [(e.row, e.column, e.message) for e in result.errors],
        "rows": rows,
        "shares": shares,
        "changes": changes,
    }


def without_id(values: Any) -> Any:
    """A change record's values but the record's id (PostgreSQL's sequence is not undone with
    the transaction, so a second run's ids are new ones; the row is named by its serial)."""
    if isinstance(values, dict):
        return {k: v for k, v in values.items() if k != "id"}
    return values


def _shares(kind: ContentType) -> Any:
    from core.tenancy.records import OwnerShare

    return OwnerShare.objects.filter(content_type=kind).select_related("partner")


FILES = {"good": GOOD, "bad": GOOD + BAD, "first": BAD[:1] + GOOD}


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("name", list(FILES))
def test_the_shortcuts_give_what_the_slow_path_gives(cast: Cast, monkeypatch, name, dry_run):
    hardware_model()
    asset(cast.rbkc, serial_number="SN-HELD", asset_tag="RB-OLD", name="Held")
    lines = FILES[name]
    fast = outcome(lines, cast.agent, dry_run)
    with monkeypatch.context() as patch:
        slow_path(patch)
        slow = outcome(lines, cast.agent, dry_run)
    assert fast == slow
    if name == "good":
        assert fast["counts"] == (5, 4, 1) and not fast["errors"]
        assert dry_run or len(fast["changes"]) >= 5
        return
    # Each bad row reported on its row (the header is row 1), the constraint on its column.
    first = 2 if name == "first" else 7
    assert (first, "asset_tag", "Enter an asset tag or a serial number") in fast["errors"]
    if name == "bad":
        assert {e[0] for e in fast["errors"]} == set(range(7, 14))
        assert (13, "asset_tag", "Enter an asset tag or a serial number") in fast["errors"]
    assert not fast["changes"] or (dry_run is False and not fast["errors"])
