"""``python -m helpers`` runs the command line."""
import sys

from helpers.cli import main

sys.exit(main())
