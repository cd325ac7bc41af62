"""The licences app's rules: seats never beyond the quota, the compliance position, renewals
due and the true-up forecast, and the joint-licensing report.

Pages, the API, imports, jobs and the demo all come here (the models call `take_seat` on
every save of an assignment), so each rule has one home and one set of tests.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.tenancy.access import VIEW, access_for
from core.tenancy.models import Partner
from licences.models import Installation, LicenceAgreement, LicenceAssignment, SoftwareProduct

PENNY = Decimal("0.01")


def money(value: Decimal | int | None) -> Decimal:
    """`value` in pounds, to the penny."""
    return Decimal(value or 0).quantize(PENNY, rounding=ROUND_HALF_UP)


# Seats ----------------------------------------------------------------------------------------


def _seats_taken(agreement_id: int, exclude_pk: int | None) -> int:
    taken = LicenceAssignment.objects.unscoped("counting an agreement's seats").filter(
        agreement_id=agreement_id
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.count()


def _needs_seat(assignment: LicenceAssignment) -> bool:
    """A new assignment takes a seat; a saved one only when it moves to another agreement."""
    if assignment._state.adding or assignment.pk is None:
        return True
    loaded = assignment._loaded_values or {}
    return loaded.get("agreement_id") != assignment.agreement_id


def _full_message(agreement: LicenceAgreement) -> str:
    return (
        f"Agreement {agreement.reference} has no seat left: all {agreement.quantity} are "
        "assigned. Free a seat or raise the agreement's quantity first."
    )


def seat_refusal(assignment: LicenceAssignment, also_taken: int = 0) -> str:
    """Why `assignment` may not take a seat of its agreement (the quota is used up), or "";
    `also_taken` seats more are counted as taken (an import's rows above, not yet saved).

    A check without a lock, for forms, the API's validation and an import's dry run, so that
    the message is shown beside the field; `take_seat` checks again under the lock."""
    if not assignment.agreement_id or not _needs_seat(assignment):
        return ""
    agreement = assignment.agreement
    if _seats_taken(agreement.pk, assignment.pk) + also_taken >= agreement.quantity:
        return _full_message(agreement)
    return ""


def _lock_agreement(agreement_id: int) -> LicenceAgreement:
    """The agreement's row, locked until the transaction ends: SELECT ... FOR UPDATE on
    PostgreSQL. SQLite has no row locks, but Concord opens its transactions IMMEDIATE
    (settings.DATABASES), so one writer at a time holds the whole database."""
    rows = LicenceAgreement.objects.unscoped("locking an agreement to count its seats").filter(
        pk=agreement_id
    )
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.get()


def take_seat(assignment: LicenceAssignment) -> None:
    """Lock `assignment`'s agreement and count its seats; refuse (ValidationError on
    ``agreement``) when none is left. Called by every save of an assignment, inside its
    transaction, so that of two people assigning the last seat at the same moment the second
    waits for the first and is then refused."""
    if not assignment.agreement_id or not _needs_seat(assignment):
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_seat must run inside the saving transaction")
    agreement = _lock_agreement(assignment.agreement_id)
    if _seats_taken(agreement.pk, assignment.pk) >= agreement.quantity:
        raise ValidationError({"agreement": _full_message(agreement)})


def assign(agreement: LicenceAgreement, partner: Partner, **holder: Any) -> LicenceAssignment:
    """Assign a seat of `agreement` to a person (``person=``) or a device (``device=``) of
    `partner`: checked, then
    saved under the agreement's lock. Raises ValidationError naming the field at fault."""
    assignment = LicenceAssignment(agreement=agreement, partner=partner, **holder)
    with transaction.atomic():
        assignment.full_clean()
        assignment.save()
    return assignment


def seats_free(agreement: LicenceAgreement) -> int:
    """Seats of `agreement` not yet assigned."""
    return max(agreement.quantity - _seats_taken(agreement.pk, None), 0)


# Shares of seats ------------------------------------------------------------------------------


