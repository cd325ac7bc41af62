"""Asset exports of the tools councils use today, read as Concord's own asset columns
(core.importing.formats): a Snipe-IT asset export (CSV), an Intune "All devices" export (CSV)
and GLPI inventory JSON (one inventory, or a list of them). Registered when the app is ready.

An asset's lifecycle state is not a plain field: it moves only through the register's rule
(assets.services.move). `LIFECYCLE_COLUMN` is the import column that carries it (a Snipe-IT
export's "Status"; ``lifecycle_state`` in Concord's own files), through the foundation's state
columns (core.importing.states): a new asset starts in it, an asset already held moves to it by
the rule, recorded under the importing person, and an illegal move is the row's error.

What each tool's columns become is in docs/assets.md. Matching a row to an asset already held
(by serial number, then asset tag) is the import's own (`Asset.import_match_fields`): a
re-import updates instead of duplicating.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.apps import apps
from django.core.exceptions import ValidationError

from assets.choices import AssetKind, LifecycleState
from assets.models import Asset, HardwareModel
from core.importing.files import ImportFileError
from core.importing.formats import ForeignFormat, register
from core.importing.states import StateColumn
from core.importing.states import register as register_state
from core.tenancy.models import Partner

#: The columns every converted file has, in Concord's order.
COLUMNS = (
    "owner_shares",
    "kind",
    "asset_tag",
    "serial_number",
    "name",
    "hardware_model",
    "os_name",
    "os_version",
    "site",
    "purchased_on",
    "purchase_cost",
    "order_number",
    "supplier",
    "warranty_ends",
    "notes",
    "lifecycle_state",
)

_KIND_WORDS = (
    (
        r"laptop|notebook|ultrabook|chromebook|latitude|thinkpad|elitebook|macbook|xps|surface",
        "laptop",
    ),
    (r"desktop|workstation|optiplex|elitedesk|thinkcentre|tower|imac|mac mini", "desktop"),
    (r"phone|mobile|iphone|android|galaxy|pixel", "phone"),
    (r"tablet|ipad", "tablet"),
    (r"server|poweredge|proliant|blade", "server"),
    (r"switch|router|firewall|access point|network|wireless", "network"),
    (r"printer|mfd|multifunction|laserjet|officejet|plotter", "printer"),
    (r"monitor|display|dock|keyboard|mouse|headset|webcam|peripheral|scanner", "peripheral"),
)


def kind_from(*texts: str) -> str:
    """The kind of asset words such as a category or a model suggest ("" if none)."""
    for text in texts:
        lowered = (text or "").lower()
        for pattern, kind in _KIND_WORDS:
            if re.search(pattern, lowered):
                return kind
    return ""


def read_csv(fileobj: IO[bytes]) -> list[list[str]]:
    """A CSV file's rows (UTF-8, or Windows-1252 as Excel saves it; any line ends)."""
    data = fileobj.read()
    fileobj.seek(0)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportFileError("The file is not text in UTF-8 or Windows-1252.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise ImportFileError(f"The file could not be read as CSV: {exc}.") from None


def _by_heading(header: list[str], row: list[str]) -> dict[str, str]:
    return {
        h.strip().lower(): (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)
    }


def _first(values: dict[str, str], *names: str) -> str:
    for name in names:
        value = values.get(name, "")
        if value:
            return value
    return ""


def _date(text: str) -> str:
    """A date as ISO (from YYYY-MM-DD, a date and time, or the UK's DD/MM/YYYY); the text as
    it was when it is none of those, for the import to report."""
    text = (text or "").strip()
    if not text:
        return ""
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return text[:10]
    found = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:
            return text
    return text


def _money(text: str) -> str:
    return re.sub(r"[£$€,\s]", "", text or "")


class _Lookups:
    """The catalogue's models and the councils, as the importing person sees them."""

    def __init__(self, user: Any) -> None:
        self.models = {
            m.name.lower(): m.name for m in HardwareModel.objects.visible_to(user).only("name")
        }
        self.councils: dict[str, str] = {}
        for partner in Partner.objects.visible_to(user).only("code", "name"):
            self.councils[partner.code.lower()] = partner.code
            self.councils[partner.name.lower()] = partner.code
        # The sites the person sees, by council and by name or code: {(council code, name or
        # code in lower case): site ids}.
        self.sites: dict[tuple[str, str], set[int]] = {}
        # Named by its label, not imported: no app depends on the example app's code.
        site_model: Any = apps.get_model("estate", "Site")
        for pk, code, name, partner in site_model.objects.visible_to(user).values_list(
            "pk", "code", "name", "partner__code"
        ):
            for key in {code.lower(), name.lower()}:
                self.sites.setdefault((partner, key), set()).add(pk)

    def site(self, council: str, location: str) -> str:
        """The id of the one site of `council` (a code) named or coded `location`, as the
        import's site column takes it; "" when there is none, or more than one."""
        found = self.sites.get((council.lower(), (location or "").strip().lower()), set())
        return str(next(iter(found))) if len(found) == 1 else ""

    def model(self, *names: str) -> str:
        for name in names:
            found = self.models.get((name or "").strip().lower())
            if found:
                return found
        return ""

    def council(self, text: str) -> str:
        """A council's code for a name or code the file gives; the text itself otherwise (the
        import then says no such council can be used)."""
        return self.councils.get((text or "").strip().lower(), (text or "").strip())


def _notes(*parts: tuple[str, str]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in parts if value)


# Snipe-IT -----------------------------------------------------------------------------------

SNIPEIT_COLUMNS = {
    "site": "Location",
    "owner_shares": "Company",
    "kind": "Category",
    "asset_tag": "Asset Tag",
    "serial_number": "Serial Number",
    "name": "Name",
    "hardware_model": "Model",
    "purchased_on": "Purchase Date",
    "purchase_cost": "Purchase Cost",
    "order_number": "Order Number",
    "supplier": "Supplier",
    "warranty_ends": "Warranty Months",
    "notes": "Notes",
    "lifecycle_state": "Status",
}


def snipeit_rows(fileobj: IO[bytes], filename: str, user: Any) -> Iterator[list[Any]]:
    """A Snipe-IT asset export (or its import CSV) as Concord's asset columns."""
    rows = read_csv(fileobj)
    if not rows:
        return
    lookups = _Lookups(user)
    header = rows[0]
    yield list(COLUMNS)
    for row in rows[1:]:
        v = _by_heading(header, row)
        model = _first(v, "model", "model name")
        maker = v.get("manufacturer", "")
        category = v.get("category", "")
        purchased = _date(v.get("purchase date", ""))
        warranty = ""
        months = v.get("warranty months", "") or v.get("warranty", "")
        if (
            purchased
            and re.match(r"^\d+$", months or "")
            and re.match(r"^\d{4}-\d{2}-\d{2}$", purchased)
        ):
            from assets.models import months_ago

            warranty = months_ago(datetime.date.fromisoformat(purchased), -int(months)).isoformat()
        known = lookups.model(model, v.get("model number", ""))
        council = lookups.council(v.get("company", ""))
        location = v.get("location", "")
        site = lookups.site(council, location)
        yield [
            council,
            kind_from(category, model) or category,
            v.get("asset tag", ""),
            _first(v, "serial number", "serial"),
            _first(v, "name", "item name", "asset name"),
            known,
            "",
            "",
            site,
            purchased,
            _money(v.get("purchase cost", "")),
            v.get("order number", ""),
            v.get("supplier", ""),
            warranty,
            _notes(
                ("Notes", _first(v, "notes", "asset notes")),
                ("Model as exported", "" if known else " ".join(p for p in (maker, model) if p)),
                ("Location", "" if site else location),
            ),
            v.get("status", ""),
        ]


# Intune -------------------------------------------------------------------------------------

INTUNE_COLUMNS = {
    "owner_shares": "Council",
    "kind": "Model",
    "serial_number": "Serial number",
    "name": "Device name",
    "hardware_model": "Model",
    "os_name": "OS",
    "os_version": "OS version",
}


def intune_rows(fileobj: IO[bytes], filename: str, user: Any) -> Iterator[list[Any]]:
    """Intune's "All devices" export as Concord's asset columns. Intune does not know which
    council owns a device: a "Council" column may be added to the file, else the importing
    person's own council is used."""
    rows = read_csv(fileobj)
    if not rows:
        return
    lookups = _Lookups(user)
    header = rows[0]
    yield list(COLUMNS)
    for row in rows[1:]:
        v = _by_heading(header, row)
        os_family = v.get("os", "")
        model = v.get("model", "")
        kind: str
        if re.search(r"ipados", os_family, re.I):
            kind = AssetKind.TABLET
        elif re.search(r"ios|android", os_family, re.I):
            kind = AssetKind.PHONE
        else:
            kind = kind_from(model, v.get("productname", "")) or AssetKind.LAPTOP
        sku = v.get("skufamily", "")
        os_name = " ".join(p for p in (os_family, sku) if p)
        known = lookups.model(model)
        yield [
            lookups.council(_first(v, "council", "councils")),
            kind,
            "",
            v.get("serial number", ""),
            v.get("device name", ""),
            known,
            os_name,
            v.get("os version", ""),
            "",
            "",
            "",
            "",
            "",
            "",
            _notes(
                (
                    "Model as exported",
                    "" if known else " ".join(p for p in (v.get("manufacturer", ""), model) if p),
                ),
                ("Primary user", v.get("primary user upn", "")),
                ("Ownership", v.get("ownership", "")),
                ("Compliance", v.get("compliance", "")),
            ),
            "",
        ]


# GLPI ---------------------------------------------------------------------------------------

GLPI_COLUMNS = {
    "owner_shares": "tag",
    "kind": "hardware.chassis_type",
    "serial_number": "bios.ssn",
    "name": "hardware.name",
    "hardware_model": "bios.smodel",
    "os_name": "operatingsystem.full_name",
    "os_version": "operatingsystem.version",
}


def _inventories(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and all(isinstance(d, dict) for d in data):
        return data
    raise ImportFileError("The file is not a GLPI inventory: expected an object or a list of them.")


def glpi_rows(fileobj: IO[bytes], filename: str, user: Any) -> Iterator[list[Any]]:
    """GLPI inventory JSON (the agent's format: a computer, a printer or a network device;
    one inventory, or a list of them) as Concord's asset columns, one row per inventory. The
    inventory's ``tag`` may name the owning council."""
    try:
        data = json.loads(fileobj.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"The file is not JSON: {exc}.") from None
    finally:
        fileobj.seek(0)
    lookups = _Lookups(user)
    yield list(COLUMNS)
    for inventory in _inventories(data):
        content = inventory.get("content") or {}
        if not isinstance(content, dict):
            content = {}
        hardware = content.get("hardware") or {}
        bios = content.get("bios") or {}
        system = content.get("operatingsystem") or {}
        device = content.get("network_device") or {}
        itemtype = str(inventory.get("itemtype") or "Computer")
        if device:
            kind = kind_from(str(device.get("type", "")), itemtype) or AssetKind.NETWORK
            serial, name = device.get("serial", ""), device.get("name", "")
            model, maker = device.get("model", ""), device.get("manufacturer", "")
        else:
            chassis = str(hardware.get("chassis_type", ""))
            kind = kind_from(chassis, itemtype, str(bios.get("smodel", ""))) or AssetKind.DESKTOP
            serial, name = bios.get("ssn", ""), hardware.get("name", "")
            model, maker = bios.get("smodel", ""), bios.get("smanufacturer", "")
        known = lookups.model(str(model))
        yield [
            lookups.council(str(inventory.get("tag") or "")),
            kind,
            "",
            serial,
            name,
            known,
            system.get("full_name") or system.get("name", ""),
            system.get("version", ""),
            "",
            "",
            "",
            "",
            "",
            "",
            _notes(
                (
                    "Model as exported",
                    "" if known else " ".join(str(p) for p in (maker, model) if p),
                ),
                ("GLPI device id", str(inventory.get("deviceid", ""))),
            ),
            "",
        ]


def _only(names: tuple[str, ...], convert: Any) -> Any:
    """A converter giving only the columns `names` of `convert`'s rows: a column a tool does
    not have is left out of the file, so that a re-import keeps what Concord holds for it."""

    def converter(fileobj: IO[bytes], filename: str, user: Any) -> Iterator[list[Any]]:
        positions = [COLUMNS.index(name) for name in names]
        for row in convert(fileobj, filename, user):
            yield [row[i] for i in positions]

    converter.__doc__ = convert.__doc__
    return converter


SNIPEIT = ForeignFormat(
    key="snipeit",
    label="Snipe-IT asset export",
    convert=_only(tuple(c for c in COLUMNS if c not in ("os_name", "os_version")), snipeit_rows),
    signature=("asset tag", "category"),
    columns=SNIPEIT_COLUMNS,
)
INTUNE = ForeignFormat(
    key="intune",
    label="Intune device export",
    convert=_only(
        (
            "owner_shares",
            "kind",
            "serial_number",
            "name",
            "hardware_model",
            "os_name",
            "os_version",
            "notes",
        ),
        intune_rows,
    ),
    signature=("device name", "serial number", "os version"),
    columns=INTUNE_COLUMNS,
)
GLPI = ForeignFormat(
    key="glpi",
    label="GLPI inventory",
    convert=_only(
        (
            "owner_shares",
            "kind",
            "serial_number",
            "name",
            "hardware_model",
            "os_name",
            "os_version",
            "notes",
        ),
        glpi_rows,
    ),
    extensions=(".json",),
    columns=GLPI_COLUMNS,
)


def register_formats() -> None:
    """Let asset imports take the three tools' files (core.importing.formats) and the
    lifecycle state column (core.importing.states)."""
    for fmt in (INTUNE, SNIPEIT, GLPI):
        register(Asset, fmt)
    register_state(Asset, LIFECYCLE_COLUMN)


# The lifecycle state column ---------------------------------------------------------------

S = LifecycleState

#: Snipe-IT's status labels (its defaults, in lower case) and status types, as Concord's
#: lifecycle states (docs/assets.md). A label of its own a council made is read by its type,
#: written after it in brackets as Snipe-IT shows it ("Spare (deployable)"), or alone.
SNIPEIT_STATUSES: dict[str, str] = {
    "ready to deploy": S.IN_STOCK,
    "deployed": S.DEPLOYED,
    "pending": S.ORDERED,
    "archived": S.RETIRED,
    "broken": S.IN_REPAIR,
    "out for repair": S.IN_REPAIR,
    "out for diagnostics": S.IN_REPAIR,
    "lost/stolen": S.RETIRED,
    "lost": S.RETIRED,
    "stolen": S.RETIRED,
}
SNIPEIT_TYPES: dict[str, str] = {
    "deployable": S.IN_STOCK,
    "pending": S.ORDERED,
    "archived": S.RETIRED,
    "undeployable": S.IN_REPAIR,
}

_STATES: dict[str, str] = {
    **{value: value for value in S.values},
    **{str(label).lower(): value for value, label in S.choices},
    **{value.replace("_", " "): value for value in S.values},
    **SNIPEIT_TYPES,
    **SNIPEIT_STATUSES,
}

_UNKNOWN_STATE = (
    "'{text}' is not a lifecycle state. Enter one of: ordered, in stock, deployed, in repair, "
    "retired, disposed; or a Snipe-IT status (Ready to Deploy, Deployed, Pending, Archived, "
    "Broken, Out for Repair, Lost/Stolen) or its type (deployable, pending, archived, "
    "undeployable)."
)


def lifecycle_state(text: str) -> str:
    """The lifecycle state a cell names: Concord's code or words, a Snipe-IT status label,
    a label followed by its type in brackets, or a type alone, whatever the capitals.
    ValidationError, in plain words, for anything else."""
    words = re.sub(r"\s+", " ", (text or "").strip().lower())
    found = _STATES.get(words)
    if found is None:
        bracketed = re.match(r"^(.*?)\s*\(([^()]*)\)$", words)
        if bracketed:
            label, kind = bracketed.group(1).strip(), bracketed.group(2).strip()
            found = _STATES.get(label) or SNIPEIT_TYPES.get(kind) or _STATES.get(kind)
    if found is None:
        raise ValidationError(_UNKNOWN_STATE.format(text=(text or "").strip()))
    return found


def _start(asset: Any, state: str) -> None:
    if state == S.DISPOSED:
        raise ValidationError(
            "An asset cannot be imported as disposed: import it as retired, then dispose of it "
            "on its page with the disposal certificate's reference."
        )
    asset.state = state


def _check(asset: Any, state: str) -> None:
    from assets.services import check_move

    check_move(asset, state)
    if state == S.DISPOSED:
        raise ValidationError(
            "An import cannot dispose of an asset: dispose of it on its page, with the disposal "
            "certificate's reference."
        )


def _move(asset: Any, state: str, user: Any) -> None:
    from assets.services import move

    move(asset, state, user, note="Imported")


LIFECYCLE_COLUMN = StateColumn(
    name="lifecycle_state",
    label="Lifecycle state",
    help=(
        "Where the asset is in its life. A new asset starts there (in stock if empty); an "
        "asset already held moves there by the lifecycle's rules, recorded under your name, "
        "and a move the rules refuse stops the import. Empty: the state stays as it is."
    ),
    allowed=(
        "One of: ordered, in stock, deployed, in repair, retired (the words or the code, such "
        "as in_stock). Snipe-IT's status labels and types are read too (docs/assets.md). An "
        "import cannot dispose of an asset."
    ),
    example="deployed",
    read=lifecycle_state,
    current=lambda asset: str(asset.state),
    start=_start,
    check=_check,
    move=_move,
)
