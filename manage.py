#!/usr/bin/env python
"""Django's manage.py; the installed ``strides`` command does the same."""

from strides.cli import main

if __name__ == "__main__":
    main()
