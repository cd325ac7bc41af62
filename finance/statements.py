"""A council's recharge statement as files (docs/finance.md, "Recharge runs and statements"):

- CSV and XLSX: every cost of the run the council has a part in, one row each (date,
  reference, description, category, spend type, the part in the period, the rule, the
  council's weight and every council's, the council's share), then the adjustments carried
  and the total; streamed a page of costs at a time, never all held.
- PDF (WeasyPrint, from templates/finance/recharges/_statement_pdf.html): the statement's
  grouped lines, adjustments and total.
- Journal (CSV a council's finance system imports): one line per cost centre and account, from
  the council's ledger codes, columns `council`, `period_start`, `period_end`, `cost_centre`,
  `account_code`, `category`, `spend_type`, `amount`, `description`, `reference`. Adjustments
  are booked to the cost centre and account of the council's "other" revenue ledger code.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from openpyxl import Workbook

from core.exporting import csv_cell, xlsx_cell
from finance.choices import CostCategory, SpendType
from finance.models import LedgerCode, RechargeAdjustment, RechargeLine, RechargeStatement
from finance.recharging import cost_shares

#: Costs recomputed per page when a file streams them.
PAGE = 1000

COST_HEADER = [
    "Cost id",
    "Date",
    "Reference",
    "Description",
    "Category",
    "Spend type",
    "Part in the period (£)",
    "Rule",
    "Council's weight",
    "All councils' weight",
    "Council's share (£)",
]

JOURNAL_HEADER = [
    "council",
    "period_start",
    "period_end",
    "cost_centre",
    "account_code",
    "category",
    "spend_type",
    "amount",
    "description",
    "reference",
]


def statement_lines(statement: RechargeStatement) -> list[RechargeLine]:
    """The statement's grouped lines."""
    rows = RechargeLine.objects.unscoped("a statement's own lines, read with it")
    return list(
        rows.filter(statement=statement)
        .select_related("rule")
        .order_by("category", "spend_type", "id")
    )


def statement_adjustments(statement: RechargeStatement) -> list[RechargeAdjustment]:
    """The adjustments the statement's run carries for its council."""
    rows = RechargeAdjustment.objects.unscoped("a statement's own adjustments, read with it")
    return list(
        rows.filter(applied_in=statement.run, partner=statement.partner).select_related(
            "corrects_run"
        )
    )


def cost_rows(statement: RechargeStatement) -> Iterator[list[Any]]:
    """One row per cost (COST_HEADER), a page of costs at a time."""
    after = 0
    while True:
        page = cost_shares(statement, after=after, limit=PAGE)
        if not page:
            return
        for item in page:
            cost = item.cost
            yield [
                cost.pk,
                cost.incurred_on.isoformat(),
                cost.reference,
                cost.description,
                cost.get_category_display(),
                cost.get_spend_type_display(),
                item.part,
                item.rule.name if item.rule else "Borne by the council alone",
                item.weight if item.weight is not None else "",
                item.total_weight if item.total_weight is not None else "",
                item.share,
            ]
        after = page[-1].cost.pk


def all_rows(statement: RechargeStatement) -> Iterator[list[Any]]:
    """The header, every cost, the adjustments and the total."""
    yield COST_HEADER
    yield from cost_rows(statement)
    for adjustment in statement_adjustments(statement):
        yield [
            "",
            "",
            "",
            f"Adjustment to {adjustment.corrects_run.period_label()}: {adjustment.reason}",
            "",
            "",
            "",
            "",
            "",
            "",
            adjustment.amount,
        ]
    yield ["", "", "", "Total", "", "", "", "", "", "", statement.total]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterator[list[Any]]) -> Iterator[str]:
    """`rows` as CSV text, a line at a time (text cells made safe from formulas)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def xlsx_bytes(statement: RechargeStatement) -> bytes:
    """The statement as a workbook (write-only, streamed row by row)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Statement")
    for row in all_rows(statement):
        sheet.append([xlsx_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def journal_rows(statement: RechargeStatement) -> list[list[Any]]:
    """One journal line per cost centre and account (JOURNAL_HEADER), in the council's ledger
    codes; lines without a code are booked with empty codes so that nothing is lost."""
    run, partner = statement.run, statement.partner
    totals: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for line in statement_lines(statement):
        totals[(line.cost_centre, line.account_code, line.category, line.spend_type)] += line.amount
    adjustments = statement_adjustments(statement)
    if adjustments:
        code = (
            LedgerCode.objects.unscoped("the council's own ledger code for adjustments")
            .filter(partner=partner, category=CostCategory.OTHER, spend_type=SpendType.REVENUE)
            .select_related("cost_centre")
            .first()
        )
        key = (
            code.cost_centre.code if code else "",
            code.account_code if code else "",
            "adjustment",
            SpendType.REVENUE,
        )
        for adjustment in adjustments:
            totals[key] += adjustment.amount
    reference = f"RCH-{run.period_start:%Y%m}-{partner.code.upper()}"
    rows = []
    for (centre, account, category, spend), amount in sorted(totals.items()):
        label = "Adjustments" if category == "adjustment" else CostCategory(category).label
        rows.append(
            [
                partner.code,
                run.period_start.isoformat(),
                run.period_end.isoformat(),
                centre,
                account,
                category,
                spend,
                amount,
                f"Shared IT recharge {run.period_label()}: {label}",
                reference,
            ]
        )
    return rows


def pdf_bytes(statement: RechargeStatement, request: Any = None) -> bytes:
    """The statement as a PDF: its grouped lines, adjustments and total."""
    from weasyprint import HTML

    html = render_to_string(
        "finance/recharges/_statement_pdf.html",
        {
            "statement": statement,
            "run": statement.run,
            "lines": statement_lines(statement),
            "adjustments": statement_adjustments(statement),
        },
        request=request,
    )
    return bytes(HTML(string=html).write_pdf())
