"""Download the People's Daily January 1998 corpus (PKU tagged) to corpora/pd199801.txt.

Usage: python corpora/fetch_pd1998.py [DEST_DIR]   (the same as `mentropy corpora get pd199801`)
"""
from __future__ import annotations

import sys
from pathlib import Path

from mentropy.datasets import fetch_pd1998
from mentropy.errors import MentropyError


def main(argv: list[str]) -> int:
    """Fetch into argv[0] (default: the folder of this script); print the path, or the error."""
    dest = argv[0] if argv else Path(__file__).resolve().parent
    try:
        print(fetch_pd1998(dest))
    except MentropyError as exc:
        print(f"fetch_pd1998: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
