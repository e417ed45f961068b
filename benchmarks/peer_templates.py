"""Time nlp-zero's Template_Finder (train + find) on pre-segmented text, in the peers venv.

    ~/.cache/mentropy-peers/bin/python benchmarks/peer_templates.py \\
        --input benchmarks/out/pd_seg_tab.txt --json benchmarks/out/nlpzero_templates.json

The input has one line per paragraph, words separated by tabs (``mentropy segment
--delimiter '\\t'``), so nlp-zero mines the same words mentropy mines. ``filtering=False``
makes nlp-zero split sentences at 。，、！？ and spaces only (its default filter would drop
every non-Han token); the tokenizer splits on tabs. Reading happens before the clock starts.
"""
from __future__ import annotations

import argparse
import collections
import collections.abc
import json
import platform
import sys
import time

collections.Iterable = collections.abc.Iterable  # nlp-zero 0.1.6 predates Python 3.10


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--json", default=None)
    ap.add_argument("--window", type=int, default=5)
    args = ap.parse_args()
    import nlp_zero

    with open(args.input, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    finder = nlp_zero.Template_Finder(lambda s: [w for w in s.split("\t") if w],
                                      window=args.window)
    t0, c0 = time.perf_counter(), time.process_time()
    finder.train(lines, filtering=False)
    t1 = time.perf_counter()
    finder.find(lines, filtering=False)
    t2, c2 = time.perf_counter(), time.process_time()
    templates = finder.templates
    multi = sum(1 for t in templates if sum(w is not None for w in t.words) >= 2)
    result = {"peer": "nlp-zero Template_Finder", "version": getattr(nlp_zero, "__version__", None),
              "window": args.window, "lines": len(lines), "train_s": t1 - t0,
              "find_s": t2 - t1, "total_s": t2 - t0, "cpu_s": c2 - c0, "templates": len(templates),
              "templates_2plus_fixed": multi, "python": platform.python_version()}
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
