"""Make a large benchmark corpus from real text without letting the n-gram tables stop growing.

    python benchmarks/make_corpus.py --size 1G -o benchmarks/out/corpus_1G.txt
    python benchmarks/make_corpus.py --size 100M --stats     # also print its statistics

The distinct sources come first, whole: every text file under ../shared/corpora (People's
Daily 1998 with its PKU tags and [ ]nt brackets stripped to raw text, the hotel reviews, the
four classical novels) -- ~26 MB of real text. Then copies of those lines follow, in a
shuffled order, each copy with a share of its Han characters (``--swap``, 3 % by default)
replaced by characters drawn from the corpus's own character frequencies. A plain repetition
would add no new n-grams (and the default de-duplication would drop every copied line); with
swaps nearly every copied line is new and the tables of distinct 3- and 4-grams keep growing,
somewhat like more text of the same kind (see ``--stats``). The output is deterministic for a
given ``--seed``.

Only ../shared/corpora is used (the licences of public Chinese text shipped in PyPI packages
were not checked for this benchmark).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
SHARED = BENCH_DIR.parent.parent / "shared" / "corpora"
PKU_TOKEN = re.compile(r"(\S+?)/[a-zA-Z]+\]?[a-z]*")


def parse_size(text: str) -> int:
    """'1G', '100M', '512k' or a number of bytes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    return int(float(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[
        m.group(2).lower()])


def source_lines(folder: Path) -> list[str]:
    """Non-empty lines of every text file under `folder` (PKU-tagged text made raw)."""
    lines: list[str] = []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        pku = path.name.startswith("pd1998")  # 迈向/v  充满/v ... [中央/n  人民/n]nt
        for line in text.splitlines():
            if pku:
                words = [w.lstrip("[") for w in PKU_TOKEN.findall(line)]
                if words and re.fullmatch(r"\d{8}-[\d-]+", words[0]):  # a document id
                    words = words[1:]
                line = "".join(words)
            line = line.strip()
            if line:
                lines.append(line)
    return lines


def han_table(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Han code points of the text and their probabilities."""
    cps = np.frombuffer("".join(lines).encode("utf-32-le"), np.uint32)
    han = cps[(cps >= 0x4E00) & (cps <= 0x9FFF)]
    values, counts = np.unique(han, return_counts=True)
    return values, counts / counts.sum()


def write_corpus(out, size: int, swap: float, seed: int, folder: Path = SHARED) -> int:
    """Write about `size` bytes to the binary file `out`; returns the bytes written."""
    lines = source_lines(folder)
    written = 0
    for line in lines:
        data = (line + "\n").encode("utf-8")
        out.write(data)
        written += len(data)
        if written >= size:
            return written
    values, p = han_table(lines)
    rng = np.random.default_rng(seed)
    while written < size:
        for i in rng.permutation(len(lines)):
            cps = np.frombuffer(lines[i].encode("utf-32-le"), np.uint32).copy()
            han = np.flatnonzero((cps >= 0x4E00) & (cps <= 0x9FFF))
            pick = han[rng.random(han.shape[0]) < swap]
            cps[pick] = rng.choice(values, size=pick.shape[0], p=p)
            data = (cps.tobytes().decode("utf-32-le") + "\n").encode("utf-8")
            out.write(data)
            written += len(data)
            if written >= size:
                break
    return written


def statistics(path: str, max_bytes: int) -> dict:
    """Characters, Han characters, distinct 1..4-grams and repeated lines of the first
    `max_bytes` of a file (mentropy's own counters)."""
    from mentropy.counts import NgramCounts
    from mentropy.fragments import read_corpus

    with open(path, "rb") as f:
        head = f.read(max_bytes)
    text = head[:head.rfind(b"\n") + 1].decode("utf-8")
    corpus = read_corpus(texts=text.splitlines(), progress=False)
    counts = NgramCounts.from_corpus(corpus, 4)
    lengths = counts.lengths()
    return {"bytes": len(text.encode("utf-8")), "chars": len(text), "han": corpus.n_han,
            "distinct_chars": len(corpus.vocab), "lines": corpus.n_lines,
            "repeated_lines": corpus.n_duplicate_lines,
            **{f"distinct_{n}grams": int((lengths == n).sum()) for n in (2, 3, 4)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("100M"))
    ap.add_argument("-o", "--output", default=None,
                    help="default: benchmarks/out/corpus_SIZE.txt")
    ap.add_argument("--swap", type=float, default=0.03,
                    help="share of Han characters replaced in each copied line")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--source", type=Path, default=SHARED,
                    help="folder of real text (*.txt, recursively) [default: ../shared/corpora]")
    ap.add_argument("--stats", action="store_true",
                    help="print the statistics of the result (and of its first 10 MB)")
    args = ap.parse_args(argv)
    out_path = args.output or str(BENCH_DIR / "out" / f"corpus_{args.size >> 20}M.txt")
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".part"
    with open(tmp, "wb") as f:
        n = write_corpus(f, args.size, args.swap, args.seed, args.source)
    os.replace(tmp, out_path)
    print(f"{out_path}: {n:,} bytes", file=sys.stderr)
    if args.stats:
        for limit in sorted({10 << 20, min(n, 100 << 20)}):
            print(limit >> 20, "MB:", statistics(out_path, limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
