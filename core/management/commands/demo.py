"""`concord demo`: load the demo partnership and print the accounts to sign in with."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from core.demo import DemoAccount, load_demo, loaders_through
from core.layout import refuse_stale_database


def format_accounts(accounts: list[DemoAccount]) -> str:
    """The accounts as a plain-text table: username, who they are, password."""
    header = DemoAccount("Username", "Who they are", "Password")
    rows = [header, *accounts]
    user_width = max(len(a.username) for a in rows)
    who_width = max(len(a.description) for a in rows)
    password_width = max(len(a.password) for a in rows)
    lines = []
    for i, account in enumerate(rows):
        lines.append(
            f"  {account.username:<{user_width}}  {account.description:<{who_width}}  "
            f"{account.password}".rstrip()
        )
        if i == 0:
            lines.append(f"  {'-' * user_width}  {'-' * who_width}  {'-' * password_width}")
    return "\n".join(lines)


class Command(BaseCommand):
    """Load the demo councils, sites, agreements and accounts (safe to run again)."""

    help = (
        "Load the demo partnership (Westminster, Kensington and Chelsea, and Hammersmith and "
        "Fulham, which left in 2018) and print its accounts. Running it again creates nothing "
        "twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo account the demo password again, if someone changed it.",
        )
        parser.add_argument(
            "--through",
            metavar="APP",
            help="Load the demo only as far as this app (its label, such as estate or "
            "servicedesk): the apps before it in INSTALLED_APPS and the app itself.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        refuse_stale_database(connection)
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database is not up to date: run `concord migrate` first, then `concord demo`."
            )
        if options["through"]:
            try:
                loaders_through(options["through"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        result = load_demo(reset_passwords=options["reset_passwords"], through=options["through"])
        if sum(result.created.values()):
            made = ", ".join(f"{n} {kind}" for kind, n in result.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo partnership loaded: created {made}."))
        else:
            self.stdout.write(
                self.style.SUCCESS("Demo partnership already loaded; nothing to add.")
            )
        if result.passwords_reset:
            self.stdout.write(f"Reset the password of {result.passwords_reset} demo account(s).")
        self.stdout.write("")
        self.stdout.write("Demo accounts:")
        self.stdout.write(format_accounts(result.accounts))
        self.stdout.write("")
        if not options["reset_passwords"]:
            self.stdout.write(
                "(A password changed since it was created is kept; "
                "`concord demo --reset-passwords` puts them all back.)"
            )
