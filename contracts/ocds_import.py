"""OCDS release packages (contract notices from Contracts Finder, another council's register)
read as Concord's own supplier and contract columns (core.importing.formats, decision 0020).

Registered when the app is ready, for two imports of the same file:

- **suppliers** (import it first): each supplier the package's releases name (a party with the
  ``supplier`` role, or an award's supplier), once, matched to a supplier already held by its
  Companies House number (the GB-COH identifier), else by its exact name: a match is updated,
  anything else created;
- **contracts**: one per contracting process (``ocid``; several releases of one process are
  read in date order, a later one's fields replacing an earlier one's), matched to a contract
  the importing person may change by its OCID (the one it holds, or the one publication
  derives from the council's prefix and the contract's id), else created. Its supplier is the
  award's, found as above; its council the buyer, found by the GSS code of its GB-LAC
  identifier, else its name (an update keeps its councils).

Both are then the foundation's import: dry run, all or nothing, progress, the page, the API and
``concord import``. Each problem names the release (its ``ocid``) and the OCDS field the value
came from (``contracts/period/startDate``). What each field becomes is in docs/contracts.md.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils import timezone

from contracts.models import Contract, ContractSettings, Supplier, cpv_titles
from contracts.services import term_end
from core.importing.files import ImportFileError
from core.importing.formats import ForeignFormat, SourceRow, register
from core.tenancy.access import CHANGE
from core.tenancy.models import Partner

LABEL = "OCDS release package"

#: Concord's status for OCDS's contract status (and for a release that has no contract yet).
STATUS = {"pending": "draft", "active": "active", "cancelled": "terminated"}

#: Concord's procurement route for OCDS's procurementMethod.
ROUTES = {"open": "tender", "selective": "framework_call_off", "limited": "quotation"}
ROUTES["direct"] = "direct_award"

SUPPLIER_COLUMNS = (
    "id",
    "name",
    "companies_house_number",
    "charity_number",
    "address",
    "postcode",
    "email",
    "phone",
    "website",
)

SUPPLIER_SOURCES = {
    "id": "parties/identifier",
    "name": "parties/name",
    "companies_house_number": "parties/identifier/id (GB-COH)",
    "charity_number": "parties/identifier/id (GB-CHC)",
    "address": "parties/address/streetAddress",
    "postcode": "parties/address/postalCode",
    "email": "parties/contactPoint/email",
    "phone": "parties/contactPoint/telephone",
    "website": "parties/contactPoint/url",
    "is_sme": "parties/details/scale",
}

CONTRACT_COLUMNS = (
    "id",
    "owner_shares",
    "ocid",
    "reference",
    "title",
    "description",
    "supplier",
    "total_value",
    "start_date",
    "initial_term_months",
    "procurement_route",
    "status",
    "cpv_codes",
)

CONTRACT_SOURCES = {
    "id": "ocid",
    "owner_shares": "buyer",
    "ocid": "ocid",
    "reference": "contracts/id",
    "title": "contracts/title",
    "description": "contracts/description",
    "supplier": "awards/suppliers",
    "total_value": "contracts/value/amount",
    "start_date": "contracts/period/startDate",
    "initial_term_months": "contracts/period/endDate",
    "procurement_route": "tender/procurementMethod",
    "status": "contracts/status",
    "cpv_codes": "contracts/items/classification",
}


# Reading the file -------------------------------------------------------------------------


def read_releases(fileobj: IO[bytes]) -> list[dict[str, Any]]:
    """The releases of a release package, a record package (each record's compiled release,
    else its releases), a single release or a list of releases."""
    try:
        data = json.loads(fileobj.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"The file is not JSON: {exc}.") from None
    finally:
        fileobj.seek(0)
    found: list[Any]
    if isinstance(data, dict) and isinstance(data.get("releases"), list):
        found = data["releases"]
    elif isinstance(data, dict) and isinstance(data.get("records"), list):
        found = []
        for record in data["records"]:
            if not isinstance(record, dict):
                continue
            if isinstance(record.get("compiledRelease"), dict):
                found.append(record["compiledRelease"])
            elif isinstance(record.get("releases"), list):
                found.extend(r for r in record["releases"] if isinstance(r, dict) and "ocid" in r)
    elif isinstance(data, dict) and "ocid" in data:
        found = [data]
    elif isinstance(data, list):
        found = data
    else:
        raise ImportFileError(
            "The file is not an OCDS release package: expected an object with a list of releases."
        )
    releases = [r for r in found if isinstance(r, dict) and _text(r.get("ocid"))]
    if not releases:
        raise ImportFileError("The OCDS file has no releases with an ocid.")
    return releases


def compiled(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One release per contracting process (ocid), in the file's order of first mention: its
    releases in date order, a later one's fields replacing an earlier one's (parties merged
    by id)."""
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for release in releases:
        by_ocid.setdefault(_text(release["ocid"]), []).append(release)
    out = []
    for ocid, group in by_ocid.items():
        merged: dict[str, Any] = {}
        parties: dict[str, dict[str, Any]] = {}
        for release in sorted(group, key=lambda r: _text(r.get("date"))):
            for party in _list(release.get("parties")):
                key = _text(party.get("id")) or _text(party.get("name"))
                parties[key] = {**parties.get(key, {}), **party}
            merged.update(release)
        merged["ocid"] = ocid
        merged["parties"] = list(parties.values())
        out.append(merged)
    return out


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    text = str(value).strip()
    # Some publishers' spreadsheets-turned-JSON write numbers as floats: "11111111.0".
    return re.sub(r"^(\d+)\.0$", r"\1", text)


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first(value: Any) -> dict[str, Any]:
    found = _list(value)
    return found[0] if found else {}


