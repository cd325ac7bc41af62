"""The home page: where each kind of person starts."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class HomeView(LoginRequiredMixin, TemplateView):
    """Links to the areas the signed-in person can use."""

    template_name = "core/home.html"