def split_whole(total: int, percentages: dict[int, Decimal]) -> dict[int, int]:
    """`total` seats split between owners by percentage, in whole seats that add up to
    `total` (largest remainder: the owners with the biggest fractions get the spare seats,
    the smaller partner id first on a tie)."""
    if not percentages:
        return {}
    exact = {pid: Decimal(total) * pct / 100 for pid, pct in percentages.items()}
    whole = {pid: int(value) for pid, value in exact.items()}
    spare = total - sum(whole.values())
    by_fraction = sorted(exact, key=lambda pid: (-(exact[pid] - whole[pid]), pid))
    for pid in by_fraction[: max(spare, 0)]:
        whole[pid] += 1
    return whole


def split_money(total: Decimal, percentages: dict[int, Decimal]) -> dict[int, Decimal]:
    """`total` pounds split by percentage, to the penny, adding up to `total` (largest
    remainder, as the architecture asks of every split between partners)."""
    pence = int((Decimal(total) * 100).to_integral_value(rounding=ROUND_HALF_UP))
    return {pid: Decimal(p) / 100 for pid, p in split_whole(pence, percentages).items()}


# What a council may derive ---------------------------------------------------------------------
#
# A partnership's total, beside a council's own line, gives away the rest: with two councils,
# the total less one's own is the other's quantity and price. So a total is shown to a reader
# only where what they cannot see of it is the sum of at least `MIN_OTHERS` councils' figures
# (or they see every council's: the shared service). Co-owned records are no exception to hide:
# a council sees those anyway.

#: The fewest councils whose figures a total a reader is shown may hide within it.
MIN_OTHERS = 2

#: Said where a partnership total is withheld (the joint-licensing page, the compliance page).
WITHHELD = (
    "Withheld: it would reveal another council's figures (a total is shown where it adds up "
    "at least two councils besides those you see)."
)


def totals_shown(user: Any, contributing: Iterable[int]) -> bool:
    """Whether `user` may be shown a total of the figures of the councils `contributing`:
    they may see every one of them, or the total hides at least `MIN_OTHERS` councils they
    may not see, so that no one council's figures can be worked out from it."""
    visible = access_for(user).partner_ids(VIEW, LicenceAgreement.area)
    if visible is None:
        return True
    unseen = set(contributing) - set(visible)
    return not unseen or len(unseen) >= MIN_OTHERS


# The compliance position ----------------------------------------------------------------------


@dataclass
class Position:
    """One product's position for one council (``partner``) or for the partnership (None).

    entitled: seats of the agreements in force (a co-owned agreement's seats split between its
    owners by share, in whole seats); used: seats assigned plus installations no assignment
    covers (docs/licences.md); cost of a shortfall and waste of a surplus at ``unit_cost``,
    the average price of a seat of the product's agreements in force."""

    product: SoftwareProduct
    partner: Partner | None
    entitled: int = 0
    assigned: int = 0
    installed: int = 0
    entitled_cost: Decimal = Decimal("0")
    unit_cost: Decimal | None = None

    @property
    def used(self) -> int:
        return self.assigned + self.installed

    @property
    def balance(self) -> int:
        """Seats to spare (positive) or short (negative)."""
        return self.entitled - self.used

    @property
    def shortfall(self) -> int:
        return max(-self.balance, 0)

    @property
    def surplus(self) -> int:
        return max(self.balance, 0)

    @property
    def compliant(self) -> bool:
        return self.shortfall == 0

    @property
    def shortfall_cost(self) -> Decimal | None:
        if self.unit_cost is None:
            return None if self.shortfall else Decimal("0.00")
        return money(self.unit_cost * self.shortfall)

    @property
    def surplus_cost(self) -> Decimal:
        return money((self.unit_cost or 0) * self.surplus)


def agreements_in_force(on: datetime.date) -> Any:
    """Every council's agreements in force on `on` (unscoped: callers narrow what they show)."""
    return LicenceAgreement.objects.unscoped("agreements in force, for totals").filter(
        Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    )


