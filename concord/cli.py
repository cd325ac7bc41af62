"""The `concord` command: Django's manage.py under a friendly name.

`concord demo`, `concord serve`, `concord worker`, `concord partner add|export`, `concord import`
and every Django management command (`concord migrate`, `concord createsuperuser`...).
"""

from __future__ import annotations

import os
import sys

#: What runs without settings (Django lists the commands and says why the settings failed).
_WITHOUT_SETTINGS = {"help", "--help", "-h", "version", "--version"}


def main(argv: list[str] | None = None) -> None:
    """Run a Concord command."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "concord"
    if len(args) > 1 and not args[1].startswith("-") and "-" in args[1]:
        # A command is typed with hyphens (`concord mail-in`); its module has underscores.
        args[1] = args[1].replace("-", "_")
    if len(args) > 1 and args[1] not in _WITHOUT_SETTINGS:
        # Django would carry on without the settings and fail later, for some commands with
        # "Models aren't loaded yet"; say what is wrong instead (a production setting missing,
        # most often: with no CONCORD_ENV Concord is in production mode).
        try:
            settings.INSTALLED_APPS  # noqa: B018 - loads the settings
        except ImproperlyConfigured as exc:
            hint = (
                ""
                if os.environ.get("CONCORD_ENV")
                else " (No CONCORD_ENV is set, so this is production mode; on a development "
                "machine, export CONCORD_ENV=development.)"
            )
            sys.exit(f"concord: {exc}.{hint}")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
