"""The `pinzhi` command: Django's management commands under Pinzhi's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "pinzhi"
    if len(argv) == 1:
        argv.append("help")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
