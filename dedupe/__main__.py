"""``python -m dedupe`` runs the ``dedupe-file`` command."""

import sys

from dedupe.cli import main

sys.exit(main())
