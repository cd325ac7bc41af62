"""The rules of frameworks, call-offs and purchasing (re-exported by contracts.services).

- Who may call off: a council the framework is for, from a supplier on the lot.
- The ceiling: a call-off that would take committed spend past the framework's ceiling is
  refused, naming the headroom (or held for the shared service's manager, where the framework
  says so), counted under the framework's row lock on every save (decision 0026, as licences
  count seats: decision 0022), so two call-offs racing for the last headroom cannot both pass.
- Spend: committed and invoiced, by lot, by council and in total against the ceiling, and the
  share going to SMEs.
- Purchasing: a request above its council's threshold waits for the council's IT lead;
  approved requests, one council's or several's, become one order whose cost is split between
  the councils by quantity to the penny; goods received become asset records, one per unit of a
  hardware line, through the assets app's services.

Pages, the API, imports, the demo and jobs all come here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from contracts.procurement import (
    COMMITTED,
    CallOff,
    CallOffStatus,
    Framework,
    FrameworkExtension,
    FrameworkLot,
    LotSupplier,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    PurchasingSettings,
    RequestStatus,
    add_months,
)
from core.tenancy.access import VIEW, access_for
from core.tenancy.choices import CouncilRole, ServiceRole
from core.tenancy.models import Membership, Partner

PENNY = Decimal("0.01")
#: The approval threshold of a council that has not set its own (PurchasingSettings).
DEFAULT_APPROVAL_THRESHOLD = Decimal("1000.00")

K = TypeVar("K", bound=Hashable)


def pounds(value: Decimal | int | None) -> str:
    """`value` as money in words: £1,234.50."""
    return f"£{Decimal(value or 0).quantize(PENNY):,}"


# Splitting money --------------------------------------------------------------------------


def split_by_quantity(total: Decimal, quantities: dict[K, int]) -> dict[K, Decimal]:
    """`total` pounds split between the keys of `quantities` in proportion to their
    quantities, to the penny. Each part is first rounded down to the penny; the pennies left
    over go one each to the largest shares (the largest quantity first, the smaller key on a
    tie), so the parts always add up to `total` and the split is the same every time.

    A key with nought quantity gets nothing; all noughts (or no keys) split nothing."""
    wanted = {key: int(q) for key, q in quantities.items() if int(q) > 0}
    if any(int(q) < 0 for q in quantities.values()):
        raise ValueError("A quantity cannot be negative")
    result = {key: Decimal("0.00") for key in quantities}
    all_units = sum(wanted.values())
    if not all_units:
        return result
    pence = int((Decimal(total) / PENNY).to_integral_value(rounding=ROUND_FLOOR))
    if Decimal(pence) * PENNY != Decimal(total):
        raise ValueError("The total must be in whole pence")
    floors = {key: (pence * q) // all_units for key, q in wanted.items()}
    spare = pence - sum(floors.values())
    order = sorted(wanted, key=lambda key: (-wanted[key], str(key)))
    for key in order[:spare]:
        floors[key] += 1
    for key, p in floors.items():
        result[key] = (Decimal(p) * PENNY).quantize(PENNY)
    return result


# Frameworks -------------------------------------------------------------------------------


def extensions_of(framework: Framework) -> list[FrameworkExtension]:
    """The framework's extension options, in order."""
    return list(
        FrameworkExtension.objects.unscoped("a framework's own extensions")
        .filter(framework_id=framework.pk)
        .order_by("sequence", "id")
    )


def framework_end_date(framework: Framework, exercised_months: int | None = None) -> datetime.date:
    """The last day of the framework's term, after every exercised extension (month ends
    as `contracts.procurement.add_months` keeps them: the day before the same day of the
    month that many months on). `exercised_months`, when known (`with_exercised_months`),
    saves the query."""
    if exercised_months is None:
        exercised_months = sum(e.months for e in extensions_of(framework) if e.exercised)
    months = framework.term_months + exercised_months
    return add_months(framework.start_date, months) - datetime.timedelta(days=1)


def with_exercised_months(frameworks: Any) -> Any:
    """`frameworks` (a queryset) annotated with ``exercised_months``: the months of their
    exercised extensions, in the same query."""
    from django.db.models import IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    months = (
        FrameworkExtension.objects.unscoped("a framework's exercised extensions")
        .filter(framework_id=OuterRef("pk"), exercised=True)
        .order_by()
        .values("framework_id")
        .annotate(total=Sum("months"))
        .values("total")
    )
    return frameworks.annotate(
        exercised_months=Coalesce(
            Subquery(months, output_field=IntegerField()), Value(0), output_field=IntegerField()
        )
    )


