"""The agent console: where the desk works. Three views of the open tickets a person may work
(my work: assigned to me; my queues: in the queues I work, nobody's first; every open ticket),
the ticket list's filters (council, status, priority, SLA state, queue, assignee...), the most
urgent first (resolve-by), a page at a time, and a bulk update of the tickets ticked
(assignee, queue, status), all or nothing, through the desk's rules. And the ticket page's
timeline of everything that happened (`timeline`), in the MOJ pattern."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from core.changelog import history_for
from core.forms import ScopedForm, govukify
from core.pagination import InvalidCursor, keyset_page
from core.tenancy.access import CHANGE, HISTORY, access_for
from servicedesk import services
from servicedesk.choices import OPEN_STATUS_LIST, OPEN_STATUSES, SlaState, TicketStatus
from servicedesk.filtersets import TicketFilterSet
from servicedesk.forms import desk_staff
from servicedesk.models import Queue, QueueMember, Ticket, TicketComment

#: Tickets per console page.
PAGE = 50
#: The most urgent first: the resolve-by time, then the newest.
ORDERING = ["resolution_due", "id"]
VIEWS = {
    "mine": "My work",
    "queues": "My queues",
    "open": "All open tickets",
}


def may_use_console(user: Any) -> bool:
    """Whether `user` works tickets (changes every ticket of some council, not only their
    own): the desk, and a council's lead. Asks no query."""
    ids = access_for(user).partner_ids(CHANGE, Ticket.area)
    return ids is None or bool(ids)


def open_tickets(user: Any) -> Any:
    return Ticket.objects.visible_to(user).filter(status__fixed_in=OPEN_STATUS_LIST)


def in_view(user: Any, view: str) -> Any:
    """The open tickets of one of the console's views."""
    tickets = open_tickets(user)
    if view == "mine":
        return tickets.filter(assignee_id=user.pk)
    if view == "queues":
        mine = QueueMember.objects.unscoped("the queues a person works").filter(user_id=user.pk)
        return tickets.filter(queue_id__in=mine.values("queue_id"))
    return tickets


