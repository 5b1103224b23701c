"""``python -m brainsim`` is the ``neuroemo`` command."""

import sys

from brainsim.cli import main

sys.exit(main())