def lot_suppliers(lot: FrameworkLot) -> list[Any]:
    """The suppliers appointed to `lot`, by name."""
    return suppliers_of_lots([lot.pk])[lot.pk]


def may_call_off(framework: Framework, partner_id: int) -> bool:
    """Whether the council may call off from the framework (it is one the framework is for)."""
    return partner_id in framework.owning_partner_ids()


# The ceiling ------------------------------------------------------------------------------


def committed_on(framework_id: int, exclude_pk: int | None = None) -> Decimal:
    """Every council's committed spend on a framework: active and completed call-offs."""
    rows = CallOff.objects.unscoped("the committed spend of a framework").filter(
        lot__framework_id=framework_id, status__in=COMMITTED
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return Decimal(rows.aggregate(total=Sum("value"))["total"] or 0).quantize(PENNY)


def _commits(call_off: CallOff) -> bool:
    """Whether this save commits spend it did not commit before: a new active call-off, one
    becoming active, or one whose value rises or moves to another lot. An approved held
    call-off (`_approved`) is let through."""
    if call_off.status not in COMMITTED or getattr(call_off, "_approved", False):
        return False
    if call_off._state.adding or call_off.pk is None:
        return True
    loaded = call_off._loaded_values or {}
    if loaded.get("status") not in COMMITTED:
        return True
    if loaded.get("lot_id") != call_off.lot_id:
        return True
    before = loaded.get("value")
    return before is None or Decimal(str(before)) < Decimal(call_off.value or 0)


def _over_ceiling_message(framework: Framework, committed: Decimal, value: Decimal) -> str:
    headroom = max(Decimal(framework.ceiling_value) - committed, Decimal("0"))
    return (
        f"This call-off would take {framework.reference} past its ceiling of "
        f"{pounds(framework.ceiling_value)}: {pounds(committed)} is already committed, so the "
        f"headroom is {pounds(headroom)} and this call-off is {pounds(value)}. Lower its value "
        "to the headroom or less."
    )


def call_off_problems(call_off: CallOff) -> dict[str, str]:
    """What is wrong with `call_off` as a call-off from its lot: a council the framework is
    not for, a supplier not on the lot, a value past the ceiling (unless the framework holds
    such call-offs for approval). Checked without the lock, for forms, the API and imports'
    dry runs; `take_headroom` checks the ceiling again under the lock."""
    errors: dict[str, str] = {}
    if not call_off.lot_id:
        return errors
    lot = call_off.lot
    framework = lot.framework
    if call_off.partner_id and not may_call_off(framework, call_off.partner_id):
        errors["lot"] = (
            f"The council may not call off from {framework.reference}: choose a framework "
            "it is one of the councils of"
        )
    if call_off.supplier_id:
        on_lot = (
            LotSupplier.objects.unscoped("is the supplier on the lot")
            .filter(lot_id=lot.pk, supplier_id=call_off.supplier_id)
            .exists()
        )
        if not on_lot:
            errors["supplier"] = (
                f"This supplier is not on lot {lot.number} of {framework.reference}: choose "
                "one of the lot's suppliers"
            )
    if not errors and call_off.value is not None and _commits(call_off):
        committed = committed_on(framework.pk, call_off.pk)
        over = committed + Decimal(call_off.value) > framework.ceiling_value
        if over and not framework.hold_over_ceiling:
            errors["value"] = _over_ceiling_message(framework, committed, call_off.value)
    return errors


def _lock_framework(framework_id: int) -> Framework:
    """The framework's row, locked until the transaction ends (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's IMMEDIATE transactions already hold the whole database)."""
    rows = Framework.objects.unscoped("locking a framework to count its spend").filter(
        pk=framework_id
    )
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.get()


def take_headroom(call_off: CallOff) -> None:
    """Lock the call-off's framework and count its committed spend; refuse the save
    (ValidationError on ``value``, naming the headroom) when it would pass the ceiling, or
    hold the call-off for approval where the framework says so. Called by every save of a
    call-off, inside its transaction: of two call-offs racing for the last headroom the
    second waits for the first's lock, then counts again."""
    if not call_off.lot_id or not _commits(call_off):
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_headroom must run inside the saving transaction")
    framework = _lock_framework(call_off.lot.framework_id)
    committed = committed_on(framework.pk, call_off.pk)
    if committed + Decimal(call_off.value) <= framework.ceiling_value:
        return
    if not framework.hold_over_ceiling:
        raise ValidationError(
            {"value": _over_ceiling_message(framework, committed, Decimal(call_off.value))}
        )
    call_off.status = CallOffStatus.HELD
    from contracts.procurement_notifications import notify_call_off_held

    transaction.on_commit(lambda: notify_call_off_held(call_off.pk))


def _is_service_manager(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "service_role", "") == ServiceRole.MANAGER)