class BulkForm(ScopedForm):
    """What a bulk update changes: the assignee, the queue, the status (each may stay)."""

    assignee = forms.ChoiceField(label="Assign to", required=False)
    queue = forms.ModelChoiceField(
        queryset=Queue.objects.none(), label="Move to queue", required=False, empty_label="Keep"
    )
    status = forms.ChoiceField(
        label="Set status",
        required=False,
        choices=[
            ("", "Keep"),
            *(
                (s.value, s.label)
                for s in TicketStatus
                if s in OPEN_STATUSES and s != TicketStatus.AWAITING_APPROVAL
            ),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = [
            ("", "Keep"),
            ("nobody", "Nobody"),
            *((u.username, u.display_name) for u in desk_staff()),
        ]
        govukify(self)


class Console(LoginRequiredMixin, View):
    """The agent console page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not may_use_console(user):
            raise PermissionDenied
        view = request.GET.get("view") or "mine"
        if view not in VIEWS:
            view = "mine"
        counts = open_tickets(user).aggregate(
            # Count("partner_id"): the open tickets' index holds all it needs (Ticket.Meta.indexes).
            open=Count("partner_id"),
            mine=Count("partner_id", filter=Q(assignee_id=user.pk)),
            at_risk=Count("partner_id", filter=Q(sla_state=SlaState.AT_RISK)),
            breached=Count("partner_id", filter=Q(sla_state=SlaState.BREACHED)),
        )
        counts["queues"] = in_view(user, "queues").count()
        filters = TicketFilterSet(request.GET, queryset=in_view(user, view), request=request)
        filter_errors = filters.is_bound and not filters.form.is_valid()
        rows: list[Ticket] = []
        page = None
        if not filter_errors:
            queryset = filters.qs.select_related("partner", "queue", "assignee")
            try:
                page = keyset_page(queryset, ORDERING, request.GET.get("cursor"), PAGE)
            except InvalidCursor:
                page = keyset_page(queryset, ORDERING, None, PAGE)
            rows = list(page.rows)
        here = request.get_full_path()

        def link(**params: str) -> str:
            kept = {k: v for k, v in request.GET.lists() if k not in ("cursor", *params)}
            query = urlencode({**kept, **params}, doseq=True)
            return f"{reverse('servicedesk:console')}?{query}"

        context = {
            "view": view,
            "views": [(key, label, counts[key], link(view=key)) for key, label in VIEWS.items()],
            "counts": counts,
            "filters": filters,
            "filter_form": govukify_filters(filters.form),
            "filter_errors": filter_errors,
            "rows": rows,
            "next_url": link(cursor=page.next_cursor) if page and page.next_cursor else None,
            "previous_url": (
                link(cursor=page.previous_cursor) if page and page.previous_cursor else None
            ),
            "bulk_form": BulkForm(user=user, prefix="bulk"),
            "here": here,
        }
        return TemplateResponse(request, "servicedesk/console.html", context)


def govukify_filters(form: Any) -> Any:
    govukify(form, for_filters=True)
    return form


class ConsoleBulk(LoginRequiredMixin, View):
    """Apply a bulk update to the tickets ticked on the console, then back to it."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not may_use_console(user):
            raise PermissionDenied
        back = request.POST.get("next") or reverse("servicedesk:console")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("servicedesk:console")
        form = BulkForm(request.POST, user=user, prefix="bulk")
        ids = [int(v) for v in request.POST.getlist("ticket") if v.isdigit() and len(v) < 19]
        tickets = list(Ticket.objects.visible_to(user).filter(pk__in=ids).order_by("pk"))
        if not form.is_valid():
            messages.error(request, "Choose what to change from the lists.")
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        username = data.get("assignee") or ""
        named = username not in ("", "nobody")
        assignee = desk_staff().filter(username=username).first() if named else None
        if username not in ("", "nobody") and assignee is None:
            messages.error(request, "Choose one of the service desk's people to assign to.")
            return HttpResponseRedirect(back)
        try:
            services.bulk_update(
                tickets,
                user,
                assignee=assignee,
                unassign=username == "nobody",
                queue=data.get("queue"),
                status=data.get("status") or None,
            )
        except ValidationError as exc:
            messages.error(request, "Nothing was changed. " + " ".join(exc.messages))
        else:
            refs = ", ".join(t.reference for t in tickets[:10])
            more = f" and {len(tickets) - 10} more" if len(tickets) > 10 else ""
            plural = "s" if len(tickets) != 1 else ""
            messages.success(request, f"{len(tickets)} ticket{plural} changed: {refs}{more}.")
        return HttpResponseRedirect(back)


# The ticket page's timeline -------------------------------------------------------------------


def timeline(ticket: Ticket, user: Any, limit: int = 200) -> list[dict[str, Any]]:
    """Everything that happened to `ticket` that `user` may read, newest first: its changes
    (from the change log, for those who may read its history) and its replies and notes (the
    notes only for those who may read them), each with who and when."""
    from core.pagination import KeysetPage
    from core.views.history import describe_changes

    events: list[dict[str, Any]] = []
    comments = (
        TicketComment.objects.visible_to(user)
        .filter(ticket=ticket)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )
    for comment in comments:
        who = comment.author.display_name if comment.author else (comment.author_label or "Email")
        events.append(
            {
                "at": comment.created_at,
                "title": "Reply" if comment.public else "Internal note",
                "by": who,
                "body": comment.body,
                "note": not comment.public,
                "lines": [],
            }
        )
    access = access_for(user)
    if access.can(HISTORY, Ticket.area, ticket.owning_partner_ids()):
        records = list(history_for(ticket, user)[:limit])
        page = KeysetPage(rows=records, ordering=["-at", "-id"])
        for entry in describe_changes(page, Ticket, user):
            record = entry["record"]
            words = {"create": "Raised", "update": "Changed", "delete": "Deleted"}
            actor = record.actor.display_name if record.actor else record.actor_label
            events.append(
                {
                    "at": record.at,
                    "title": entry.get("title") or words.get(record.action, "Changed"),
                    "by": actor or "the system",
                    "body": "",
                    "note": False,
                    "lines": entry.get("lines", []),
                    "action": record.action,
                }
            )
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]


def console_urls() -> list[Any]:
    return [
        path("console/", Console.as_view(), name="console"),
        path("console/bulk/", ConsoleBulk.as_view(), name="console_bulk"),
    ]
