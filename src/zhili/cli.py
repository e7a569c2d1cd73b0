"""The ``zhili`` console command: Django's manage.py under the product's name."""

import os
import sys


def main() -> None:
    """Run a management command, e.g. ``zhili load-district lixia``.

    Dashes in the command name are accepted as well as underscores, so the documented
    ``zhili import-requests`` and Django's ``import_requests`` are the same command.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "zhili"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