def decide_call_off(call_off: CallOff, by: Any, approve: bool) -> CallOff:
    """The shared service's manager approves a held call-off (it becomes active, past the
    ceiling by their decision) or rejects it (cancelled)."""
    if not _is_service_manager(by):
        raise PermissionDenied("Only the shared service's manager decides on held call-offs")
    if call_off.status != CallOffStatus.HELD:
        raise ValidationError({"status": "Only a call-off held for approval can be decided"})
    call_off.status = CallOffStatus.ACTIVE if approve else CallOffStatus.CANCELLED
    call_off._approved = True  # type: ignore[attr-defined]
    call_off.save()
    return call_off


# Spend ------------------------------------------------------------------------------------


@dataclass
class SpendLine:
    """Committed and invoiced spend of one part of a framework (a lot, a council)."""

    label: str
    committed: Decimal = Decimal("0.00")
    invoiced: Decimal = Decimal("0.00")
    code: str = ""


@dataclass
class Spend:
    """A framework's spend against its ceiling: in total, by lot, by council (only the
    councils the reader may see by name; the rest together), and the share with SMEs."""

    framework: Framework
    ceiling: Decimal
    committed: Decimal
    invoiced: Decimal
    held: Decimal
    sme_committed: Decimal
    by_lot: list[SpendLine] = field(default_factory=list)
    by_council: list[SpendLine] = field(default_factory=list)

    @property
    def headroom(self) -> Decimal:
        return self.ceiling - self.committed

    @property
    def used_percent(self) -> Decimal:
        if not self.ceiling:
            return Decimal("0.0")
        return (self.committed * 100 / self.ceiling).quantize(Decimal("0.1"))

    @property
    def sme_percent(self) -> Decimal:
        if not self.committed:
            return Decimal("0.0")
        return (self.sme_committed * 100 / self.committed).quantize(Decimal("0.1"))


def spend(framework: Framework, user: Any) -> Spend:
    """`framework`'s spend, as `user` may see it: the totals are the partnership's (every
    council calling off needs the headroom), each council's figures only for the councils
    whose call-offs `user` may see, the others summed as "Other councils". Three grouped
    queries."""
    rows = CallOff.objects.unscoped("a framework's spend, in totals").filter(
        lot__framework_id=framework.pk
    )
    committed_rows = rows.filter(status__in=COMMITTED)
    lots = list(
        FrameworkLot.objects.unscoped("a framework's own lots")
        .filter(framework_id=framework.pk)
        .order_by("number", "id")
    )
    by_lot = {lot.pk: SpendLine(str(lot)) for lot in lots}
    for lot_id, committed, invoiced in (
        committed_rows.values_list("lot_id")
        .annotate(c=Sum("value"), i=Sum("invoiced"))
        .values_list("lot_id", "c", "i")
    ):
        line = by_lot[lot_id]
        line.committed, line.invoiced = Decimal(committed), Decimal(invoiced)
    visible = access_for(user).partner_ids(VIEW, CallOff.area)
    partners = Partner.objects.unscoped("naming councils").in_bulk()
    by_council: dict[str, SpendLine] = {}
    other = SpendLine("Other councils")
    for partner_id, committed, invoiced in (
        committed_rows.values_list("partner_id")
        .annotate(c=Sum("value"), i=Sum("invoiced"))
        .values_list("partner_id", "c", "i")
    ):
        if visible is None or partner_id in visible:
            partner = partners[partner_id]
            by_council[partner.code] = SpendLine(
                partner.name, Decimal(committed), Decimal(invoiced), partner.code
            )
        else:
            other.committed += Decimal(committed)
            other.invoiced += Decimal(invoiced)
    council_lines = sorted(by_council.values(), key=lambda line: line.label)
    if other.committed or other.invoiced:
        council_lines.append(other)
    totals = committed_rows.aggregate(c=Sum("value"), i=Sum("invoiced"))
    sme = committed_rows.filter(supplier__is_sme=True).aggregate(c=Sum("value"))["c"]
    held = rows.filter(status=CallOffStatus.HELD).aggregate(c=Sum("value"))["c"]
    return Spend(
        framework=framework,
        ceiling=Decimal(framework.ceiling_value).quantize(PENNY),
        committed=Decimal(totals["c"] or 0).quantize(PENNY),
        invoiced=Decimal(totals["i"] or 0).quantize(PENNY),
        held=Decimal(held or 0).quantize(PENNY),
        sme_committed=Decimal(sme or 0).quantize(PENNY),
        by_lot=list(by_lot.values()),
        by_council=council_lines,
    )


