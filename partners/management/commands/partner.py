"""`concord partner ...`: add a council, change roles, record a leaving, list, export.

Every subcommand acts as the shared service itself (``system_scope``) and is recorded in the
change log under ``command:partner <subcommand>``. The rules live in partners.services, the
same ones the application's pages call, so a partner added here is validated as a page would.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from core.context import acting_as
from core.tenancy.choices import CouncilRole, Nation
from core.tenancy.models import Membership, Partner, User
from core.tenancy.scoping import system_scope
from partners.services import add_partner, add_person, set_roles

ROLE_HELP = ", ".join(CouncilRole.values)
NATION_HELP = ", ".join(f"{n.value} ({n.label})" for n in Nation)


def _validation_message(exc: ValidationError) -> str:
    """A ValidationError as one line naming each field."""
    if hasattr(exc, "error_dict"):
        parts: list[str] = []
        for field, messages in exc.message_dict.items():
            label = "" if field == "__all__" else f"{field}: "
            parts.extend(f"{label}{m}" for m in messages)
        return "; ".join(parts)
    return "; ".join(exc.messages)


def parse_date(value: str, option: str) -> datetime.date:
    """A YYYY-MM-DD date, or a CommandError naming the option."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option}: “{value}” is not a date; write it as YYYY-MM-DD, e.g. 2024-04-01."
        ) from None


def parse_nation(value: str) -> str:
    """A nation code (ENG, WLS, SCT, NIR), case-insensitively."""
    code = value.strip().upper()
    if code not in Nation.values:
        raise CommandError(f"--nation: “{value}” is not a nation; use one of {NATION_HELP}.")
    return code


def parse_role(value: str, where: str) -> str:
    """A council role, case-insensitively."""
    role = value.strip().lower()
    if role not in CouncilRole.values:
        raise CommandError(f"{where}: “{value}” is not a council role; use one of {ROLE_HELP}.")
    return role


