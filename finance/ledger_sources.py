"""Cost lines from their sources (docs/finance.md, "Budgets and costs"): a month's cost of
each live contract, each committed call-off and each licence agreement in force, made by
`finance.ledger_jobs` once the month has ended, so that the councils need not type what
Concord already knows.

What it reads:

- **contracts** (`contracts.Contract`, active or in notice on the month's last day, with an
  annual value): a twelfth of the annual value (plus a twelfth of its irrecoverable VAT),
  category "contract", borne by the councils that own the contract: one owner, that council's
  cost; several, a shared cost for them (split by the contract category's rule);
- **call-offs** (`contracts.procurement.CallOff`, active or completed, with an end date): the
  value spread over its term by days, the month's days' part, category "call-off", the
  calling-off council's own cost;
- **licence agreements** (`licences.LicenceAgreement`, in force in the month, with a total
  cost and a term: started, and an end date, else a renewal date, the term running to the day
  before it): the total cost spread over the term by days, the month's days' part, category
  "licence", borne by the councils that own the agreement (one, or a shared cost of its
  co-owners), the supplier the catalogue's of that name if it has one. An agreement with
  neither an end nor a renewal date has no term to spread its cost over and gets none.

Each is made once per source and month: a source that has a cost line whose period overlaps
the month (made by this job, entered by a person, imported) gets none, so nothing is counted
twice. A cost line made here links its source (shown on its page) and has the reference
``<source reference>-<YYYY-MM>``.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from contracts.models import Contract, Supplier
from contracts.procurement import COMMITTED, CallOff
from core.services import set_audience
from finance.choices import CostCategory, SpendType
from finance.models.ledger import CostLine
from licences.models import LicenceAgreement

PENNY = Decimal("0.01")
WHY = "cost lines are made from every council's contracts, call-offs and licence agreements"
LIVE_CONTRACTS = ("active", "in_notice")


def _one_line(text: str) -> str:
    """`text` as one line of at most 300 characters (a cost line's description)."""
    return " ".join(text.split())[:300]


def _has_cost(source: Any, start: datetime.date, end: datetime.date) -> bool:
    return (
        CostLine.objects.unscoped(WHY)
        .filter(
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
        )
        .filter(
            Q(period_start__lte=end, period_end__gte=start)
            | Q(period_start__isnull=True, incurred_on__range=(start, end))
        )
        .exists()
    )


def _make(
    source: Any,
    councils: list[Any],
    amount: Decimal,
    start: datetime.date,
    end: datetime.date,
    **fields: Any,
) -> CostLine:
    fields.setdefault("supplier", source.supplier)
    line = CostLine(
        reference=f"{source.reference}-{start:%Y-%m}"[:50],
        incurred_on=end,
        period_start=start,
        period_end=end,
        amount=amount,
        spend_type=SpendType.REVENUE,
        is_shared=len(councils) > 1,
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        **fields,
    )
    line.full_clean()
    line.save()
    set_audience(line, councils)
    return line


def contract_month(contract: Contract) -> Decimal:
    """A month's cost of `contract`: a twelfth of its annual value and irrecoverable VAT."""
    yearly = (contract.annual_value or Decimal("0")) + (contract.irrecoverable_vat or Decimal("0"))
    return (yearly / 12).quantize(PENNY, rounding=ROUND_HALF_UP)


def call_off_month(call_off: CallOff, start: datetime.date, end: datetime.date) -> Decimal:
    """The part of `call_off`'s value in `start`..`end`, spread over its term by days."""
    if call_off.end_date is None or call_off.value is None:
        return Decimal("0")
    term = (call_off.end_date - call_off.start_date).days + 1
    first, last = max(start, call_off.start_date), min(end, call_off.end_date)
    days = (last - first).days + 1
    if days <= 0 or term <= 0:
        return Decimal("0")
    return (call_off.value * days / term).quantize(PENNY, rounding=ROUND_HALF_UP)


def licence_term_end(agreement: LicenceAgreement) -> datetime.date | None:
    """The last day of `agreement`'s term: its end date, else the day before it renews."""
    if agreement.ends_on is not None:
        return agreement.ends_on
    if agreement.renewal_on is not None and agreement.renewal_on > agreement.starts_on:
        return agreement.renewal_on - datetime.timedelta(days=1)
    return None


def licence_month(agreement: LicenceAgreement, start: datetime.date, end: datetime.date) -> Decimal:
    """The part of `agreement`'s total cost in `start`..`end`, spread over its term by days."""
    term_end = licence_term_end(agreement)
    if term_end is None or not agreement.total_cost:
        return Decimal("0")
    term = (term_end - agreement.starts_on).days + 1
    first, last = max(start, agreement.starts_on), min(end, term_end)
    days = (last - first).days + 1
    if days <= 0 or term <= 0:
        return Decimal("0")
    return (agreement.total_cost * days / term).quantize(PENNY, rounding=ROUND_HALF_UP)


def _owners(record: Any, start: datetime.date) -> list[Any]:
    """The councils owning `record` that had not left before `start`, by code."""
    owners = sorted((s.partner for s in record.owner_shares()), key=lambda p: p.code)
    return [p for p in owners if not (p.left_on and p.left_on < start)]


def _supplier_named(name: str) -> Supplier | None:
    """The catalogue's supplier of that name (a licence agreement names its supplier in words)."""
    name = (name or "").strip()
    if not name:
        return None
    return Supplier.objects.unscoped(WHY).filter(name__iexact=name).order_by("pk").first()


def cost_lines_from_sources(start: datetime.date, end: datetime.date) -> list[CostLine]:
    """Make the month `start`..`end`'s cost lines of live contracts, committed call-offs and
    licence agreements in force that have none yet; the lines made."""
    made = []
    contracts = (
        Contract.objects.unscoped(WHY)
        .filter(status__in=LIVE_CONTRACTS, start_date__lte=end, annual_value__gt=0)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("supplier")
        .order_by("reference", "pk")
    )
    for contract in contracts:
        amount = contract_month(contract)
        if amount <= 0 or _has_cost(contract, start, end):
            continue
        owners = _owners(contract, start)
        if not owners:
            continue
        made.append(
            _make(
                contract,
                owners,
                amount,
                start,
                end,
                description=_one_line(f"{contract.title}, {start:%B %Y}"),
                category=CostCategory.CONTRACT,
            )
        )
    call_offs = (
        CallOff.objects.unscoped(WHY)
        .filter(status__in=COMMITTED, start_date__lte=end, end_date__gte=start)
        .select_related("supplier", "partner")
        .order_by("reference", "pk")
    )
    for call_off in call_offs:
        amount = call_off_month(call_off, start, end)
        if amount <= 0 or _has_cost(call_off, start, end):
            continue
        made.append(
            _make(
                call_off,
                [call_off.partner],
                amount,
                start,
                end,
                description=_one_line(
                    f"{call_off.description or call_off.reference}, {start:%B %Y}"
                ),
                category=CostCategory.CALL_OFF,
            )
        )
    agreements = (
        LicenceAgreement.objects.unscoped(WHY)
        .filter(starts_on__lte=end, total_cost__gt=0)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("product")
        .order_by("reference", "pk")
    )
    for agreement in agreements:
        amount = licence_month(agreement, start, end)
        if amount <= 0 or _has_cost(agreement, start, end):
            continue
        owners = _owners(agreement, start)
        if not owners:
            continue
        made.append(
            _make(
                agreement,
                owners,
                amount,
                start,
                end,
                supplier=_supplier_named(agreement.supplier),
                description=_one_line(
                    f"{agreement.product.name} licences ({agreement.reference}), {start:%B %Y}"
                ),
                category=CostCategory.LICENCE,
            )
        )
    return made
