"""Prepare the benchmark inputs from the shared corpora.

Writes into ``benchmarks/out/`` (git-ignored):

``pd_raw.txt``
    The raw text of the People's Daily gold file ``pd199801.txt``: one line per non-empty
    paragraph, the gold words joined with nothing.
``pd_gold.txt``
    The same words joined by two spaces, line for line with ``pd_raw.txt``.
``mixed.txt``
    The four novels (sorted by file name), ``reviews_pos.txt``, ``reviews_neg.txt`` and
    ``pd_raw.txt`` concatenated, empty lines dropped: a multi-domain input for speed runs.

Runs with the standard library only (either the project venv or the peers venv)::

    python benchmarks/data.py            # prepare everything, print character counts
    python benchmarks/data.py --out DIR  # somewhere else

The shared corpora are found through ``$MENTROPY_SHARED`` (the folder that holds
``corpora/``) or else ``../shared`` next to the repository root.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out"

# A document id such as ``19980101-01-001-001/m`` (ASCII digits; some copies of the
# corpus have no ids at all, so it is dropped only when present).
_DOC_ID = re.compile(r"^\d{8}-\d{2}-\d{3}-\d{3}(/[A-Za-z]+)?$")
# The closing part of a bracketed compound: ``电台/n]nt`` -> ``电台/n``.
_CLOSE_BRACKET = re.compile(r"\][A-Za-z]+$")


def shared_dir() -> Path:
    """Return the shared folder (the one that holds ``corpora/``).

    ``$MENTROPY_SHARED`` wins; otherwise ``../shared`` relative to the repository root.
    """
    env = os.environ.get("MENTROPY_SHARED")
    if env:
        return Path(env).resolve()
    return (REPO_ROOT.parent / "shared").resolve()


def corpora_dir() -> Path:
    """Return ``<shared>/corpora``, failing with a clear message when it is missing."""
    path = shared_dir() / "corpora"
    if not path.is_dir():
        raise SystemExit(
            f"shared corpora not found at {path}; "
            "set MENTROPY_SHARED to the folder holding corpora/"
        )
    return path


def gold_words(line: str) -> List[str]:
    """Return the gold words of one ``pd199801.txt`` line (an empty list for an empty line).

    The line is split on whitespace; a leading document-id token is dropped; a leading ``[``
    and a trailing ``]tag`` are stripped from each token; the word is the part before the
    token's last ``/`` (the whole token when it has no ``/``).
    """
    tokens = line.split()
    if tokens and _DOC_ID.match(tokens[0]):
        tokens = tokens[1:]
    words = []
    for tok in tokens:
        if tok.startswith("["):
            tok = tok[1:]
        tok = _CLOSE_BRACKET.sub("", tok)
        slash = tok.rfind("/")
        word = tok[:slash] if slash >= 0 else tok
        if word:
            words.append(word)
    return words


def iter_gold(path: Path) -> Iterator[List[str]]:
    """Yield the word list of every non-empty paragraph of a gold file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = gold_words(line)
            if words:
                yield words


def write_pd(pd_path: Path, out_dir: Path) -> Tuple[int, int, int]:
    """Write ``pd_raw.txt`` and ``pd_gold.txt``; return (lines, words, characters)."""
    n_lines = n_words = n_chars = 0
    raw_tmp = out_dir / "pd_raw.txt.tmp"
    gold_tmp = out_dir / "pd_gold.txt.tmp"
    with open(raw_tmp, "w", encoding="utf-8") as raw, open(gold_tmp, "w", encoding="utf-8") as gold:
        for words in iter_gold(pd_path):
            text = "".join(words)
            raw.write(text + "\n")
            gold.write("  ".join(words) + "\n")
            n_lines += 1
            n_words += len(words)
            n_chars += len(text)
    os.replace(raw_tmp, out_dir / "pd_raw.txt")
    os.replace(gold_tmp, out_dir / "pd_gold.txt")
    return n_lines, n_words, n_chars


def iter_nonempty_lines(paths: Iterable[Path]) -> Iterator[str]:
    """Yield the lines (without line end) of the files in order, skipping blank lines."""
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\r\n")
                if line.strip():
                    yield line


def mixed_sources(corpora: Path, pd_raw: Path) -> List[Path]:
    """The files concatenated into ``mixed.txt``, in order."""
    novels = sorted((corpora / "novels").glob("*.txt"))
    return novels + [corpora / "reviews_pos.txt", corpora / "reviews_neg.txt", pd_raw]


def write_mixed(sources: List[Path], out_path: Path) -> List[Tuple[str, int, int]]:
    """Concatenate the non-empty lines of ``sources`` into ``out_path``.

    Returns one (name, lines, characters) triple per source; characters exclude line ends.
    """
    counts = []
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for src in sources:
            n_lines = n_chars = 0
            for line in iter_nonempty_lines([src]):
                out.write(line + "\n")
                n_lines += 1
                n_chars += len(line)
            counts.append((src.name, n_lines, n_chars))
    os.replace(tmp, out_path)
    return counts


def prepare(out_dir: Path = DEFAULT_OUT, quiet: bool = False) -> dict:
    """Prepare all benchmark inputs in ``out_dir``; return a summary of the counts."""
    corpora = corpora_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    lines, words, chars = write_pd(corpora / "pd199801.txt", out_dir)
    mixed = write_mixed(mixed_sources(corpora, out_dir / "pd_raw.txt"), out_dir / "mixed.txt")
    total = sum(c for _, _, c in mixed)
    summary = {
        "pd": {"lines": lines, "words": words, "chars": chars},
        "mixed": {name: {"lines": n, "chars": c} for name, n, c in mixed},
        "mixed_total_chars": total,
        "mixed_total_lines": sum(n for _, n, _ in mixed),
    }
    if not quiet:
        print(f"corpora: {corpora}")
        print(f"pd_raw.txt / pd_gold.txt: {lines:,} lines, {words:,} words, {chars:,} characters")
        print("mixed.txt:")
        for name, n, c in mixed:
            print(f"  {name:<20} {n:>9,} lines {c:>11,} characters")
        print(f"  {'total':<20} {summary['mixed_total_lines']:>9,} lines {total:>11,} characters")
        if total < 7_000_000:
            print("warning: mixed.txt is under 7M characters", file=sys.stderr)
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    prepare(args.out, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