# Purchase requests ------------------------------------------------------------------------


def approval_threshold(partner: Partner | int, on: datetime.date | None = None) -> Decimal:
    """The total above which a council's purchase requests need its IT lead's approval on
    `on` (today): its latest settings applying by then, else DEFAULT_APPROVAL_THRESHOLD."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    found = (
        PurchasingSettings.objects.unscoped("a council's purchasing settings")
        .filter(partner_id=partner_id, applies_from__lte=on or timezone.localdate())
        .order_by("-applies_from", "-id")
        .first()
    )
    return found.approval_threshold if found is not None else DEFAULT_APPROVAL_THRESHOLD


def request_lines(request: PurchaseRequest) -> list[PurchaseRequestLine]:
    return list(
        PurchaseRequestLine.objects.unscoped("a request's own lines")
        .filter(request_id=request.pk)
        .order_by("id")
    )


def refresh_request_total(request: PurchaseRequest) -> None:
    """Keep a request's total the sum of its lines (each line's save and delete call it)."""
    total = sum((line.line_total for line in request_lines(request)), Decimal("0.00"))
    if request.total != total:
        request.total = total
        request.save(update_fields=["total", "updated_at", "version"])


def is_lead_of(user: Any, partner_id: int) -> bool:
    """Whether `user` is the IT lead of the council (a superuser counts as one)."""
    if user.is_superuser:
        return True
    return (
        Membership.objects.unscoped("is the person the council's lead")
        .filter(user_id=user.pk, partner_id=partner_id, role=CouncilRole.LEAD)
        .exists()
    )


def submit_request(request: PurchaseRequest, by: Any) -> PurchaseRequest:
    """Send a draft request on: above the council's threshold it waits for the council's
    IT lead (who is emailed), otherwise it is approved at once."""
    if request.status != RequestStatus.DRAFT:
        raise ValidationError({"status": "Only a draft request can be submitted"})
    if not request_lines(request):
        raise ValidationError({"total": "Add at least one line before submitting the request"})
    with transaction.atomic():
        if request.total > approval_threshold(request.partner_id):
            request.status = RequestStatus.AWAITING_APPROVAL
            request.save(update_fields=["status", "updated_at", "version"])
            from contracts.procurement_notifications import notify_request_awaiting

            request_id = request.pk
            transaction.on_commit(lambda: notify_request_awaiting(request_id))
        else:
            request.status = RequestStatus.APPROVED
            request.decided_on = timezone.localdate()
            request.save(update_fields=["status", "decided_on", "updated_at", "version"])
    return request


def decide_request(request: PurchaseRequest, by: Any, approve: bool) -> PurchaseRequest:
    """The council's IT lead approves or rejects a request awaiting approval."""
    if request.status != RequestStatus.AWAITING_APPROVAL:
        raise ValidationError({"status": "Only a request awaiting approval can be decided"})
    if not is_lead_of(by, request.partner_id):
        raise PermissionDenied("Only the council's IT lead approves its purchase requests")
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by = by
    request.decided_on = timezone.localdate()
    request.save(update_fields=["status", "decided_by", "decided_on", "updated_at", "version"])
    return request


# Orders -----------------------------------------------------------------------------------


def order_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    return list(
        PurchaseOrderLine.objects.unscoped("an order's own lines")
        .filter(order_id=order.pk)
        .order_by("id")
    )


def _line_key(line: PurchaseRequestLine) -> tuple[str, Decimal, bool, str]:
    return (line.description.strip(), Decimal(line.unit_price), line.is_hardware, line.asset_kind)


