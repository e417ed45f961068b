"""Score a word segmentation against a gold segmentation (word precision, recall, F1).

Both files have one line per paragraph, in the same order, words separated by whitespace (the
gold ``pd_gold.txt`` uses two spaces, the peers' outputs one).  Each line's words become a set
of character spans ``(start, end)``; a predicted word is correct when the gold line has the
same span.  Matches, predicted words and gold words are summed over all lines::

    P = matches / predicted    R = matches / gold    F1 = 2PR / (P + R)

A line whose words do not concatenate to the same text as the gold line is an error (the
segmenter changed the text), reported with its line number.

Standard library only::

    python benchmarks/score.py --gold benchmarks/out/pd_gold.txt --pred seg.txt [--json s.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from itertools import zip_longest
from typing import Dict, Iterable, List, Optional, Set, Tuple


def spans(words: Iterable[str]) -> Set[Tuple[int, int]]:
    """The character spans ``(start, end)`` of consecutive words."""
    out = set()
    pos = 0
    for word in words:
        end = pos + len(word)
        out.add((pos, end))
        pos = end
    return out


def score_lines(gold_lines: Iterable[str], pred_lines: Iterable[str]) -> Dict[str, float]:
    """Sum span matches over paired lines and return counts, P, R and F1.

    Raises ValueError when the files have different line counts or a line's text differs.
    """
    n_match = n_pred = n_gold = n_lines = 0
    for lineno, (gold, pred) in enumerate(zip_longest(gold_lines, pred_lines), 1):
        if gold is None or pred is None:
            raise ValueError(f"line count differs (first unpaired line: {lineno})")
        gold_words = gold.split()
        pred_words = pred.split()
        if "".join(gold_words) != "".join(pred_words):
            raise ValueError(f"line {lineno}: predicted text differs from the gold text")
        g = spans(gold_words)
        p = spans(pred_words)
        n_match += len(g & p)
        n_pred += len(pred_words)
        n_gold += len(gold_words)
        n_lines += 1
    precision = n_match / n_pred if n_pred else 0.0
    recall = n_match / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "lines": n_lines,
        "gold_words": n_gold,
        "pred_words": n_pred,
        "matches": n_match,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def score_files(gold_path: str, pred_path: str) -> Dict[str, float]:
    """Score two UTF-8 files line by line (see :func:`score_lines`)."""
    with open(gold_path, encoding="utf-8") as g, open(pred_path, encoding="utf-8") as p:
        return score_lines(g, p)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", required=True, help="gold segmentation (e.g. pd_gold.txt)")
    parser.add_argument("--pred", required=True, help="predicted segmentation")
    parser.add_argument("--json", help="write the scores here")
    args = parser.parse_args(argv)
    try:
        result = score_files(args.gold, args.pred)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"P={result['precision']:.4f} R={result['recall']:.4f} F1={result['f1']:.4f} "
          f"(matches {result['matches']:,}, predicted {result['pred_words']:,}, "
          f"gold {result['gold_words']:,}, lines {result['lines']:,})")
    if args.json:
        record = dict(result, gold=os.path.abspath(args.gold), pred=os.path.abspath(args.pred))
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
