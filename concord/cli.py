"""The `concord` command: Django's manage.py under a friendly name.

`concord demo`, `concord serve`, `concord worker`, `concord partner add|export`, `concord import`
and every Django management command (`concord migrate`, `concord createsuperuser`...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Concord command."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "concord"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