def parse_person(value: str) -> tuple[str, str, str]:
    """``USERNAME:ROLE[:EMAIL]``."""
    parts = [p.strip() for p in value.split(":")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise CommandError(
            f"--person: “{value}” should be USERNAME:ROLE or USERNAME:ROLE:EMAIL, "
            "e.g. abc.lead:lead:it.lead@abc.gov.uk."
        )
    username, role = parts[0], parse_role(parts[1], "--person")
    email = parts[2] if len(parts) == 3 else ""
    return username, role, email


def get_partner(code: str) -> Partner:
    """The partner with `code`, or a CommandError listing the codes there are."""
    partner = Partner.objects.filter(code=code.strip().lower()).first()
    if partner is None:
        codes = ", ".join(Partner.objects.order_by("code").values_list("code", flat=True))
        raise CommandError(f"No partner has the code “{code}”. Partners: {codes or 'none yet'}.")
    return partner


class Command(BaseCommand):
    """Manage the partnership's councils from the shell."""

    help = (
        "Add a council, set a person's roles, record a council leaving or rejoining, "
        "list or export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)

        add = subparsers.add_parser(
            "add",
            help="Add a council with its people.",
            description=(
                "Add a council to the partnership, with its people. Its records (sites, "
                "assets...) follow with `concord import`, e.g. `concord import sites FILE`."
            ),
        )
        add.add_argument("code", help="Short lower-case code, e.g. wcc.")
        add.add_argument("--name", required=True, help="The council's full name.")
        add.add_argument("--gss", default="", help="GSS code, e.g. E09000033.")
        add.add_argument(
            "--nation", default=Nation.ENGLAND.value, help=f"Bank holidays of: {NATION_HELP}."
        )
        add.add_argument("--joined", help="Date it joined, YYYY-MM-DD (default today).")
        add.add_argument(
            "--person",
            action="append",
            default=[],
            metavar="USERNAME:ROLE[:EMAIL]",
            help=f"A person of the council and their role ({ROLE_HELP}); repeat for several. "
            "They get no password: set one with `concord changepassword USERNAME`.",
        )

        set_role = subparsers.add_parser(
            "set-role",
            help="Set a person's roles in a council.",
            description="Make a person's roles in one council exactly ROLE... "
            "(`none` removes them all). Roles in other councils are left alone.",
        )
        set_role.add_argument("username")
        set_role.add_argument("code", help="The council's code.")
        set_role.add_argument("roles", nargs="+", metavar="ROLE", help=f"{ROLE_HELP} or none.")

        leave = subparsers.add_parser(
            "leave",
            help="Record the day a council leaves the partnership.",
            description="From that day its people cannot sign in; its records stay, read-only.",
        )
        leave.add_argument("code", help="The council's code.")
        leave.add_argument("--on", required=True, dest="on", help="Leaving date, YYYY-MM-DD.")
        leave.add_argument(
            "--correct",
            action="store_true",
            help="Change the leaving date of a council that already has one (entered wrongly).",
        )

        subparsers.add_parser(
            "rejoin",
            help="Clear a council's leaving date: it is a partner again.",
            description="Its people can sign in again and its records can be changed again "
            "(the change log keeps the date it had).",
        ).add_argument("code", help="The council's code.")

        subparsers.add_parser("list", help="List the councils, current and former.")

        export = subparsers.add_parser(
            "export",
            help="Export everything a council owns or co-owns to a zip file.",
            description="A zip with a JSON Lines and a CSV file per kind of record, their "
            "change log and a manifest (counts, checksums, format version).",
        )
        export.add_argument("code", help="The council's code.")
        export.add_argument("--out", required=True, help="The zip file to write.")
        export.add_argument("--force", action="store_true", help="Replace --out if it exists.")

    @contextmanager
    def _as_command(self, subcommand: str) -> Iterator[None]:
        """Act as the service, with the change log naming this subcommand."""
        label = f"command:partner {subcommand}"
        with acting_as(None, label=label), system_scope(label):
            yield

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        handler = {
            "add": self.handle_add,
            "set-role": self.handle_set_role,
            "leave": self.handle_leave,
            "rejoin": self.handle_rejoin,
            "list": self.handle_list,
            "export": self.handle_export,
        }[subcommand]
        with self._as_command(subcommand):
            try:
                handler(**options)
            except ValidationError as exc:
                raise CommandError(_validation_message(exc)) from exc

    # Subcommands -----------------------------------------------------------------------

    def handle_add(self, **options: Any) -> None:
        code = options["code"].strip()
        joined = parse_date(options["joined"], "--joined") if options["joined"] else None
        nation = parse_nation(options["nation"])
        people = [parse_person(p) for p in options["person"]]
        usernames = [p[0] for p in people]
        repeated = sorted({name for name in usernames if usernames.count(name) > 1})
        if repeated:
            raise CommandError(f"The same username is given twice: {', '.join(repeated)}.")
        taken = list(
            User.objects.filter(username__in=[p[0] for p in people]).values_list(
                "username", flat=True
            )
        )
        if taken:
            raise CommandError(
                f"These usernames are taken: {', '.join(sorted(taken))}. Give an existing person "
                "a role with `concord partner set-role USERNAME CODE ROLE`."
            )
        # All or nothing: a bad person leaves no half-added council behind.
        with transaction.atomic():
            partner = add_partner(
                code=code,
                name=options["name"].strip(),
                gss_code=options["gss"].strip().upper(),
                nation=nation,
                joined_on=joined,
            )
            for username, role, email in people:
                try:
                    add_person(partner, username, "", "", email, role)
                except ValidationError as exc:
                    raise CommandError(f"--person {username}: {_validation_message(exc)}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {partner.name} ({partner.code}) with {len(people)} person(s)."
            )
        )
        if people:
            self.stdout.write(
                "New people cannot sign in until they have a password: "
                "`concord changepassword USERNAME`."
            )

    def handle_set_role(self, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No person has the username “{username}”.")
        partner = get_partner(options["code"])
        raw: list[str] = list(options["roles"])
        if [r.strip().lower() for r in raw] == ["none"]:
            roles: list[str] = []
        else:
            roles = [parse_role(r, "ROLE") for r in raw]
        memberships = set_roles(user, partner, roles)
        if memberships:
            held = ", ".join(m.get_role_display() for m in memberships)
            self.stdout.write(self.style.SUCCESS(f"{username} in {partner.code}: {held}."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"{username} no longer has a role in {partner.code}.")
            )

    def handle_leave(self, **options: Any) -> None:
        partner = get_partner(options["code"])
        on = parse_date(options["on"], "--on")
        if partner.left_on is not None:
            if partner.left_on == on:
                self.stdout.write(f"{partner.name} already leaves on {on:%Y-%m-%d}; nothing to do.")
                return
            if not options.get("correct"):
                raise CommandError(
                    f"{partner.name} already has a leaving date, {partner.left_on:%Y-%m-%d}. "
                    f"To change it, run `concord partner leave {partner.code} --on "
                    f"{on:%Y-%m-%d} --correct`; if the council is a partner again, "
                    f"`concord partner rejoin {partner.code}`."
                )
        if on < partner.joined_on:
            raise CommandError(
                f"--on: {partner.name} joined on {partner.joined_on:%Y-%m-%d}; it cannot leave "
                "before that."
            )
        partner.left_on = on
        partner.full_clean()
        partner.save()
        people = (
            Membership.objects.owned_by(partner)
            .values_list("user_id", flat=True)
            .distinct()
            .count()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{partner.name} leaves on {on:%Y-%m-%d}. From that day its {people} "
                "person(s) cannot sign in; its records stay, read-only, for the shared service."
            )
        )

    def handle_rejoin(self, **options: Any) -> None:
        partner = get_partner(options["code"])
        if partner.left_on is None:
            self.stdout.write(f"{partner.name} has no leaving date; nothing to do.")
            return
        was = partner.left_on
        partner.left_on = None
        partner.full_clean()
        partner.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"{partner.name} is a partner again (its leaving date was {was:%Y-%m-%d}). Its "
                "people can sign in and its records can be changed again."
            )
        )

    def handle_list(self, **options: Any) -> None:
        rows = [("Code", "Name", "GSS code", "Nation", "Joined", "Left")]
        for p in Partner.objects.order_by("code"):
            rows.append(
                (
                    p.code,
                    p.name,
                    p.gss_code or "-",
                    p.nation,
                    f"{p.joined_on:%Y-%m-%d}",
                    f"{p.left_on:%Y-%m-%d}" if p.left_on else "-",
                )
            )
        if len(rows) == 1:
            self.stdout.write("No partners yet: add one with `concord partner add`.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )

    def handle_export(self, **options: Any) -> None:
        from core.partner_export import export_partner

        partner = get_partner(options["code"])
        out = Path(options["out"]).expanduser()
        if out.suffix.lower() != ".zip":
            raise CommandError(f"--out: “{out}” should be a .zip file name.")
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder “{out.parent}” does not exist.")
        if out.exists() and not options["force"]:
            raise CommandError(f"--out: “{out}” exists already; add --force to replace it.")
        # Written beside the target and renamed at the end, so that a failed or interrupted
        # export never leaves a half-written zip under the name asked for.
        partial = out.with_name(f".{out.name}.partial")
        stream = getattr(self.stderr, "_out", sys.stderr)  # tqdm redraws one line with \r
        bar = tqdm(
            desc=f"Exporting {partner.code}",
            unit=" rows",
            file=stream,
            disable=options["verbosity"] == 0,
            dynamic_ncols=True,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            manifest = export_partner(partner, partial, progress=progress)
            partial.replace(out)
        finally:
            bar.close()
            partial.unlink(missing_ok=True)
        files = manifest.get("files", {})
        rows = sum(f["rows"] for name, f in files.items() if name.endswith(".jsonl"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {partner.name} to {out} ({out.stat().st_size:,} bytes): {rows:,} rows "
                f"in {len(files)} files, and manifest.json with each file's checksum."
            )
        )
        for name, info in sorted(files.items()):
            if name.endswith(".jsonl") and info["rows"]:
                self.stdout.write(f"  {name.removesuffix('.jsonl'):<30} {info['rows']:>10,} rows")
