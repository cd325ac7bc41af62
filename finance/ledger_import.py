"""Cost lines from a CSV or XLSX file (docs/finance.md, "Budgets and costs"; decision 0031).

A cost line is for the councils that bear it (an `AudienceModel`), which core's generic import
has no column for; so cost lines have this import of their own, on the same foundations:
the file is read by `core.importing.reading` (CSV in UTF-8 or Windows-1252, XLSX with
formulas' saved values, the same limits), each cell is read by `core.importing.values` (dates,
amounts, choices, a supplier or rule by name among those the person sees), each row is checked
by the model's own checks and `finance.services`, and the rows are written all or nothing,
each through `save()` and `core.services.set_audience`, so the change log names the importer.

Columns (headings by field name or label, any capitals): reference, description, amount,
incurred_on ("Date"), period_start, period_end, category, spend_type, supplier (by name),
is_shared, councils (council codes separated by spaces or commas, or ``all`` for every
council), cost_centre (by code, among the cost centres of the row's one council), rule (by
name). A row's problems name its row number and column; nothing is written if any row has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.importing.columns import model_field
from core.importing.files import ImportFileError
from core.importing.reading import is_blank, read_rows
from core.importing.values import ImportColumn, ValueReader, plain_cell
from core.services import set_audience
from core.tenancy.access import ADD, IMPORT, access_for
from core.tenancy.models import Partner
from finance.models.ledger import CostCentre, CostLine
from finance.services import audience_problem

#: The model's own columns, read by core's value reader.
FIELD_COLUMNS = (
    "reference",
    "description",
    "amount",
    "incurred_on",
    "period_start",
    "period_end",
    "category",
    "spend_type",
    "supplier",
    "is_shared",
    "rule",
)
COUNCILS = "councils"
CENTRE = "cost_centre"
COLUMNS = (*FIELD_COLUMNS, COUNCILS, CENTRE)
REQUIRED = ("description", "amount", "incurred_on", "category", COUNCILS)
#: What a councils cell says for a cost of every council.
EVERY_COUNCIL = {"all", "every", "*"}
EXAMPLE = {
    "reference": "INV-20417",
    "description": "Microsoft enterprise agreement, April",
    "amount": "41250.00",
    "incurred_on": "2026-04-30",
    "period_start": "2026-04-01",
    "period_end": "2026-04-30",
    "category": "licence",
    "spend_type": "revenue",
    "supplier": "Microsoft Limited",
    "is_shared": "yes",
    "rule": "",
    COUNCILS: "all",
    CENTRE: "",
}


@dataclass
class RowProblem:
    """One problem of a file: its row (0 for the file, 1 for the header), column, words."""

    row: int
    column: str
    message: str


@dataclass
class CostLineImport:
    """What an import found: the cost lines it made (or would), and every problem."""

    created: int = 0
    dry_run: bool = True
    #: The file's rows below the header.
    total_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def column_label(name: str) -> str:
    """A column as people know it: the field's label ("Date" for incurred_on)."""
    if name == COUNCILS:
        return "Councils"
    return str(model_field(CostLine, name).verbose_name).capitalize()


def _normal(text: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(text or "").strip().lower())


def _header(cells: list[Any]) -> tuple[dict[str, int], list[RowProblem]]:
    known = {}
    for name in COLUMNS:
        known[_normal(name)] = name
        known[_normal(column_label(name))] = name
    found: dict[str, int] = {}
    problems = []
    for position, cell in enumerate(cells):
        if is_blank(cell):
            continue
        matched = known.get(_normal(cell))
        if matched is None:
            problems.append(RowProblem(1, str(cell), f"'{cell}' is not a column of cost lines."))
        elif matched in found:
            problems.append(RowProblem(1, matched, f"The column {column_label(matched)} is twice."))
        else:
            found[matched] = position
    for name in REQUIRED:
        if name not in found:
            problems.append(
                RowProblem(1, name, f"The file needs a column {column_label(name)} ({name}).")
            )
    return found, problems


