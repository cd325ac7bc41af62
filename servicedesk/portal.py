"""The self-service portal: where a council's people get IT help without knowing the desk's
words. One page (`/portal/`) to search the help articles, report a problem, ask for something
from the catalogue, and follow their own tickets; a form to report a problem that shows the
help articles matching the subject as it is typed (htmx, announced politely), or, without
JavaScript, when "Look for help first" is pressed. Everything goes through the desk's rules
(servicedesk.services, .knowledge, .catalogue) and the one visibility rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views import View

from core.forms import ScopedForm, add_validation_error, govukify
from core.tenancy.access import ADD, access_for, writable_partners
from core.tenancy.models import Partner
from servicedesk import knowledge, services
from servicedesk.choices import OPEN_STATUS_LIST, Impact, Source, TicketKind, TicketStatus, Urgency
from servicedesk.models import KnowledgeArticle, RequestItem, Ticket

#: Own tickets the portal lists (the rest are on the tickets list).
OWN_TICKETS = 10
#: Catalogue items the portal shows (the rest are in the catalogue).
ITEMS = 8


def may_use_portal(user: Any) -> bool:
    """Whether `user` is one of a council's people who raise tickets there (the shared
    service's staff raise them from the desk's own pages). Asks no query: the navigation
    asks it on every page."""
    ids = access_for(user).partner_ids(ADD, Ticket.area)
    return ids is not None and bool(ids)


class PortalTicketForm(ScopedForm):
    """Report a problem or ask a question, in the words of the person who has it."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        label="Your council",
        error_messages={"required": "Choose your council"},
    )
    subject = forms.CharField(
        label="What is wrong, in a few words",
        max_length=200,
        help_text="For example: “Cannot connect to the VPN from home”. Help articles that "
        "match appear below as you type.",
        error_messages={"required": "Say in a few words what is wrong"},
    )
    description = forms.CharField(
        label="Tell us more",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you were doing, what you saw (any error message), and since when.",
    )
    urgency = forms.TypedChoiceField(
        label="How much is it stopping your work?",
        coerce=int,
        choices=[
            (Urgency.HIGH, "I cannot work"),
            (Urgency.MEDIUM, "I can work, but slowly"),
            (Urgency.LOW, "It can wait"),
        ],
        initial=Urgency.MEDIUM,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how much it is stopping your work"},
    )
    others = forms.TypedChoiceField(
        label="Is anyone else affected?",
        coerce=int,
        choices=[
            (Impact.LOW, "Just me"),
            (Impact.MEDIUM, "My team or my building"),
            (Impact.HIGH, "Many people, or a whole service"),
        ],
        initial=Impact.LOW,
        widget=forms.RadioSelect,
        error_messages={"required": "Say who else is affected"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        councils = writable_partners(user, ADD, Ticket.area)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ModelChoiceField)
        partner.queryset = councils
        only = list(councils[:2])
        if len(only) == 1:
            self.initial.setdefault("partner", only[0].pk)
            partner.widget = forms.HiddenInput()
        govukify(self)


def suggestions_for(user: Any, text: str, partner: Any = None) -> list[KnowledgeArticle]:
    """Published help articles that match `text`, among those `user` may read."""
    return knowledge.suggest_articles(user, text, partner=partner)


class PortalHome(LoginRequiredMixin, View):
    """The portal: help articles, report a problem, ask for something, your tickets."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not may_use_portal(user):
            raise PermissionDenied
        query = (request.GET.get("q") or "").strip()[:200]
        mine = Ticket.objects.visible_to(user).filter(
            Q(requester=user) | Q(contact=user)
        )  # one's own, whatever else one may see
        own_open = mine.filter(status__fixed_in=OPEN_STATUS_LIST).order_by("-opened_at", "-id")
        items = RequestItem.objects.visible_to(user).filter(is_active=True).order_by("name")
        context = {
            "query": query,
            "found": suggestions_for(user, query) if query else [],
            "own_open": list(own_open.select_related("partner")[:OWN_TICKETS]),
            "own_open_count": own_open.count(),
            "awaiting_you": mine.filter(status=TicketStatus.AWAITING_CUSTOMER).count(),
            "resolved_to_rate": list(
                mine.filter(status=TicketStatus.RESOLVED, satisfaction__isnull=True).order_by(
                    "-resolved_at"
                )[:5]
            ),
            "items": list(items[:ITEMS]),
            "more_items": items.count() > ITEMS,
            "tickets_url": reverse(Ticket.url_name("list")),
            "catalogue_url": reverse(RequestItem.url_name("list")),
            "articles_url": reverse(KnowledgeArticle.url_name("list")),
        }
        return TemplateResponse(request, "servicedesk/portal/home.html", context)


class PortalRaise(LoginRequiredMixin, View):
    """Report a problem: the form, with the help articles that match what is typed."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not may_use_portal(request.user):
            raise PermissionDenied
        form = PortalTicketForm(user=request.user, initial={"subject": request.GET.get("q", "")})
        return self.render(request, form, [])

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not may_use_portal(user):
            raise PermissionDenied
        form = PortalTicketForm(request.POST, user=user)
        if "suggest" in request.POST:
            # Without JavaScript: look for help first, raise nothing.
            subject = request.POST.get("subject", "")
            form = PortalTicketForm(initial=request.POST.dict(), user=user)
            return self.render(request, form, suggestions_for(user, subject), looked=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    ticket = services.raise_ticket(
                        partner=data["partner"],
                        requester=user,
                        subject=data["subject"],
                        description=data.get("description", ""),
                        kind=TicketKind.INCIDENT,
                        impact=data["others"],
                        urgency=data["urgency"],
                        source=Source.PORTAL,
                    )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Thank you: your ticket is {ticket.reference}. We have emailed you, and "
                    "will reply there and on this page.",
                )
                return HttpResponseRedirect(ticket.get_absolute_url())
        subject = request.POST.get("subject", "")
        return self.render(request, form, suggestions_for(user, subject), status=400)

    def render(
        self,
        request: HttpRequest,
        form: PortalTicketForm,
        found: list[KnowledgeArticle],
        status: int = 200,
        looked: bool = False,
    ) -> HttpResponse:
        context = {
            "form": form,
            "found": found,
            "looked": looked,
            "portal_url": reverse("servicedesk:portal"),
        }
        return TemplateResponse(request, "servicedesk/portal/raise.html", context, status=status)


class PortalSuggestions(LoginRequiredMixin, View):
    """The help articles matching a subject being typed (the portal form's htmx region)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        text = (request.GET.get("subject") or "")[:200]
        found = suggestions_for(request.user, text) if access_for(request.user) else []
        context = {"found": found, "looked": bool(text.strip())}
        return TemplateResponse(request, "servicedesk/portal/_suggestions.html", context)


def portal_urls() -> list[Any]:
    return [
        path("portal/", PortalHome.as_view(), name="portal"),
        path("portal/report/", PortalRaise.as_view(), name="portal_raise"),
        path("portal/suggestions/", PortalSuggestions.as_view(), name="portal_suggestions"),
    ]
