"""Run the tradeflows CLI from a checkout: `python cli.py --help` is `tradeflows --help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from tradeflows.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
