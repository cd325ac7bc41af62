"""Recharge pages (docs/finance.md, "Recharge runs and statements" and "What if a council joins
or leaves"):

- runs (``/recharge-runs/``): the list, a form to make a period's draft run, a run's page with
  its statements (those the reader may see) and, for the shared service's finance officer and
  manager, "Run again" and "Approve" (each a POST after a page that asks to confirm);
- a statement's page (``/recharge-statements/<id>/``): its grouped lines, the adjustments it
  carries, and each cost with the rule, the council's and every council's weight and the
  council's share, a page of costs at a time; its PDF, CSV, XLSX and journal;
- adjustments: the generic pages (core.views.generic);
- "What if" (``/recharge-what-if/``): a council joining or leaving, for the shared service's
  finance officer and manager, changing no data.

A council's finance officer and lead see only their council's statements (another council's is
a 404); the shared service's staff see every council's. The header's "Councils shown"
(core.partner_filter) narrows the run pages as it narrows every list, never widening them: with
one council chosen, the runs list shows that council's total of each run and a run's page only
its statement, and each page says which council it shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views import View

from core.forms import add_validation_error
from core.navigation import NavEntry, Need
from core.partner_filter import councils_shown, narrowed_to_selected_partner, selected_partner
from core.tenancy.access import VIEW, access_for
from core.views.generic import ModelViews
from finance import recharging, statements
from finance.models import RechargeAdjustment, RechargeRun, RechargeStatement, RunStatus
from finance.recharge_filtersets import RechargeAdjustmentFilterSet
from finance.recharge_forms import RechargeAdjustmentForm, RunPeriodForm, WhatIfForm
from finance.recharge_tables import RechargeAdjustmentTable
from finance.recharge_whatif import what_if

#: Costs per page of a statement.
COSTS_PER_PAGE = 50


class RechargeAdjustmentViews(ModelViews):
    """Corrections of approved runs, one council each, carried by the next run made."""

    model = RechargeAdjustment
    filterset_class = RechargeAdjustmentFilterSet
    table_class = RechargeAdjustmentTable
    form_class = RechargeAdjustmentForm
    nav_label = "Recharge adjustments"
    nav_order = 62


def _may_read_finance(user: Any) -> bool:
    return access_for(user).can(VIEW, "finance")


def _visible_run(request: HttpRequest, pk: int) -> RechargeRun:
    if pk > 2**63 - 1:
        raise Http404
    run = RechargeRun.objects.visible_to(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def _visible_statement(request: HttpRequest, pk: int) -> RechargeStatement:
    if pk > 2**63 - 1:
        raise Http404
    found = (
        RechargeStatement.objects.visible_to(request.user)
        .filter(pk=pk)
        .select_related("run", "partner")
        .first()
    )
    if found is None:
        raise Http404
    return found


class RunListView(LoginRequiredMixin, View):
    """Every run, newest first, and the form that makes a period's draft run."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.draw(request, RunPeriodForm(user=request.user))

    def draw(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        if not _may_read_finance(request.user):
            raise PermissionDenied
        runs = list(RechargeRun.objects.visible_to(request.user).select_related("approved_by")[:60])
        # The header's "Councils shown": with one council chosen, its total of each run.
        shown = selected_partner(request)
        if shown is not None:
            owed = dict(
                RechargeStatement.objects.visible_to(request.user)
                .filter(partner=shown, run__in=[run.pk for run in runs])
                .values_list("run_id", "total")
            )
            for run in runs:
                run.shown_total = owed.get(run.pk)
        context = {
            "runs": runs,
            "shown": shown,
            "councils_shown": councils_shown(request, None, bool(runs)),
            "form": form,
            "may_run": recharging.may_run(request.user),
            "errors": bool(form.errors),
        }
        return TemplateResponse(request, "finance/recharges/run_list.html", context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not recharging.may_run(request.user):
            raise PermissionDenied
        form = RunPeriodForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                run = recharging.run_for(
                    form.cleaned_data["month"], form.cleaned_data["period_end"]
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, f"The draft run for {run.period_label()} is made.")
                return HttpResponseRedirect(run.get_absolute_url())
        return self.draw(request, form, status=400)


class RunDetailView(LoginRequiredMixin, View):
    """A run: its period, status, total, any costs it could not split, and its statements."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = _visible_run(request, pk)
        rows = list(
            narrowed_to_selected_partner(
                RechargeStatement.objects.visible_to(request.user), request
            )
            .filter(run=run)
            .select_related("partner")
            .order_by("partner__name", "id")
        )
        may = recharging.may_run(request.user) and run.status == RunStatus.DRAFT
        context = {
            "run": run,
            "statements": rows,
            "councils_shown": councils_shown(request, None, bool(rows)),
            "may_act": may,
            "problems": [line for line in run.problems.splitlines() if line],
        }
        return TemplateResponse(request, "finance/recharges/run_detail.html", context)


class RunActionView(LoginRequiredMixin, View):
    """Asks to confirm "run again" or "approve" of a draft run, and does it on POST."""

    action = ""
    titles = {
        "rerun": "Run {period} again",
        "approve": "Approve the recharge run for {period}",
    }
    texts = {
        "rerun": "The draft is made again from the costs, rules and driver figures as they are "
        "now, and its statements replaced.",
        "approve": "Once approved the run is locked: its statements never change, the costs of "
        "its period cannot be changed or deleted, and corrections go into a later run as "
        "adjustments.",
    }
    buttons = {"rerun": "Run it again", "approve": "Approve and lock the run"}

    def run_for(self, request: HttpRequest, pk: int) -> RechargeRun:
        run = _visible_run(request, pk)
        if not recharging.may_run(request.user):
            raise PermissionDenied
        if run.status != RunStatus.DRAFT:
            raise PermissionDenied
        return run

    def draw(self, request: HttpRequest, run: RechargeRun, error: str = "") -> HttpResponse:
        period = run.period_label()
        context = {
            "run": run,
            "title": self.titles[self.action].format(period=period),
            "text": self.texts[self.action],
            "button": self.buttons[self.action],
            "error": error,
        }
        status = 400 if error else 200
        return TemplateResponse(
            request, "finance/recharges/run_action.html", context, status=status
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.draw(request, self.run_for(request, pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self.run_for(request, pk)
        try:
            with transaction.atomic():
                if self.action == "approve":
                    recharging.approve(run, request.user)
                    done = f"The recharge run for {run.period_label()} is approved and locked."
                else:
                    recharging.run_for(run.period_start, run.period_end)
                    done = f"The draft run for {run.period_label()} is made again."
        except ValidationError as error:
            return self.draw(request, run, " ".join(error.messages))
        messages.success(request, done)
        return HttpResponseRedirect(run.get_absolute_url())


class StatementDetailView(LoginRequiredMixin, View):
    """One council's statement: lines, adjustments, and its costs a page at a time."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        statement = _visible_statement(request, pk)
        after_text = request.GET.get("after", "0")
        after = int(after_text) if after_text.isdigit() and len(after_text) < 19 else 0
        costs = recharging.cost_shares(statement, after=after, limit=COSTS_PER_PAGE + 1)
        more = len(costs) > COSTS_PER_PAGE
        costs = costs[:COSTS_PER_PAGE]
        weights, drivers = recharging.statement_inputs(statement)
        context = {
            "statement": statement,
            "run": statement.run,
            "lines": statements.statement_lines(statement),
            "adjustments": statements.statement_adjustments(statement),
            "costs": costs,
            "after": after,
            "next_after": costs[-1].cost.pk if more and costs else None,
            "weights": weights,
            "drivers": drivers,
            "shown": selected_partner(request),
        }
        return TemplateResponse(request, "finance/recharges/statement_detail.html", context)


def _file_name(statement: RechargeStatement, kind: str, extension: str) -> str:
    return (
        f"recharge-{statement.run.period_start:%Y-%m}-{statement.partner.code}-{kind}.{extension}"
    )


class StatementFileView(LoginRequiredMixin, View):
    """A statement as PDF, CSV, XLSX, or its journal (CSV)."""

    kind = ""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
        statement = _visible_statement(request, pk)
        response: HttpResponse | StreamingHttpResponse
        if self.kind == "csv":
            response = StreamingHttpResponse(
                statements.csv_stream(statements.all_rows(statement)),
                content_type="text/csv; charset=utf-8",
            )
            name = _file_name(statement, "statement", "csv")
        elif self.kind == "journal":
            rows = iter([statements.JOURNAL_HEADER, *statements.journal_rows(statement)])
            response = HttpResponse(
                "".join(statements.csv_stream(rows)), content_type="text/csv; charset=utf-8"
            )
            name = _file_name(statement, "journal", "csv")
        elif self.kind == "xlsx":
            response = HttpResponse(
                statements.xlsx_bytes(statement),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            name = _file_name(statement, "statement", "xlsx")
        else:
            response = HttpResponse(
                statements.pdf_bytes(statement, request), content_type="application/pdf"
            )
            name = _file_name(statement, "statement", "pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class WhatIfView(LoginRequiredMixin, View):
    """Every council's recharge for a period now and with a council joining or leaving; for
    the shared service's finance officer and manager (it shows every council's figures).
    A GET with the question answers it: nothing is written."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not recharging.may_run(request.user):
            raise PermissionDenied
        asked = "month" in request.GET
        form = WhatIfForm(request.GET if asked else None, user=request.user)
        answer = None
        if asked and form.is_valid():
            data = form.cleaned_data
            joining = data["change"] == "join"
            answer = what_if(
                request.user,
                data["month"],
                data["period_end"],
                leaving=None if joining else data["council"],
                joining_name=data["name"].strip() if joining else "",
                joining_figures=form.figures() if joining else None,
                joining_share=Decimal(data.get("share") or 0) if joining else Decimal(0),
            )
        context = {"form": form, "answer": answer, "errors": bool(form.errors)}
        status = 400 if form.errors else 200
        return TemplateResponse(request, "finance/recharges/what_if.html", context, status=status)


urlpatterns: list[Any] = [
    *RechargeAdjustmentViews.urls(),
    path("recharge-runs/", RunListView.as_view(), name="rechargerun_list"),
    path("recharge-runs/<int:pk>/", RunDetailView.as_view(), name="rechargerun_detail"),
    path(
        "recharge-runs/<int:pk>/approve/",
        RunActionView.as_view(action="approve"),
        name="rechargerun_approve",
    ),
    path(
        "recharge-runs/<int:pk>/rerun/",
        RunActionView.as_view(action="rerun"),
        name="rechargerun_rerun",
    ),
    path(
        "recharge-statements/<int:pk>/",
        StatementDetailView.as_view(),
        name="rechargestatement_detail",
    ),
    *[
        path(
            f"recharge-statements/<int:pk>/{kind}/",
            StatementFileView.as_view(kind=kind),
            name=f"rechargestatement_{kind}",
        )
        for kind in ("pdf", "csv", "xlsx", "journal")
    ],
    path("recharge-what-if/", WhatIfView.as_view(), name="recharge_what_if"),
]


def nav_entries() -> list[Any]:
    """Recharge runs for whoever reads finance; "What if" for the service's finance staff."""
    return [
        NavEntry("Recharge runs", "finance:rechargerun_list", "money", area="finance", order=60),
        NavEntry(
            "What if a council joins or leaves",
            "finance:recharge_what_if",
            "money",
            order=64,
            allowed=recharging.may_run,
        ),
    ]


def home_needs(user: Any) -> list[Any]:
    """Draft runs waiting for approval, for the shared service's finance officer and manager."""
    if not recharging.may_run(user):
        return []
    drafts = RechargeRun.objects.visible_to(user).filter(status=RunStatus.DRAFT).count()
    return [Need("Recharge runs waiting for approval", drafts, reverse("finance:rechargerun_list"))]
