"""A council's contracts register, published: the Local Government Transparency Code 2015 CSV
and an OCDS 1.1.5 release package.

Both are written as they are sent, a chunk of contracts at a time (`CHUNK` rows read with
``.iterator()``, their co-owners' shares read once per chunk), so memory stays flat however
many contracts a council holds. What goes in, for council P read by person U:

- the contracts U may export that P owns or co-owns, except drafts;
- the Transparency Code CSV: those whose whole value is over £5,000, one row each, the code's
  fields in the code's order (docs/contracts.md, "Publishing and import"), then the OCID, the
  CPV codes and how a jointly held contract's value was worked out;
- the OCDS package: one release per contract (`release`).

A co-owned contract is published by each of its owners with that owner's share of the total
and annual values (to the penny, half up), and says so: the CSV's "Value basis" column and the
OCDS contract's description name the share, the whole and the other owners (decision 0027).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from contracts import services
from contracts.models import (
    BreakClause,
    Contract,
    ContractExtension,
    ContractSettings,
    Supplier,
    cpv_titles,
)
from core.exporting import guard_formula
from core.services import percent_text
from core.tenancy.access import EXPORT
from core.tenancy.models import Partner
from core.tenancy.records import OwnerShare

#: Contracts read from the database at a time.
CHUNK = 2000

#: The Transparency Code publishes contracts whose value exceeds this (pounds).
TRANSPARENCY_THRESHOLD = Decimal("5000")

#: The OCDS version the package declares, and the schema it is validated against (1.1.5).
OCDS_VERSION = "1.1"

PENNY = Decimal("0.01")

#: Why a published contract's extensions and breaks are read unscoped: they are parts of
#: contracts already read through the reader's scope.
PARTS = "the parts of contracts the reader may export"

HUNDRED = Decimal("100")

#: The Transparency Code's contract fields, in the code's order (1-10), then Concord's own.
TRANSPARENCY_COLUMNS = (
    "Reference number",
    "Title of agreement",
    "Department responsible",
    "Description of goods and/or services",
    "Supplier name",
    "Supplier details",
    "Value over the length of the contract (GBP)",
    "Estimated annual spend (GBP)",
    "Irrecoverable VAT (GBP)",
    "Start date",
    "End date",
    "Review date",
    "Procurement route",
    "SME",
    "VCSE",
    "Companies House number",
    "Charity number",
    "Open Contracting ID",
    "CPV codes",
    "Value basis",
)

#: How each procurement route is said in the Transparency Code's CSV, and OCDS's
#: procurementMethod for it (the open `method` codelist: open, selective, limited, direct).
ROUTE_WORDS = {
    "quotation": ("Invitation to quote", "limited"),
    "tender": ("Published invitation to tender", "open"),
    "framework_call_off": ("Call-off from a framework agreement", "selective"),
    "direct_award": ("Direct award", "direct"),
}

#: OCDS's contractStatus for each of Concord's statuses (a closed codelist).
CONTRACT_STATUS = {
    "draft": "pending",
    "active": "active",
    "in_notice": "active",
    "expired": "terminated",
    "terminated": "terminated",
}


# What is published ------------------------------------------------------------------------


def published_contracts(user: Any, partner: Partner) -> QuerySet[Contract]:
    """The contracts of `partner`'s register that `user` may export: every one it owns or
    co-owns but drafts, in the order they were added."""
    owned = Contract.ownership_filter([partner.pk]) or Q(pk__in=[])
    return (
        Contract.objects.visible_to(user, EXPORT)
        .filter(owned)
        .exclude(status="draft")
        .select_related("supplier")
        .order_by("pk")
    )


def ocid_prefix(partner: Partner) -> str:
    """The council's OCID prefix (ContractSettings), or "" when it has none set."""
    found = (
        ContractSettings.objects.owned_by(partner)
        .filter(partner=partner)
        .values_list("ocid_prefix", flat=True)
        .first()
    )
    return (found or "").strip()


def ocid_of(contract: Contract, prefix: str) -> str:
    """The contract's OCID: the one it holds (given on import, or set by hand), else the
    council's prefix and the contract's id. Publication derives it and writes nothing: a
    download is a read (decision 0027)."""
    if contract.ocid:
        return contract.ocid
    return f"{prefix or 'ocds-unset'}-{contract.pk}"


