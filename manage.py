#!/usr/bin/env python
"""Django's command-line utility for cnum."""

import os
import sys


def main():
    # Production by default: it refuses to start on an insecure configuration. The demo and development settings are
    # chosen explicitly (config.settings.demo, which the Makefile sets; config.settings.dev).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
