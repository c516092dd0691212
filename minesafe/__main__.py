import sys

from minesafe.cli import main

sys.exit(main())
