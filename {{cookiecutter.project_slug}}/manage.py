#!/usr/bin/env python
"""Django's command-line utility: ``python manage.py runserver 0.0.0.0:80``."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from environment import startup_errors_in_one_line

    startup_errors_in_one_line()  # a missing key or database: one line saying what to do
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
