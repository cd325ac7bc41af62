#!/usr/bin/env python
"""Django's command-line utility; `concord` is the same under a friendly name."""

import sys

from concord.cli import main

if __name__ == "__main__":
    main(sys.argv)