class Share:
    """What a council holds of one contract: its percentage, and the other owners."""

    def __init__(self, percentage: Decimal, others: list[tuple[str, Decimal]]) -> None:
        self.percentage = percentage
        self.others = others

    @property
    def whole(self) -> bool:
        return not self.others and self.percentage == HUNDRED

    def of(self, amount: Decimal | None) -> Decimal | None:
        """The council's part of `amount`, to the penny (half up)."""
        if amount is None:
            return None
        if self.whole:
            return Decimal(amount)
        return (Decimal(amount) * self.percentage / HUNDRED).quantize(PENNY, ROUND_HALF_UP)

    def basis(self, total: Decimal | None) -> str:
        """How the published value was worked out, for a reader of the register."""
        if self.whole:
            return "Whole contract"
        others = ", ".join(f"{name} ({percent_text(p)}%)" for name, p in self.others)
        whole = f"£{Decimal(total):,.2f}" if total is not None else "not set"
        return (
            f"This council's {percent_text(self.percentage)}% share of the whole contract "
            f"(whole value {whole}), held jointly with {others}"
        )


def _shares(partner: Partner, contracts: list[Contract]) -> dict[int, Share]:
    """Each contract's `Share` for `partner`, read with one query for the chunk."""
    content_type = ContentType.objects.get_for_model(Contract)
    rows = (
        OwnerShare.objects.filter(
            content_type=content_type, object_id__in=[c.pk for c in contracts]
        )
        .order_by("object_id", "-percentage", "partner_id")
        .values_list("object_id", "partner_id", "percentage")
    )
    mine: dict[int, Decimal] = {}
    others: dict[int, list[tuple[int, Decimal]]] = {}
    for object_id, partner_id, percentage in rows:
        if partner_id == partner.pk:
            mine[object_id] = percentage
        else:
            others.setdefault(object_id, []).append((partner_id, percentage))
    names: dict[int, str] = {}
    wanted = {pid for found in others.values() for pid, _ in found}
    if wanted:
        # The other owners' names: councils, whoever reads (the shares are the record's own).
        names = dict(
            Partner.objects.unscoped("the co-owners of contracts the reader may export")
            .filter(pk__in=wanted)
            .values_list("pk", "name")
        )
    return {
        c.pk: Share(
            mine.get(c.pk, HUNDRED),
            [(names.get(pid, ""), pct) for pid, pct in others.get(c.pk, [])],
        )
        for c in contracts
    }


def _with_parts(contracts: list[Contract]) -> list[Contract]:
    """The chunk with the parts contracts.services reads to work out its dates (extensions
    and break clauses), read with one query each for the whole chunk and handed over as
    prefetched (cheaper than prefetch_related's per-record related managers)."""
    ids = [c.pk for c in contracts]
    extensions: dict[int, list[ContractExtension]] = {}
    for extension in ContractExtension.objects.unscoped(PARTS).filter(contract_id__in=ids):
        extensions.setdefault(extension.contract_id, []).append(extension)
    breaks: dict[int, list[BreakClause]] = {}
    for clause in BreakClause.objects.unscoped(PARTS).filter(contract_id__in=ids):
        breaks.setdefault(clause.contract_id, []).append(clause)
    for contract in contracts:
        contract._prefetched_objects_cache = {  # type: ignore[attr-defined]
            "extensions": extensions.get(contract.pk, []),
            "breaks": breaks.get(contract.pk, []),
        }
    return contracts


def chunks(queryset: QuerySet[Contract], size: int = CHUNK) -> Iterator[list[Contract]]:
    """The queryset's rows, `size` at a time, read with a server-side cursor where the
    database has one (flat memory)."""
    batch: list[Contract] = []
    for contract in queryset.iterator(chunk_size=size):
        batch.append(contract)
        if len(batch) >= size:
            yield _with_parts(batch)
            batch = []
    if batch:
        yield _with_parts(batch)


def end_date(contract: Contract, on: datetime.date) -> datetime.date | None:
    """The end of the term running on `on` (contracts.services)."""
    return services.current_end_date(contract, on)