def owner_percentages(agreement_ids: Any) -> dict[int, dict[int, Decimal]]:
    """Each agreement's owners and their percentages, in one query."""
    from django.contrib.contenttypes.models import ContentType

    from core.tenancy.records import OwnerShare

    kind = ContentType.objects.get_for_model(LicenceAgreement)
    shares: dict[int, dict[int, Decimal]] = defaultdict(dict)
    rows = OwnerShare.objects.filter(content_type=kind, object_id__in=agreement_ids).values_list(
        "object_id", "partner_id", "percentage"
    )
    for object_id, partner_id, percentage in rows:
        shares[object_id][partner_id] = percentage
    return shares


def _entitlements(
    on: datetime.date, product_ids: list[int] | None
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], Decimal]]:
    """Seats and their cost by (council, product), from the agreements in force. The loop is
    over agreements (a few thousand), never over assignments or installations."""
    agreements = agreements_in_force(on)
    if product_ids is not None:
        agreements = agreements.filter(product_id__in=product_ids)
    rows = list(agreements.values_list("pk", "product_id", "quantity", "total_cost"))
    shares = owner_percentages(agreements.values("pk"))
    seats: dict[tuple[int, int], int] = defaultdict(int)
    costs: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for pk, product_id, quantity, total_cost in rows:
        owners = shares.get(pk, {})
        for partner_id, n in split_whole(quantity, owners).items():
            seats[(partner_id, product_id)] += n
        for partner_id, pounds in split_money(total_cost, owners).items():
            costs[(partner_id, product_id)] += pounds
    return seats, costs


def _assigned(product_ids: list[int] | None) -> dict[tuple[int, int], int]:
    """Seats assigned by (council, product): one grouped count."""
    rows = LicenceAssignment.objects.unscoped("assigned seats, for totals")
    if product_ids is not None:
        rows = rows.filter(agreement__product_id__in=product_ids)
    counted = rows.values_list("partner_id", "agreement__product_id").annotate(n=Count("id"))
    return {(partner_id, product_id): n for partner_id, product_id, n in counted}


def _installed_uncovered(product_ids: list[int] | None) -> dict[tuple[int, int], int]:
    """Installations no seat covers, by (council, product): one grouped count."""
    rows = uncovered_installations()
    if product_ids is not None:
        rows = rows.filter(product_id__in=product_ids)
    counted = rows.values_list("partner_id", "product_id").annotate(n=Count("id")).order_by()
    return {(partner_id, product_id): n for partner_id, product_id, n in counted}


def uncovered_installations() -> Any:
    """Every council's installations that no seat covers: no seat of an agreement for its
    product is assigned to its device, nor to the person its device is assigned to. Two
    NOT EXISTS subqueries on indexed columns, so the database does the work in one pass."""
    seats = LicenceAssignment.objects.unscoped("seats covering installations").filter(
        agreement__product_id=OuterRef("product_id")
    )
    return (
        Installation.objects.unscoped("installations, for totals")
        .filter(~Exists(seats.filter(device_id=OuterRef("device_id"))))
        .filter(~Exists(seats.filter(person_id=OuterRef("device__assigned_to_id"))))
    )


