#!/usr/bin/env python3
"""Score the drafter against the curated documents: `python scripts/evaluate_drafter.py [--details]`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.draft.evaluate import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
