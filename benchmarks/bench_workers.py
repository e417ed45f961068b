"""When do extra workers pay for cut_many? 1 worker vs 2 (pool forced) vs the default rule.

The default rule (mentropy.segment.MIN_POOL_CHARS): inputs under 4 M characters are cut in this
process whatever `workers` says, since a process pool costs its start-up and the lexicon's
transfer. This script measures that choice on growing prefixes of ``benchmarks/out/mixed.txt``
(made by ``benchmarks/data.py``) with a lexicon learnt from it::

    python benchmarks/bench_workers.py               # sizes 10k .. 7.4M chars, median of 3 runs
    python benchmarks/bench_workers.py --runs 5 --json benchmarks/out/bench_workers.json

For each size: wall time of ``seg.cut_many(lines, workers=1)``, of ``workers=2`` with the pool
forced (``MENTROPY_MIN_POOL_CHARS=0``, pool start included) and of ``workers=2`` under the
default rule. Kernels are loaded before timing; results are checked equal.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (10_000, 100_000, 1_000_000, 4_000_000, 8_000_000)


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", default=str(HERE / "out" / "mixed.txt"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", default=str(HERE / "out" / "bench_workers.json"))
    args = parser.parse_args()

    import mentropy.segment as S
    from mentropy import Segmenter, build_lexicon

    lines = Path(args.input).read_text(encoding="utf-8").splitlines()
    seg = Segmenter.from_lexicon(build_lexicon(args.input, progress=False))
    seg.warmup()
    rows = []
    for size in SIZES:
        part, n = [], 0
        for line in lines:
            if n >= size:
                break
            part.append(line)
            n += len(line)
        one, expected = timed(lambda: seg.cut_many(part, workers=1), args.runs)
        os.environ["MENTROPY_MIN_POOL_CHARS"] = "0"
        forced, got = timed(lambda: seg.cut_many(part, workers=2), args.runs)
        del os.environ["MENTROPY_MIN_POOL_CHARS"]
        auto, got_auto = timed(lambda: seg.cut_many(part, workers=2), args.runs)
        assert got == expected and got_auto == expected
        rows.append({"chars": n, "lines": len(part), "workers1_s": one, "workers2_pool_s": forced,
                     "workers2_default_s": auto, "pool_used_by_default": n >= S.MIN_POOL_CHARS})
        print(f"{n:>10,} chars: 1 worker {one:7.3f} s | 2 workers, pool {forced:7.3f} s "
              f"({one / forced:4.2f}x) | 2 workers, default rule {auto:7.3f} s "
              f"({one / auto:4.2f}x)", flush=True)
    record = {"machine": os.uname().nodename, "cpus": os.cpu_count(),
              "load_average": os.getloadavg(), "python": sys.version.split()[0],
              "min_pool_chars": S.MIN_POOL_CHARS, "runs": args.runs, "rows": rows}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