def compliance(
    user: Any,
    on: datetime.date | None = None,
    partners: list[Partner] | None = None,
    products: list[SoftwareProduct] | None = None,
    partnership: bool = True,
) -> list[Position]:
    """The compliance position of each product, for each council `user` may see (or those of
    `partners`, which the caller has checked `user` may see) and, when `partnership`, for the
    partnership as a whole; products by name, each council's row before the partnership's.

    Four grouped queries whatever the number of installations: agreements in force and their
    shares, seats assigned, installations uncovered (docs/licences.md)."""
    on = on or timezone.localdate()
    product_ids = [p.pk for p in products] if products is not None else None
    seats, costs = _entitlements(on, product_ids)
    assigned = _assigned(product_ids)
    installed = _installed_uncovered(product_ids)
    visible = access_for(user).partner_ids(VIEW, LicenceAgreement.area)
    wanted = {p.pk for p in partners} if partners is not None else None
    keys = set(seats) | set(assigned) | set(installed)
    shown_partner_ids = {
        pid
        for pid, _ in keys
        if (visible is None or pid in visible) and (wanted is None or pid in wanted)
    }
    used_product_ids = {product_id for _, product_id in keys}
    product_by_id = SoftwareProduct.objects.unscoped("a catalogue every reader sees").in_bulk(
        list(used_product_ids)
    )
    partner_by_id = Partner.objects.unscoped("naming the councils shown").in_bulk(
        list(shown_partner_ids)
    )
    totals: dict[int, Position] = {}
    rows: list[Position] = []
    for partner_id, product_id in keys:
        product = product_by_id[product_id]
        total = totals.setdefault(product_id, Position(product, None))
        entitled = seats.get((partner_id, product_id), 0)
        cost = costs.get((partner_id, product_id), Decimal("0"))
        n_assigned = assigned.get((partner_id, product_id), 0)
        n_installed = installed.get((partner_id, product_id), 0)
        total.entitled += entitled
        total.entitled_cost += cost
        total.assigned += n_assigned
        total.installed += n_installed
        if partner_id in shown_partner_ids:
            rows.append(
                Position(
                    product,
                    partner_by_id[partner_id],
                    entitled,
                    n_assigned,
                    n_installed,
                    cost,
                    (cost / entitled) if entitled else None,
                )
            )
    for total in totals.values():
        total.unit_cost = (total.entitled_cost / total.entitled) if total.entitled else None
    for row in rows:
        if row.unit_cost is None:
            # A council with no agreement of its own for the product: its shortfall is priced
            # at what the partnership pays for a seat.
            row.unit_cost = totals[row.product.pk].unit_cost
    if partnership:
        # A partnership's line only where it reveals no one council's figures (totals_shown).
        contributing: dict[int, set[int]] = defaultdict(set)
        for partner_id, product_id in keys:
            contributing[product_id].add(partner_id)
        rows += [
            total
            for product_id, total in totals.items()
            if totals_shown(user, contributing[product_id])
        ]
    rows.sort(
        key=lambda r: (
            r.product.name,
            r.product.pk,
            r.partner is None,
            r.partner.name if r.partner else "",
        )
    )
    return rows


# Renewals and the true-up forecast ------------------------------------------------------------


@dataclass
class Renewal:
    """An agreement falling due: when, and the seats its use is heading for by then."""

    agreement: LicenceAgreement
    due_on: datetime.date
    days_left: int
    in_use: int = 0
    forecast: int = 0
    monthly: list[int] = field(default_factory=list)

    @property
    def true_up(self) -> int:
        """Seats to buy at renewal if use keeps its trend."""
        return max(self.forecast - self.agreement.quantity, 0)

    @property
    def true_up_cost(self) -> Decimal:
        return money(self.agreement.unit_cost * self.true_up)


#: Months of history the forecast's trend is drawn through.
TREND_MONTHS = 12


def _month_start(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _months_between(start: datetime.date, end: datetime.date) -> float:
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 30.0


def linear_forecast(counts: list[int], months_ahead: float) -> int:
    """The least-squares line through `counts` (one a month, oldest first, the last being
    this month), read `months_ahead` months after the last; never below nought. Months before
    the first seat in use say nothing of the trend (the agreement was not yet used), so the
    line starts at the first month with any."""
    while len(counts) > 1 and counts[0] == 0:
        counts = counts[1:]
    n = len(counts)
    if n == 0:
        return 0
    if n == 1:
        return max(counts[0], 0)
    mean_x = (n - 1) / 2
    mean_y = sum(counts) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(counts)) / spread
    value = mean_y + slope * ((n - 1 + months_ahead) - mean_x)
    return max(round(value), 0)


