"""`concord demo-sso`: single sign-on in the demo, through real OpenID providers on loopback.

Starts the npm package oidc-provider (scripts/oidc_provider.mjs) for Westminster, Kensington
and Chelsea and the shared service, each its own issuer on its own port, and points the demo's
sign-in providers at them (their client secrets in the database, which development allows).
The sign-in page then offers "Sign in with ..." for each; the providers' own page takes any
password for the demo identities it lists. Stops them (and switches the demo's providers off)
on Ctrl-C.
"""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.context import acting_as
from core.tenancy.models import Partner
from core.tenancy.scoping import system_scope
from identity.loopback import LoopbackProvider, start_provider
from identity.models import IdentityProvider

#: The demo's identities at each provider: login -> claims.
IDENTITIES: dict[str, dict[str, dict[str, Any]]] = {
    "wcc": {
        "ana": {
            "email": "ana.lopez@westminster.gov.uk",
            "name": "Ana Lopez",
            "groups": ["Concord IT leads"],
        },
        "ben": {
            "email": "ben.okafor@westminster.gov.uk",
            "name": "Ben Okafor",
            "groups": ["Concord users"],
        },
    },
    "rbkc": {
        "rosa": {
            "email": "rosa.patel@rbkc.gov.uk",
            "name": "Rosa Patel",
            "groups": ["Concord IT leads"],
        },
    },
    "service": {
        "meg": {
            "email": "meg.hughes@shared.example.org",
            "name": "Meg Hughes",
            "groups": ["Concord managers"],
        },
        "sam": {
            "email": "sam.reid@shared.example.org",
            "name": "Sam Reid",
            "groups": ["Service desk"],
        },
    },
}
SETUP = {
    "wcc": ("westminster.gov.uk", "Concord IT leads = lead\nConcord users = requester"),
    "rbkc": ("rbkc.gov.uk", "Concord IT leads = lead\nConcord users = requester"),
    "service": ("shared.example.org", "Concord managers = manager\nService desk = agent"),
}


class Command(BaseCommand):
    help = (
        "Start loopback OpenID providers for the demo's councils and the shared service, and "
        "point the demo's sign-in providers at them, until Ctrl-C (docs/identity.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--site", default="http://127.0.0.1:8000", help="where Concord is served"
        )
        parser.add_argument("--port", type=int, default=9401, help="the first provider's port")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.IDENTITY_SECRETS_IN_DATABASE:
            raise CommandError(
                "The demo's providers keep their secrets in the database: set "
                "CONCORD_IDENTITY_SECRETS_IN_DATABASE=true (the development default)."
            )
        site = options["site"].rstrip("/")
        running: list[LoopbackProvider] = []
        try:
            for n, slug in enumerate(IDENTITIES):
                loop = start_provider(
                    f"concord-{slug}",
                    [f"{site}/sign-in/with/{slug}/callback/"],
                    IDENTITIES[slug],
                    port=options["port"] + n,
                )
                running.append(loop)
                self._register(slug, loop)
                logins = ", ".join(IDENTITIES[slug])
                self.stdout.write(f"{slug}: {loop.issuer} (sign in there as {logins})")
            self.stdout.write(f"Sign in at {site}/sign-in/ ; Ctrl-C stops the providers.")
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
            while all(loop.process and loop.process.poll() is None for loop in running):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for loop in running:
                loop.stop()
            with system_scope("demo-sso: providers stopped"), acting_as(label="command:demo-sso"):
                for provider in IdentityProvider.objects.filter(slug__in=list(IDENTITIES)):
                    provider.enabled = False
                    provider.save()

    def _register(self, slug: str, loop: LoopbackProvider) -> None:
        domain, roles = SETUP[slug]
        with system_scope("demo-sso: the demo's providers"), acting_as(label="command:demo-sso"):
            partner = None if slug == "service" else Partner.objects.filter(code=slug).first()
            if slug != "service" and partner is None:
                raise CommandError(f"No council {slug}: run `concord demo` first.")
            provider = IdentityProvider.objects.filter(slug=slug).first() or IdentityProvider(
                slug=slug
            )
            provider.partner = partner
            provider.name = partner.name if partner else "the shared service"
            provider.issuer = loop.issuer
            provider.client_id = loop.client_id
            provider.client_secret = loop.client_secret
            provider.secret_env = ""
            provider.scopes = "openid email profile groups"
            provider.email_domains = domain
            provider.group_roles = roles
            provider.enabled = True
            provider.full_clean()
            provider.save()
