"""``python -m clinic_app.cli``: the same as the ``clinic-app`` command."""

import sys

from clinic_app.cli import main

sys.exit(main())