# The Transparency Code CSV ------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value):.2f}"


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def supplier_details(supplier: Supplier) -> str:
    """The supplier's address and postcode on one line, as the register shows them."""
    parts = [
        " ".join((supplier.address or "").split()),
        supplier.postcode or "",
    ]
    return ", ".join(p for p in parts if p)


def transparency_row(contract: Contract, share: Share, on: datetime.date, prefix: str) -> list[str]:
    """One contract as the Transparency Code CSV's row (TRANSPARENCY_COLUMNS)."""
    supplier = contract.supplier
    route = ROUTE_WORDS.get(contract.procurement_route, (contract.procurement_route, ""))[0]
    return [
        contract.reference,
        contract.title,
        contract.department,
        contract.description,
        supplier.name,
        supplier_details(supplier),
        _money(share.of(contract.total_value)),
        _money(share.of(contract.annual_value)),
        _money(share.of(contract.irrecoverable_vat)),
        _date(contract.start_date),
        _date(end_date(contract, on)),
        _date(contract.review_date),
        route,
        "Yes" if supplier.is_sme else "No",
        "Yes" if supplier.is_vcse else "No",
        supplier.companies_house_number or "",
        supplier.charity_number or "",
        ocid_of(contract, prefix),
        "; ".join(contract.cpv_codes or []),
        share.basis(contract.total_value),
    ]


def transparency_csv(
    user: Any, partner: Partner, on: datetime.date | None = None
) -> Iterator[bytes]:
    """The council's Transparency Code contracts CSV (UTF-8 with a byte-order mark, so Excel
    reads it as such), a header row first, streamed a chunk at a time."""
    on = on or timezone.localdate()
    prefix = ocid_prefix(partner)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TRANSPARENCY_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    queryset = published_contracts(user, partner).filter(total_value__gt=TRANSPARENCY_THRESHOLD)
    for batch in chunks(queryset):
        shares = _shares(partner, batch)
        buffer.seek(0)
        buffer.truncate()
        for contract in batch:
            row = transparency_row(contract, shares[contract.pk], on, prefix)
            writer.writerow([guard_formula(cell) for cell in row])
        yield buffer.getvalue().encode("utf-8")


# The OCDS release package ---------------------------------------------------------------------