def company_number(text: str) -> str:
    """A Companies House number as the register writes it: 8 characters, capitals, digits
    padded with zeros (1800000 -> 01800000)."""
    text = re.sub(r"\s", "", text or "").upper()
    return text.zfill(8) if text.isdigit() and len(text) < 8 else text


def _identifiers(party: dict[str, Any]) -> dict[str, str]:
    """{scheme: id} of a party's identifier and additional identifiers."""
    found: dict[str, str] = {}
    for ident in [_dict(party.get("identifier")), *_list(party.get("additionalIdentifiers"))]:
        scheme, value = _text(ident.get("scheme")).upper(), _text(ident.get("id"))
        if scheme and value and scheme not in found:
            found[scheme] = value
    return found


# Suppliers ---------------------------------------------------------------------------------


class _Suppliers:
    """The suppliers the importing person sees, by Companies House number and by name."""

    def __init__(self, user: Any) -> None:
        self.by_number: dict[str, tuple[int, str]] = {}
        self.by_name: dict[str, tuple[int, str]] = {}
        rows = Supplier.objects.visible_to(user).values_list("pk", "name", "companies_house_number")
        for pk, name, number in rows.iterator(chunk_size=2000):
            if number:
                self.by_number.setdefault(number.upper(), (pk, name))
            self.by_name.setdefault(name, (pk, name))

    def find(self, party: dict[str, Any]) -> tuple[int, str] | None:
        """(id, name) of the supplier held for an OCDS party, or None."""
        number = company_number(_identifiers(party).get("GB-COH", ""))
        if number and number in self.by_number:
            return self.by_number[number]
        return self.by_name.get(_text(party.get("name")))


def supplier_parties(release: dict[str, Any]) -> list[dict[str, Any]]:
    """The suppliers a release names: its parties with the supplier role, and each award's
    suppliers (the party they refer to, or the reference itself when no party has its id)."""
    parties = {_text(p.get("id")): p for p in _list(release.get("parties"))}
    found: dict[str, dict[str, Any]] = {}
    for party in parties.values():
        if "supplier" in [str(r) for r in party.get("roles") or []]:
            found[_text(party.get("id")) or _text(party.get("name"))] = party
    for award in _list(release.get("awards")):
        for ref in _list(award.get("suppliers")):
            key = _text(ref.get("id")) or _text(ref.get("name"))
            if key and key not in found:
                found[key] = parties.get(_text(ref.get("id")), ref)
    return list(found.values())


