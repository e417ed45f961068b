"""Repeated lines: what counting them once (the default) changes, on real text.

    python benchmarks/bench_dedupe.py            # after python benchmarks/data.py

1. ``reviews_pos.txt`` (thousands of re-posted reviews): lexicon size and entries of five or more
   characters (whole clauses that copies turn into "words") with and without
   ``--keep-duplicates``;
2. the same file four times over: with the default the lexicon equals the one-copy lexicon;
3. People's Daily (benchmarks/out/pd_raw.txt): word F1 against the gold with and without, so
   that dropping repeats is seen not to hurt.

Every figure comes from ``mentropy build-lexicon`` / ``segment`` / ``evaluate`` processes run
by this script; it writes benchmarks/out/bench_dedupe.json and prints a Markdown table.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("MENTROPY_SHARED", HERE.parent.parent / "shared")) / "corpora"


def mentropy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mentropy", *args], capture_output=True,
                          text=True, check=True)


def lexicon(tmp: Path, name: str, sources: list[str], keep: bool) -> dict:
    out = tmp / f"{name}{'_keep' if keep else ''}.dict"
    done = mentropy("build-lexicon", *sources, "-o", str(out), *(["--keep-duplicates"] * keep))
    words = [line.split(" ")[0] for line in out.read_text(encoding="utf-8").splitlines()]
    return {"path": str(out), "entries": len(words),
            "long_entries": [w for w in words if len(w) >= 5],
            "summary": done.stderr.strip().splitlines()[-1]}


def f1(tmp: Path, lex: dict, raw: Path, gold: Path) -> float:
    seg = tmp / (Path(lex["path"]).stem + ".seg")
    mentropy("segment", "--lexicon", lex["path"], str(raw), "-o", str(seg), "-q")
    return json.loads(mentropy("evaluate", str(gold), str(seg), "--json").stdout)["f1"]


def main() -> None:
    reviews = SHARED / "reviews_pos.txt"
    raw, gold = HERE / "out" / "pd_raw.txt", HERE / "out" / "pd_gold.txt"
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows = {}
        for keep in (False, True):
            rows[f"reviews_keep={keep}"] = lexicon(tmp, "reviews", [str(reviews)], keep)
            rows[f"reviews_x4_keep={keep}"] = lexicon(tmp, "reviews4", [str(reviews)] * 4, keep)
            pd = lexicon(tmp, "pd", [str(raw)], keep)
            pd["f1"] = f1(tmp, pd, raw, gold)
            rows[f"pd_keep={keep}"] = pd
        same = (Path(rows["reviews_x4_keep=False"]["path"]).read_bytes()
                == Path(rows["reviews_keep=False"]["path"]).read_bytes())
    record = {"rows": {k: {x: v for x, v in r.items() if x != "path"} for k, r in rows.items()},
              "reviews_x4_equals_reviews": same}
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "bench_dedupe.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("| input | repeated lines | entries | entries of ≥ 5 chars (first 6) | PD F1 |")
    print("|---|---|---|---|---|")
    for key, r in rows.items():
        name, keep = key.split("_keep=")
        print(f"| {name} | {'kept' if keep == 'True' else 'counted once'} | {r['entries']:,} | "
              f"{len(r['long_entries'])} ({' '.join(r['long_entries'][:6])}) | "
              f"{r.get('f1', float('nan')):.4f} |")
    print(f"\nreviews x4 with repeats counted once gives the one-copy lexicon byte for byte: {same}")


if __name__ == "__main__":
    main()
