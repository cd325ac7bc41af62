"""The home page: where each kind of person starts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.views.generic import TemplateView

from core.tenancy.access import ADD, VIEW, access_for
from core.tenancy.models import Partner


class HomeView(LoginRequiredMixin, TemplateView):
    """Links to the areas the signed-in person can use, and the councils they work for."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.urls import get_resolver

        from core.views.generic import REGISTRY

        context = super().get_context_data(**kwargs)
        user = self.request.user
        access = access_for(user)
        get_resolver().url_patterns  # noqa: B018 - loads the URL confs, which fill REGISTRY
        areas = []
        for views in sorted(REGISTRY, key=lambda v: v.nav_order):
            model = views.model
            if not access.can(VIEW, model.area):
                continue
            areas.append(
                {
                    "label": views.nav_label,
                    "url": reverse(model.url_name("list")),
                    "add_url": (
                        reverse(model.url_name("create")) if access.can(ADD, model.area) else None
                    ),
                    "verbose_name": views.names()[0],
                }
            )
        context["areas"] = areas
        if not access.is_service_staff:
            context["my_partners"] = list(
                Partner.objects.visible_to(user).filter(pk__in=list(access.roles_by_partner))
            )
        return context
