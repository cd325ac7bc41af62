"""The header's partner filter: remember which council a member of staff is looking at."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.partner_filter import choose_partner


@require_POST
@login_required
def partner_filter(request: HttpRequest) -> HttpResponse:
    """Choose "All councils" (no code) or one council, then go back to the page it came from.

    A code the person cannot see is treated as "All councils": the filter narrows what they
    see, it never widens it.
    """
    code = request.POST.get("partner", "").strip()[:20]
    if choose_partner(request, code or None) is None:
        choose_partner(request, None)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("core:home")
    # A list page's cursor belongs to the old selection.
    return HttpResponseRedirect(_without_cursor(target))


def _without_cursor(url: str) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    return urlunsplit(parts._replace(query=urlencode(query)))
