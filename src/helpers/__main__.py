"""``python -m helpers`` runs the command line."""

import sys

from helpers.cli.main import main

sys.exit(main())