def supplier_rows(fileobj: IO[bytes], filename: str, user: Any) -> Iterator[list[Any]]:
    """The suppliers of an OCDS file, once each, as Concord's supplier columns."""
    releases = compiled(read_releases(fileobj))
    known = _Suppliers(user)
    scale = any(
        _text(_dict(p.get("details")).get("scale")) for r in releases for p in supplier_parties(r)
    )
    yield [*SUPPLIER_COLUMNS, *(("is_sme",) if scale else ())]
    seen: set[str] = set()
    for release in releases:
        for party in supplier_parties(release):
            ids = _identifiers(party)
            number = company_number(ids.get("GB-COH", ""))
            name = _text(party.get("name")) or _text(
                _dict(party.get("identifier")).get("legalName")
            )
            key = f"coh:{number}" if number else f"name:{name}"
            if key in seen:
                continue
            seen.add(key)
            match = known.find(party)
            address = _dict(party.get("address"))
            street = ", ".join(
                p
                for p in (
                    _text(address.get("streetAddress")),
                    _text(address.get("locality")),
                    _text(address.get("region")),
                )
                if p
            )
            contact = _dict(party.get("contactPoint"))
            row = [
                str(match[0]) if match else "",
                name,
                number,
                ids.get("GB-CHC", ""),
                street,
                _text(address.get("postalCode")),
                _text(contact.get("email")),
                _text(contact.get("telephone")),
                _text(contact.get("url")),
            ]
            if scale:
                size = _text(_dict(party.get("details")).get("scale")).lower()
                row.append("" if not size else str(size in ("sme", "micro", "small", "medium")))
            yield SourceRow(row, f"Release {release['ocid']}")


# Contracts ---------------------------------------------------------------------------------


class _Councils:
    """The councils the importing person sees (by GSS code and name) and their OCID prefixes;
    the contracts they may change, by OCID."""

    def __init__(self, user: Any) -> None:
        self.by_gss: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.prefixes: list[tuple[str, int]] = []
        self.user = user
        if user is None:
            return
        for partner in Partner.objects.visible_to(user).only("pk", "code", "name", "gss_code"):
            if partner.gss_code:
                self.by_gss[partner.gss_code.upper()] = partner.code
            self.by_name[partner.name.strip().lower()] = partner.code
            self.by_name[partner.code.lower()] = partner.code
        settings = ContractSettings.objects.visible_to(user).exclude(ocid_prefix="")
        for prefix, partner_id in settings.values_list("ocid_prefix", "partner_id"):
            self.prefixes.append((prefix.strip(), partner_id))

    def council(self, party: dict[str, Any]) -> str:
        gss = _identifiers(party).get("GB-LAC", "").upper()
        if gss in self.by_gss:
            return self.by_gss[gss]
        return self.by_name.get(_text(party.get("name")).lower(), "")

    def contract(self, ocid: str) -> Contract | None:
        """The contract the person may change that `ocid` names: the one holding it, else
        the one a council's prefix and id derive it for (contracts.publishing.ocid_of)."""
        if self.user is None:
            return None
        changeable = Contract.objects.visible_to(self.user, CHANGE)
        found = changeable.filter(ocid=ocid).first()
        if found is not None:
            return found
        for prefix, _partner_id in self.prefixes:
            tail = ocid[len(prefix) + 1 :] if ocid.startswith(prefix + "-") else ""
            if tail.isdigit():
                return changeable.filter(pk=int(tail), ocid="").first()
        return None


def _day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def term_months(start: datetime.date, end: datetime.date) -> int | None:
    """The term in whole months that ends on `end` (the day before the same day N months
    on), or the nearest longer one; None when the end is before the start."""
    if end < start:
        return None
    for months in range(1, 1201):
        if term_end(start, months) >= end:
            return months
    return None


def cpv_codes(release: dict[str, Any], block: dict[str, Any]) -> list[str]:
    """The CPV codes of the contract's items (else the award's, else the tender's), with
    their check digit as Concord stores them; a code the vocabulary lacks is kept as given,
    for the import to refuse."""
    titles = cpv_titles()
    by_digits: dict[str, str] = {}
    for code in titles:
        by_digits.setdefault(code[:8], code)
    found: list[str] = []
    for source in (block, _first(release.get("awards")), _dict(release.get("tender"))):
        for item in _list(source.get("items")):
            for c in [
                _dict(item.get("classification")),
                *_list(item.get("additionalClassifications")),
            ]:
                if _text(c.get("scheme")).upper() != "CPV":
                    continue
                code = _text(c.get("id"))
                code = by_digits.get(code, code) if re.fullmatch(r"\d{8}", code) else code
                if code and code not in found:
                    found.append(code)
        if found:
            break
    return found


