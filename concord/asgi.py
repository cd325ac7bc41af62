"""ASGI entry point."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
application = get_asgi_application()

# As in concord.wsgi: what is loaded at start lives as long as the process; the garbage
# collector need not walk it again.
gc.collect()
gc.freeze()