def monthly_use(agreement_ids: list[int], today: datetime.date) -> dict[int, list[int]]:
    """Seats of each agreement in use at the end of each of the last TREND_MONTHS months
    (this month last), from when each assignment was made: one grouped query."""
    first = _month_start(today, TREND_MONTHS - 1)
    rows = (
        LicenceAssignment.objects.unscoped("the use of agreements falling due")
        .filter(agreement_id__in=agreement_ids)
        .annotate(month=TruncMonth("assigned_on"))
        .values_list("agreement_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    before: dict[int, int] = defaultdict(int)
    per_month: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for agreement_id, month, n in rows:
        month = month.date() if isinstance(month, datetime.datetime) else month
        if month < first:
            before[agreement_id] += n
        else:
            per_month[agreement_id][min(month, _month_start(today))] += n
    result: dict[int, list[int]] = {}
    for agreement_id in agreement_ids:
        running = before[agreement_id]
        counts = []
        for back in range(TREND_MONTHS - 1, -1, -1):
            running += per_month[agreement_id].get(_month_start(today, back), 0)
            counts.append(running)
        result[agreement_id] = counts
    return result


def uncovered_use(agreement_ids: list[int], today: datetime.date) -> dict[int, list[int]]:
    """Installations no seat covers (`uncovered_installations`) that count against each of
    `agreement_ids`, at the end of each of the last TREND_MONTHS months, by when each was
    first recorded: a council's uncovered installations of a product count against its
    agreement in force for the product that falls due first, the one whose renewal would
    buy the seats. Three queries."""
    from django.db.models.functions import Coalesce

    if not agreement_ids:
        return {}
    products = set(
        LicenceAgreement.objects.unscoped("the products of agreements falling due")
        .filter(pk__in=agreement_ids)
        .values_list("product_id", flat=True)
    )
    in_force = list(
        agreements_in_force(today)
        .filter(product_id__in=products)
        .annotate(due=Coalesce("renewal_on", "ends_on"))
        .values_list("pk", "product_id", "due")
    )
    shares = owner_percentages([pk for pk, _, _ in in_force])
    target: dict[tuple[int, int], int] = {}
    for pk, product_id, _ in sorted(in_force, key=lambda a: (a[2] or datetime.date.max, a[0])):
        for council in sorted(shares.get(pk, {})):
            target.setdefault((council, product_id), pk)
    first = _month_start(today, TREND_MONTHS - 1)
    rows = (
        uncovered_installations()
        .filter(product_id__in=products)
        .annotate(month=TruncMonth("created_at"))
        .values_list("partner_id", "product_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    before: dict[int, int] = defaultdict(int)
    per_month: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for partner_id, product_id, month, n in rows:
        agreement_id = target.get((partner_id, product_id))
        if agreement_id is None:
            continue
        month = month.date() if isinstance(month, datetime.datetime) else month
        if month < first:
            before[agreement_id] += n
        else:
            per_month[agreement_id][min(month, _month_start(today))] += n
    result: dict[int, list[int]] = {}
    for agreement_id in agreement_ids:
        running = before[agreement_id]
        counts = []
        for back in range(TREND_MONTHS - 1, -1, -1):
            running += per_month[agreement_id].get(_month_start(today, back), 0)
            counts.append(running)
        result[agreement_id] = counts
    return result


def renewals_due(
    user: Any, within_days: int = 180, today: datetime.date | None = None
) -> list[Renewal]:
    """The agreements `user` can see whose renewal date (else end date) falls within
    `within_days` from `today` (those already past it but not yet ended included), soonest
    first, each with the seats in use and the forecast for its due date."""
    from django.db.models.functions import Coalesce

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within_days)
    agreements = list(
        LicenceAgreement.objects.visible_to(user)
        .annotate(due=Coalesce("renewal_on", "ends_on"))
        .filter(due__isnull=False, due__lte=horizon)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("product")
        .order_by("due", "reference", "id")
    )
    ids = [a.pk for a in agreements]
    use = monthly_use(ids, today)
    installed = uncovered_use(ids, today)
    found = []
    for agreement in agreements:
        due: datetime.date = agreement.due
        # Seats assigned, and installations no seat covers (use the agreement must pay for).
        counts = [
            a + b
            for a, b in zip(
                use.get(agreement.pk, []), installed.get(agreement.pk, []), strict=False
            )
        ] or use.get(agreement.pk, [])
        ahead = max(_months_between(today, due), 0.0)
        found.append(
            Renewal(
                agreement,
                due,
                (due - today).days,
                counts[-1] if counts else 0,
                linear_forecast(counts, ahead),
                counts,
            )
        )
    return found


# The joint-licensing report -------------------------------------------------------------------


@dataclass
class JointLine:
    """One council's own agreement for a product others license separately too."""

    agreement: LicenceAgreement
    partner: Partner


@dataclass
class JointProduct:
    """A product more than one council licenses separately: the lines the reader may see,
    and the partnership's totals (of every council's lines)."""

    product: SoftwareProduct
    councils: int
    combined_quantity: int | None
    combined_cost: Decimal | None
    best_unit_cost: Decimal | None
    first_due: datetime.date | None
    last_due: datetime.date | None
    lines: list[JointLine] = field(default_factory=list)
    hidden_lines: int = 0
    #: The partnership's figures (quantity, cost, best price, saving, due dates) are withheld
    #: from this reader: they would reveal another council's (`totals_shown`).
    totals_withheld: bool = False

    @property
    def consolidated_cost(self) -> Decimal | None:
        """The combined quantity bought at the best unit price any council pays."""
        if self.best_unit_cost is None or self.combined_quantity is None:
            return None
        return money(self.best_unit_cost * self.combined_quantity)

    @property
    def saving(self) -> Decimal | None:
        consolidated = self.consolidated_cost
        if consolidated is None or self.combined_cost is None:
            return None
        return money(self.combined_cost - consolidated)


def joint_licensing(user: Any, today: datetime.date | None = None) -> list[JointProduct]:
    """Products that more than one council licenses separately (agreements in force with one
    owner each), with the combined quantity and cost, and the saving of consolidating them at
    the best unit price among them, co-termed to the first of their due dates. `user` sees
    the lines of the agreements they can see (their own council's, or one co-owned with it)
    and the partnership's totals where they reveal no one council's figures (`totals_shown`:
    else `totals_withheld`), never another council's quantity or price."""
    today = today or timezone.localdate()
    in_force = agreements_in_force(today)
    shares = owner_percentages(in_force.values("pk"))
    single = {pk: next(iter(owners)) for pk, owners in shares.items() if len(owners) == 1}
    rows = list(
        in_force.filter(pk__in=list(single)).select_related("product").order_by("reference", "id")
    )
    by_product: dict[int, list[LicenceAgreement]] = defaultdict(list)
    for agreement in rows:
        by_product[agreement.product_id].append(agreement)
    joint = {
        pid: agreements
        for pid, agreements in by_product.items()
        if len({single[a.pk] for a in agreements}) > 1
    }
    visible_ids = set(
        LicenceAgreement.objects.visible_to(user)
        .filter(pk__in=[a.pk for agreements in joint.values() for a in agreements])
        .values_list("pk", flat=True)
    )
    partners = Partner.objects.unscoped("naming the reader's own councils").in_bulk(
        list({single[pk] for pk in visible_ids})
    )
    report = []
    for agreements in joint.values():
        dues = [a.due_on for a in agreements if a.due_on is not None]
        item = JointProduct(
            product=agreements[0].product,
            councils=len({single[a.pk] for a in agreements}),
            combined_quantity=sum(a.quantity for a in agreements),
            combined_cost=money(sum((a.total_cost for a in agreements), Decimal("0"))),
            best_unit_cost=min(a.unit_cost for a in agreements),
            first_due=min(dues) if dues else None,
            last_due=max(dues) if dues else None,
        )
        for agreement in agreements:
            if agreement.pk in visible_ids:
                item.lines.append(JointLine(agreement, partners[single[agreement.pk]]))
            else:
                item.hidden_lines += 1
        if not totals_shown(user, {single[a.pk] for a in agreements}):
            item.totals_withheld = True
            item.combined_quantity = item.combined_cost = item.best_unit_cost = None
            item.first_due = item.last_due = None
        report.append(item)
    report.sort(key=lambda item: (-(item.saving or 0), item.product.name))
    return report


def partner_by_code(user: Any, code: str) -> Partner | None:
    """The council with `code` whose licences `user` may see, or None (also for one they may
    not: never said apart from one that does not exist)."""
    visible = access_for(user).partner_ids(VIEW, LicenceAgreement.area)
    partner = (
        Partner.objects.unscoped("a council by code").filter(code__iexact=code.strip()).first()
    )
    if partner is None or (visible is not None and partner.pk not in visible):
        return None
    return partner