def _percentages(costs: dict[Partner, Decimal], quantities: dict[Partner, int]) -> dict:
    """Owner percentages from each council's cost (by quantity where the order costs
    nothing), to two places, adding up to 100."""
    pence = {p: int(c / PENNY) for p, c in costs.items()}
    weights = pence if sum(pence.values()) else quantities
    split = split_by_quantity(Decimal("100"), weights)
    return {p: pct for p, pct in split.items() if pct > 0}


def raise_order(
    requests: Iterable[PurchaseRequest],
    reference: str,
    supplier: Any,
    ordered_on: datetime.date | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """One order for approved requests, one council's or several's (a joint purchase): the
    requests' lines with the same description, price and kind become one order line; the
    order is co-owned by the councils in shares of its cost (split by quantity to the penny:
    `cost_split`); the requests are marked ordered."""
    from core.services import set_owner_shares

    requests = list(requests)
    if not requests:
        raise ValidationError({"requests": "Choose at least one approved request"})
    errors = [
        f"{r.reference} is {r.get_status_display().lower()}"
        for r in requests
        if r.status != RequestStatus.APPROVED
    ]
    if errors:
        raise ValidationError(
            {"requests": "Only approved requests can be ordered: " + "; ".join(errors)}
        )
    with transaction.atomic():
        order = PurchaseOrder(
            reference=reference,
            supplier=supplier,
            ordered_on=ordered_on or timezone.localdate(),
            notes=notes,
        )
        order.full_clean(exclude=["status", "total"])
        order.save()
        grouped: dict[tuple[Any, ...], list[PurchaseRequestLine]] = defaultdict(list)
        for request in requests:
            for line in request_lines(request):
                grouped[_line_key(line)].append(line)
        if not grouped:
            raise ValidationError({"requests": "The requests chosen have no lines"})
        for (description, unit_price, is_hardware, kind), lines in grouped.items():
            made = PurchaseOrderLine.objects.create(
                order=order,
                description=description,
                quantity=sum(line.quantity for line in lines),
                unit_price=unit_price,
                is_hardware=is_hardware,
                asset_kind=kind,
            )
            for line in lines:
                line.order_line = made
                line.save(update_fields=["order_line", "updated_at", "version"])
        for request in requests:
            request.status = RequestStatus.ORDERED
            request.order = order
            request.save(update_fields=["status", "order", "updated_at", "version"])
        costs = cost_split(order)
        quantities: dict[Partner, int] = defaultdict(int)
        for request in requests:
            quantities[request.partner] += sum(line.quantity for line in request_lines(request))
        order.total = sum(costs.values(), Decimal("0.00"))
        order.save(update_fields=["total", "updated_at", "version"])
        set_owner_shares(order, _percentages(costs, dict(quantities)))
    return order


def _units_by_council(line: PurchaseOrderLine) -> dict[Partner, int]:
    """How many of an order line's units each council asked for."""
    rows = (
        PurchaseRequestLine.objects.unscoped("the requests behind an order line")
        .filter(order_line_id=line.pk)
        .select_related("request__partner")
    )
    units: dict[Partner, int] = defaultdict(int)
    for row in rows:
        units[row.request.partner] += row.quantity
    return dict(units)


def cost_splits(order_ids: list[int]) -> dict[int, dict[Partner, Decimal]]:
    """Each order's cost split between its councils (`cost_split`), for many orders in two
    queries."""
    rows = (
        PurchaseRequestLine.objects.unscoped("the requests behind orders")
        .filter(order_line__order_id__in=list(order_ids))
        .select_related("order_line", "request__partner")
        .order_by("order_line_id", "id")
    )
    units: dict[int, dict[Partner, int]] = defaultdict(lambda: defaultdict(int))
    lines: dict[int, PurchaseOrderLine] = {}
    for row in rows:
        line = row.order_line
        assert line is not None
        lines[line.pk] = line
        units[line.pk][row.request.partner] += row.quantity
    result: dict[int, dict[Partner, Decimal]] = {pk: {} for pk in order_ids}
    for line_pk, by_partner in units.items():
        line = lines[line_pk]
        parts = result.setdefault(line.order_id, {})
        for partner, amount in split_by_quantity(line.line_total, dict(by_partner)).items():
            parts[partner] = parts.get(partner, Decimal("0.00")) + amount
    return {
        pk: dict(sorted(parts.items(), key=lambda item: item[0].name))
        for pk, parts in result.items()
    }


def cost_split(order: PurchaseOrder) -> dict[Partner, Decimal]:
    """Each council's part of the order's cost: every line's total split between the
    councils that asked for it by quantity, to the penny (`split_by_quantity`); the parts add
    up to the order's total. An order placed by hand (no requests behind it) has none."""
    return cost_splits([order.pk])[order.pk]


def suppliers_of_lots(lot_ids: list[int]) -> dict[int, list[Any]]:
    """The suppliers of each lot, by name: one query."""
    rows = (
        LotSupplier.objects.unscoped("lots' own suppliers")
        .filter(lot_id__in=list(lot_ids))
        .select_related("supplier")
    )
    found: dict[int, list[Any]] = {pk: [] for pk in lot_ids}
    for row in rows:
        found[row.lot_id].append(row.supplier)
    return {pk: sorted(suppliers, key=lambda s: s.name) for pk, suppliers in found.items()}


def _unit_owners(line: PurchaseOrderLine) -> list[Partner]:
    """The council each unit of a line goes to, in the order units are received: the
    council that asked for most first (by code on a tie), each council's units together."""
    units = _units_by_council(line)
    owners: list[Partner] = []
    for partner in sorted(units, key=lambda p: (-units[p], p.code)):
        owners += [partner] * units[partner]
    return owners


def receive(
    line: PurchaseOrderLine,
    quantity: int,
    on: datetime.date | None = None,
    by: Any = None,
) -> list[Any]:
    """Record `quantity` units of an order line as received on `on` (today). Each unit of a
    hardware line becomes an asset record of the council it was asked for (in stock, with
    the order's reference, supplier, price and date), through the assets app's services.
    Refused when more would be received than were ordered. The line is locked meanwhile, so
    two people receiving at once cannot receive a unit twice. Returns the assets made."""
    from assets import services as assets

    on = on or timezone.localdate()
    if quantity < 1:
        raise ValidationError({"quantity": "Enter how many were received: 1 or more"})
    with transaction.atomic():
        rows = PurchaseOrderLine.objects.unscoped("locking an order line to receive it").filter(
            pk=line.pk
        )
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        locked = rows.select_related("order", "order__supplier").get()
        outstanding = locked.quantity - locked.received_quantity
        if quantity > outstanding:
            raise ValidationError(
                {
                    "quantity": f"Only {outstanding} of {locked.quantity} “{locked.description}” "
                    f"are still to be received: enter {outstanding} or fewer"
                }
            )
        first = locked.received_quantity
        locked.received_quantity = first + quantity
        locked.save(update_fields=["received_quantity", "updated_at", "version"])
        made = []
        if locked.is_hardware:
            owners = _unit_owners(locked)
            order = locked.order
            position = [row.pk for row in order_lines(order)].index(locked.pk) + 1
            for n in range(first, first + quantity):
                owner = owners[n] if n < len(owners) else owners[-1]
                made.append(
                    assets.register_asset(
                        {owner: Decimal("100")},
                        kind=locked.asset_kind,
                        asset_tag=f"{order.reference}-L{position}-{n + 1:03d}"[:50],
                        name=locked.description[:200],
                        purchased_on=on,
                        purchase_cost=locked.unit_price,
                        order_number=order.reference[:50],
                        supplier=str(order.supplier)[:200],
                    )
                )
        _refresh_order_status(locked.order)
        line.received_quantity = locked.received_quantity
    return made


def _refresh_order_status(order: PurchaseOrder) -> None:
    lines = order_lines(order)
    received = sum(line.received_quantity for line in lines)
    wanted = sum(line.quantity for line in lines)
    status = (
        OrderStatus.RECEIVED
        if wanted and received >= wanted
        else OrderStatus.PART_RECEIVED
        if received
        else OrderStatus.ORDERED
    )
    if order.status != status:
        order.status = status
        order.save(update_fields=["status", "updated_at", "version"])


__all__ = [
    "DEFAULT_APPROVAL_THRESHOLD",
    "Spend",
    "SpendLine",
    "approval_threshold",
    "call_off_problems",
    "committed_on",
    "cost_split",
    "decide_call_off",
    "decide_request",
    "framework_end_date",
    "lot_suppliers",
    "may_call_off",
    "raise_order",
    "receive",
    "refresh_request_total",
    "spend",
    "split_by_quantity",
    "submit_request",
    "take_headroom",
]
