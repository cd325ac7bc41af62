"""Records the asset tests make, as the system."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from assets.models import Asset, CIRelationship, ConfigurationItem, HardwareModel, Manufacturer
from core.importing import import_records
from core.services import set_owner_shares
from core.tenancy.scoping import system_scope


def hardware_model(name: str = "Latitude 5440", kind: str = "laptop") -> HardwareModel:
    with system_scope("test data"):
        maker = Manufacturer.objects.get_or_create(name="Dell")[0]
        return HardwareModel.objects.get_or_create(
            name=name, defaults={"manufacturer": maker, "kind": kind}
        )[0]


def asset(owners: dict[Any, Any] | Any, **fields: Any) -> Asset:
    """An asset owned by one council (a Partner) or several ({partner: percentage})."""
    shares = owners if isinstance(owners, dict) else {owners: Decimal("100")}
    with system_scope("test data"):
        fields.setdefault("kind", "laptop")
        record = Asset.objects.create(**fields)
        set_owner_shares(record, {p: Decimal(str(v)) for p, v in shares.items()})
        return record


def item(
    owners: dict[Any, Any] | Any, name: str, kind: str = "application", **fields: Any
) -> ConfigurationItem:
    shares = owners if isinstance(owners, dict) else {owners: Decimal("100")}
    with system_scope("test data"):
        record = ConfigurationItem.objects.create(name=name, kind=kind, **fields)
        set_owner_shares(record, {p: Decimal(str(v)) for p, v in shares.items()})
        return record


def relate(source: ConfigurationItem, kind: str, target: ConfigurationItem) -> CIRelationship:
    with system_scope("test data"):
        return CIRelationship.objects.create(source=source, kind=kind, target=target)


#: The real export files the import tests read (Snipe-IT, Intune, GLPI, Concord's own).
FILES = Path(__file__).parent / "files"


def import_file(name: str, user: Any, dry_run: bool = False) -> Any:
    """The result of importing assets from the file `name` in FILES, as `user`."""
    path = FILES / name
    with path.open("rb") as f:
        return import_records(Asset, f, path.name, user, dry_run=dry_run)
