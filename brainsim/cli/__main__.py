"""``python -m brainsim.cli``: the same as ``neuroemo``."""

import sys

from brainsim.cli import main

sys.exit(main())