class _Rows:
    """Reads the rows of one file for one person."""

    def __init__(self, user: Any, positions: dict[str, int]) -> None:
        self.user = user
        self.access = access_for(user)
        self.positions = positions
        self.values = ValueReader(user)
        self.columns = {
            name: ImportColumn.of(CostLine, name, positions[name])
            for name in FIELD_COLUMNS
            if name in positions
        }
        self.councils = {
            p.code.lower(): p for p in Partner.objects.visible_to(user) if not p.is_former
        }
        self.centres: dict[tuple[int, str], CostCentre] = {
            (c.partner_id, c.code.lower()): c for c in CostCentre.objects.visible_to(user)
        }

    def cell(self, cells: list[Any], name: str) -> Any:
        position = self.positions.get(name)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def read(
        self, row: int, cells: list[Any], problems: list[RowProblem]
    ) -> tuple[CostLine, list[Partner]] | None:
        """The cost line and its councils a row gives, or None (its problems added)."""
        line = CostLine()
        bad = False

        def problem(column: str, message: str) -> None:
            nonlocal bad
            bad = True
            problems.append(RowProblem(row, column, message))

        for name, column in self.columns.items():
            try:
                setattr(line, name, self.values.convert(column, self.cell(cells, name)))
            except ValidationError as exc:
                problem(name, " ".join(exc.messages))
        councils, for_all = self._councils(self.cell(cells, COUNCILS), problem)
        centre_text = plain_cell(self.cell(cells, CENTRE))
        if not is_blank(centre_text):
            if len(councils) != 1 or for_all:
                problem(CENTRE, "Give a cost centre only for a cost one council bears.")
            else:
                centre = self.centres.get((councils[0].pk, str(centre_text).strip().lower()))
                if centre is None:
                    problem(
                        CENTRE,
                        f"{councils[0].name} has no cost centre with code '{centre_text}' "
                        "that you can use.",
                    )
                line.cost_centre = centre
        line.for_all_councils = for_all
        if bad:
            return None
        owners = [p.pk for p in councils] or None
        if not (
            self.access.can(IMPORT, CostLine.area, owners)
            and self.access.can(ADD, CostLine.area, owners)
        ):
            names = "every council" if for_all else ", ".join(p.code for p in councils)
            problem(COUNCILS, f"You may not import cost lines for {names}.")
            return None
        try:
            line.full_clean()
        except ValidationError as exc:
            for name, messages_ in exc.message_dict.items():
                problem(name if name in COLUMNS else "", " ".join(messages_))
        wrong = audience_problem(line.is_shared, line.cost_centre, councils, for_all)
        if wrong:
            problem(COUNCILS, wrong)
        return None if bad else (line, councils)

    def _councils(self, raw: Any, problem: Any) -> tuple[list[Partner], bool]:
        text = str(plain_cell(raw) or "").strip()
        if not text:
            problem(COUNCILS, "Give the codes of the councils that bear the cost, or all.")
            return [], False
        if text.lower() in EVERY_COUNCIL:
            if not self.access.is_service_staff:
                problem(COUNCILS, "Only the shared service says a cost is every council's.")
            return [], True
        found = []
        for code in re.split(r"[\s,;]+", text):
            partner = self.councils.get(code.lower())
            if partner is None:
                problem(COUNCILS, f"There is no council with code '{code}' that you can use.")
            elif partner not in found:
                found.append(partner)
        return found, False


def import_cost_lines(
    fileobj: IO[bytes], filename: str, user: Any, *, dry_run: bool
) -> CostLineImport:
    """Check every row of a file of cost lines and, unless `dry_run`, write them all (or,
    when any row has a problem, none). Never raises for anything in the file."""
    result = CostLineImport(dry_run=dry_run)
    found: list[tuple[CostLine, list[Partner]]] = []
    try:
        rows = read_rows(fileobj, filename)
        reader: _Rows | None = None
        for number, cells in rows:
            if reader is None:
                positions, problems = _header(cells)
                result.problems += problems
                if problems:
                    return result
                reader = _Rows(user, positions)
                continue
            result.total_rows += 1
            made = reader.read(number, cells, result.problems)
            if made is not None:
                found.append(made)
        if reader is None:
            result.problems.append(RowProblem(0, "", "The file is empty: it has no header row."))
    except ImportFileError as exc:
        result.problems.append(RowProblem(exc.row, "", exc.message))
    if result.problems:
        return result
    if not dry_run:
        with transaction.atomic():
            for line, councils in found:
                line.save()
                set_audience(line, councils)
    result.created = len(found)
    return result


# The page --------------------------------------------------------------------------------------


class CostLineImportForm(forms.Form):
    """The file to import, and whether only to check it."""

    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV or Excel (XLSX) file with a header row naming the columns.",
        error_messages={"required": "Choose a CSV or XLSX file"},
    )
    check_only = forms.BooleanField(label="Only check the file: import nothing", required=False)


class CostLineImportView(LoginRequiredMixin, View):
    """Upload a file of cost lines: checked, then imported all or nothing."""

    template_name = "finance/ledger/cost_line_import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not (
            access_for(request.user).can(IMPORT, CostLine.area)
            and access_for(request.user).can(ADD, CostLine.area)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(
        self, form: CostLineImportForm, result: CostLineImport | None = None, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "result": result,
            "columns": [
                (name, column_label(name), name in REQUIRED, EXAMPLE[name]) for name in COLUMNS
            ],
            "list_url": reverse("finance:costline_list"),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(CostLineImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CostLineImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=400)
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["check_only"]
        result = import_cost_lines(upload, upload.name, request.user, dry_run=dry_run)
        if not result.ok:
            return self.render(form, result, status=400)
        if dry_run:
            return self.render(CostLineImportForm(), result)
        messages.success(request, f"{result.created} cost lines imported.")
        return HttpResponseRedirect(reverse("finance:costline_list"))
