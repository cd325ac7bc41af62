"""WSGI entry point (gunicorn concord.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
application = get_wsgi_application()

# What is loaded at start lives as long as the process: every app's URLs (loaded now rather than
# on the first request) and all they import are frozen out of the garbage collector's walks,
# whose passes over what requests make are then kept rare (core.heap).
from core.heap import collect_young_rarely, freeze_what_is_loaded  # noqa: E402 - Django first

freeze_what_is_loaded()
collect_young_rarely()