def contract_rows(fileobj: IO[bytes], filename: str, user: Any) -> Iterator[list[Any]]:
    """One row per contracting process of an OCDS file, as Concord's contract columns."""
    releases = compiled(read_releases(fileobj))
    suppliers = _Suppliers(user)
    councils = _Councils(user)
    yield list(CONTRACT_COLUMNS)
    for release in releases:
        ocid = _text(release["ocid"])
        block = _first(release.get("contracts"))
        award = _first(release.get("awards"))
        tender = _dict(release.get("tender"))
        existing = councils.contract(ocid)
        period = (
            _dict(block.get("period"))
            or _dict(award.get("contractPeriod"))
            or _dict(tender.get("contractPeriod"))
        )
        start = _text(period.get("startDate"))[:10]
        start_day, end_day = _day(start), _day(_text(period.get("endDate")))
        months: Any = ""
        if start_day and end_day:
            months = term_months(start_day, end_day) or _text(period.get("endDate"))
        elif start_day and _text(period.get("durationInDays")):
            days = int(Decimal(_text(period.get("durationInDays"))))
            months = term_months(start_day, start_day + datetime.timedelta(days=days - 1)) or ""
        value = _dict(block.get("value")) or _dict(award.get("value")) or _dict(tender.get("value"))
        amount = _text(value.get("amount"))
        currency = _text(value.get("currency")).upper()
        if amount and currency and currency != "GBP":
            amount = f"{amount} {currency}"  # refused by the import, naming the field
        else:
            with contextlib.suppress(InvalidOperation):  # kept as given, for the import to refuse
                amount = str(Decimal(amount).quantize(Decimal("0.01"))) if amount else ""
        supplier_ref = _first(award.get("suppliers"))
        parties = {_text(p.get("id")): p for p in _list(release.get("parties"))}
        party = parties.get(_text(supplier_ref.get("id")), supplier_ref) if supplier_ref else {}
        if not party:
            named = supplier_parties(release)
            party = named[0] if named else {}
        match = suppliers.find(party) if party else None
        supplier = match[1] if match else _text(party.get("name"))
        buyer = _dict(release.get("buyer"))
        buyer = parties.get(_text(buyer.get("id")), buyer)
        status = STATUS.get(_text(block.get("status")), "")
        if _text(block.get("status")) == "terminated":
            status = "expired" if end_day and end_day < timezone.localdate() else "terminated"
        if not block:
            status = "active" if award else "draft"
        method = _text(tender.get("procurementMethod"))
        reference = (
            existing.reference
            if existing is not None
            else (_text(block.get("id")) or _text(award.get("id")) or ocid)
        )
        if len(reference) > 50:
            reference = ocid[-50:]
        title = _text(block.get("title")) or _text(award.get("title")) or _text(tender.get("title"))
        description = (
            _text(block.get("description"))
            or _text(award.get("description"))
            or _text(tender.get("description"))
        )
        yield SourceRow(
            [
                str(existing.pk) if existing is not None else "",
                "" if existing is not None else councils.council(buyer),
                ocid,
                reference,
                title,
                description,
                supplier,
                amount,
                start,
                months,
                ROUTES.get(method, ""),
                status,
                json.dumps(cpv_codes(release, block)),
            ],
            f"Release {ocid}",
        )


SUPPLIERS = ForeignFormat(
    key="ocds",
    label=LABEL,
    convert=supplier_rows,
    extensions=(".json",),
    columns=SUPPLIER_SOURCES,
)
CONTRACTS = ForeignFormat(
    key="ocds",
    label=LABEL,
    convert=contract_rows,
    extensions=(".json",),
    columns=CONTRACT_SOURCES,
)


def register_formats() -> None:
    """Let supplier and contract imports take OCDS release packages."""
    register(Supplier, SUPPLIERS)
    register(Contract, CONTRACTS)