def _moment(value: datetime.date | datetime.datetime | None) -> str | None:
    """A date or time as OCDS writes it (RFC 3339, UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def _amount(value: Decimal | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"amount": float(value), "currency": "GBP"}


def buyer_party(partner: Partner) -> dict[str, Any]:
    """The council as the buyer: identified by its GSS code under GB-LAC (as the OCDS
    standard's example identifies a London borough), else by its Concord code."""
    if partner.gss_code:
        return {
            "id": f"GB-LAC-{partner.gss_code}",
            "name": partner.name,
            "identifier": {"scheme": "GB-LAC", "id": partner.gss_code, "legalName": partner.name},
        }
    return {"id": f"GB-CONCORD-COUNCIL-{partner.code.upper()}", "name": partner.name}


def supplier_party(supplier: Supplier) -> dict[str, Any]:
    """The supplier as an OCDS party: identified by its Companies House number (GB-COH),
    else its charity number (GB-CHC), else Concord's id of it."""
    identifiers = []
    if supplier.companies_house_number:
        identifiers.append(
            {"scheme": "GB-COH", "id": supplier.companies_house_number, "legalName": supplier.name}
        )
    if supplier.charity_number:
        identifiers.append(
            {"scheme": "GB-CHC", "id": supplier.charity_number, "legalName": supplier.name}
        )
    if identifiers:
        main = identifiers[0]
        party_id = f"{main['scheme']}-{main['id']}"
    else:
        party_id = f"GB-CONCORD-SUPPLIER-{supplier.pk}"
    party: dict[str, Any] = {"id": party_id, "name": supplier.name, "roles": ["supplier"]}
    if identifiers:
        party["identifier"] = identifiers[0]
    if len(identifiers) > 1:
        party["additionalIdentifiers"] = identifiers[1:]
    address = {
        "streetAddress": " ".join((supplier.address or "").split()) or None,
        "postalCode": supplier.postcode or None,
    }
    if any(address.values()):
        party["address"] = {
            **{k: v for k, v in address.items() if v},
            "countryName": "United Kingdom",
        }
    contact = {
        "email": supplier.email or None,
        "telephone": supplier.phone or None,
        "url": supplier.website or None,
    }
    if any(contact.values()):
        party["contactPoint"] = {k: v for k, v in contact.items() if v}
    return party


def items(contract: Contract) -> list[dict[str, Any]]:
    """One item per CPV code, classified by it."""
    found = []
    for number, code in enumerate(contract.cpv_codes or [], start=1):
        label = cpv_titles().get(code, "")
        # OCDS writes a CPV code without its check digit (72253000).
        classification = {"scheme": "CPV", "id": code.split("-", 1)[0]}
        if label:
            classification["description"] = label
        item: dict[str, Any] = {"id": str(number), "classification": classification}
        if label:
            item["description"] = label
        found.append(item)
    return found


def release(
    contract: Contract, partner: Partner, share: Share, on: datetime.date, prefix: str
) -> dict[str, Any]:
    """One contract as an OCDS 1.1.5 release of `partner`'s register."""
    ocid = ocid_of(contract, prefix)
    party = buyer_party(partner)
    buyer = {"id": party["id"], "name": partner.name}
    supplier = supplier_party(contract.supplier)
    route_words, method = ROUTE_WORDS.get(contract.procurement_route, ("", ""))
    period = {
        k: v
        for k, v in (
            ("startDate", _moment(contract.start_date)),
            ("endDate", _moment(end_date(contract, on))),
        )
        if v
    }
    value = _amount(share.of(contract.total_value))
    description = contract.description or ""
    if not share.whole:
        description = f"{description}\n\n{share.basis(contract.total_value)}.".strip()
    award_id = f"{ocid}-award-1"
    award: dict[str, Any] = {
        "id": award_id,
        "title": contract.title,
        "status": "active" if contract.status != "draft" else "pending",
        "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
    }
    contract_block: dict[str, Any] = {
        "id": f"{ocid}-contract-1",
        "awardID": award_id,
        "title": contract.title,
        "status": CONTRACT_STATUS.get(contract.status, "active"),
    }
    if description:
        award["description"] = description
        contract_block["description"] = description
    if value:
        award["value"] = value
        contract_block["value"] = value
    if period:
        award["contractPeriod"] = period
        contract_block["period"] = period
    found_items = items(contract)
    if found_items:
        contract_block["items"] = found_items
    terminated = contract.status == "terminated"
    out: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{contract.version}",
        "date": _moment(contract.updated_at),
        "tag": ["contractTermination"] if terminated else ["award", "contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [{**party, "roles": ["buyer"]}, supplier],
        "buyer": buyer,
    }
    if method:
        out["tender"] = {
            "id": f"{ocid}-tender",
            "title": contract.title,
            "status": "complete",
            "procurementMethod": method,
            "procurementMethodDetails": route_words,
        }
    out["awards"] = [award]
    out["contracts"] = [contract_block]
    return out


def ocds_package(
    user: Any,
    partner: Partner,
    uri: str,
    on: datetime.date | None = None,
    published: datetime.datetime | None = None,
) -> Iterator[bytes]:
    """The council's register as one OCDS release package (JSON), streamed: the package's
    fields, then its releases a chunk of contracts at a time."""
    on = on or timezone.localdate()
    prefix = ocid_prefix(partner)
    head = {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _moment(published or timezone.now()),
        "publisher": {"name": partner.name},
    }
    text = json.dumps(head, ensure_ascii=False)
    yield (text[:-1] + ', "releases": [').encode("utf-8")
    first = True
    for batch in chunks(published_contracts(user, partner)):
        shares = _shares(partner, batch)
        parts: list[str] = []
        for contract in batch:
            data = release(contract, partner, shares[contract.pk], on, prefix)
            parts.append(("" if first else ",") + json.dumps(data, ensure_ascii=False))
            first = False
        yield "".join(parts).encode("utf-8")
    yield b"]}"


def file_stem(partner: Partner, what: str, on: datetime.date | None = None) -> str:
    """A download's name without its extension: ``wcc-contracts-ocds-2026-12-04``."""
    on = on or timezone.localdate()
    return f"{partner.code}-contracts-{what}-{on.isoformat()}"


def joined(parts: Iterable[bytes]) -> bytes:
    """A streamed file whole (tests, the benchmark's check)."""
    return b"".join(parts)
