"""The home page: what needs the signed-in person now, from every app (core.navigation)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from core.navigation import home_needs


class HomeView(LoginRequiredMixin, TemplateView):
    """Each app's counted links of what needs the person (their open tickets, those at risk,
    their council's records awaiting them), and the councils they work for. The navigation
    holds the way to everything else."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["needs"] = home_needs(self.request.user)
        return context
