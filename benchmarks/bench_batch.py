"""Batch jobs over large corpora (issue 11): counting speed, build time and memory by size,
workers and backend, and the in-process build against nlp-zero -- all figures of one run.

    python benchmarks/bench_batch.py                       # 10 MB and 100 MB corpora
    python benchmarks/bench_batch.py --sizes 10M 100M 1G   # larger (make_corpus.py writes them)
    python benchmarks/bench_batch.py --quick               # 10 MB only, no peer

What is measured:

counting
    ``count_table`` (counts.py) on pd_raw.txt's encoded corpus, 1..4 and 1..6: the window
    counter of each block plus the tree merge, against the former algorithm (every n-gram
    packed, sorted, run-length counted, merged into one growing table) in the same process.
    Median of ``--runs``; wall and CPU seconds; chars = input code points.
in-process build
    ``build_lexicon(texts=[text])`` on pd_raw.txt (text in memory, warm numba cache), median
    of ``--runs``, against nlp-zero's ``Word_Finder`` train + find timed inside its own process
    (``benchmarks/peers.py nlpzero-lexicon``, peers virtualenv), same run.
scaling
    ``mentropy build-lexicon CORPUS -o X`` under ``/usr/bin/time -v`` for each size from
    ``make_corpus.py``: ``--workers 1``, ``--workers 2``, ``--backend dask`` (a LocalCluster of
    2 workers) and ``--workers 2 --memory 256M``; wall time, mentropy's own summary line (peak
    memory of the parent plus each worker, temporary volume), the lexicons compared byte for
    byte. And the reading + counting stage alone (``batch.read_and_count``, 1 vs 2 workers).
    From 512 MB (``LARGE``) the one-process run is ``--workers 1 --memory 4G`` (shards, tasks
    in-process: a build without shards would hold the whole corpus), the budget run
    ``--memory 1G``, and the read + count stage is not run apart.

Writes benchmarks/out/bench_batch.json and prints the markdown of RESULTS_batch.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from bench_count import machine, machine_line  # noqa: E402
from make_corpus import parse_size  # noqa: E402

OUT = BENCH_DIR / "out"
PD_RAW = OUT / "pd_raw.txt"
LARGE = 512 << 20  # from this size no build without shards (its memory grows with the corpus)
PEERS_PY = Path(os.environ.get("PEERS_VENV", Path.home() / ".cache" / "mentropy-peers")) \
    / "bin" / "python"


def median_time(fn, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def old_count_table(ids, offsets, max_n, block_chars=1 << 22):
    """The former counter: all n-grams packed, sorted, run-length; one growing table."""
    import numpy as np

    from mentropy._kernels import ngrams as K
    from mentropy.counts import block_plan, key_width, run_length, sort_rows

    width = key_width(max_n)
    keys, counts = np.zeros((0, width), np.uint64), np.zeros(0, np.int64)
    for lo, hi in block_plan(offsets, block_chars):
        bk, bc = run_length(sort_rows(K.pack_ngrams(ids[offsets[lo]:offsets[hi]],
                                                    offsets[lo:hi + 1] - offsets[lo],
                                                    max_n, width)))
        keys, counts = (bk, bc) if keys.shape[0] == 0 else K.merge_sorted(keys, counts, bk, bc)
    return keys, counts


def hash_count_table(ids, offsets, max_n):
    """Baseline for the choice of counter (not used by mentropy): every 1..max_n-gram (max_n
    <= 4) inserted into one open-addressing table (two arrays, fixed multiplicative hash,
    linear probing), then the distinct keys sorted."""
    import numpy as np
    from numba import njit

    global _hash_count
    if "_hash_count" not in globals():
        @njit(cache=True)
        def _hash_count(ids, offsets, max_n, bits):
            size = 1 << bits
            keys = np.zeros(size, np.uint64)
            counts = np.zeros(size, np.int64)
            mask = size - 1
            shift = np.uint64(64 - bits)
            for f in range(offsets.shape[0] - 1):
                a, b = offsets[f], offsets[f + 1]
                for i in range(a, b):
                    key = np.uint64(0)
                    for n in range(min(max_n, b - i)):
                        key |= np.uint64(ids[i + n]) << np.uint64(48 - 16 * n)
                        slot = np.int64((key * np.uint64(0x9E3779B97F4A7C15)) >> shift)
                        while keys[slot] != np.uint64(0) and keys[slot] != key:
                            slot = (slot + 1) & mask
                        keys[slot] = key
                        counts[slot] += 1
            used = keys != np.uint64(0)
            return keys[used], counts[used]
    bits = max(4, int(np.ceil(np.log2(max(ids.shape[0] * max_n, 2)))))  # load <= 1/2
    keys, counts = _hash_count(ids, offsets, max_n, bits)
    order = np.argsort(keys)
    return keys[order].reshape(-1, 1), counts[order]


def bench_counting(runs: int) -> list[dict]:
    import numpy as np

    from mentropy.counts import count_table
    from mentropy.fragments import encode_texts

    text = PD_RAW.read_text(encoding="utf-8")
    corpus = encode_texts([text])
    n_chars = sum(len(x) for x in text.splitlines())
    rows = []
    for max_n in (4, 6):
        new = count_table(corpus.ids, corpus.offsets, max_n)
        old = old_count_table(corpus.ids, corpus.offsets, max_n)
        assert np.array_equal(new[0], old[0]) and np.array_equal(new[1], old[1])
        counters = [("windows + tree merge", count_table), ("former", old_count_table)]
        if max_n == 4:
            hashed = hash_count_table(corpus.ids, corpus.offsets, max_n)
            assert np.array_equal(hashed[0], new[0]) and np.array_equal(hashed[1], new[1])
            counters.append(("open addressing (baseline)", hash_count_table))
        for name, fn in counters:
            wall, cpu = median_time(lambda: fn(corpus.ids, corpus.offsets, max_n), runs)
            rows.append({"max_n": max_n, "counter": name, "wall_s": wall, "cpu_s": cpu,
                         "chars": n_chars, "m_chars_per_s_cpu": n_chars / cpu / 1e6,
                         "m_chars_per_s_wall": n_chars / wall / 1e6})
    return rows


KERNEL_CHILD = """
import sys, time, numpy as np
from mentropy.counts import count_table
ids = np.load(sys.argv[1]); offsets = np.load(sys.argv[2])
lo, hi, max_n = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
count_table(ids[:1000], np.array([0, 1000]), max_n)  # kernels loaded from the cache
sub = offsets[lo:hi + 1] - offsets[lo]
part = ids[offsets[lo]:offsets[hi]]
t = time.perf_counter(); c = time.process_time()
count_table(part, sub, max_n)
print(time.perf_counter() - t, time.process_time() - c)
"""


def bench_kernel_scaling(max_n: int = 6, copies: int = 4) -> dict:
    """count_table on the encoded pd_raw.txt (repeated `copies` times): one process counting
    all of it, against two processes counting one half each at the same time (wall of the
    counting call inside each process; the slower of the two)."""
    import numpy as np

    from mentropy.fragments import encode_texts

    corpus = encode_texts([PD_RAW.read_text(encoding="utf-8")] * copies)
    ids_path, off_path = OUT / "bench_batch_ids.npy", OUT / "bench_batch_offsets.npy"
    np.save(ids_path, corpus.ids)
    np.save(off_path, corpus.offsets)
    n_frag = corpus.offsets.shape[0] - 1
    half = n_frag // 2

    def start(lo, hi):
        return subprocess.Popen([sys.executable, "-c", KERNEL_CHILD, str(ids_path),
                                 str(off_path), str(lo), str(hi), str(max_n)],
                                stdout=subprocess.PIPE, text=True)

    one = [float(x) for x in start(0, n_frag).communicate()[0].split()]
    procs = [start(0, half), start(half, n_frag)]
    two = [[float(x) for x in p.communicate()[0].split()] for p in procs]
    for path in (ids_path, off_path):
        path.unlink()
    wall2 = max(t[0] for t in two)
    return {"max_n": max_n, "han_chars": corpus.n_han, "one_process_s": one[0],
            "two_processes_s": wall2, "speedup": one[0] / wall2,
            "cpu_one_s": one[1], "cpu_two_s": [t[1] for t in two]}


def bench_inprocess(runs: int, peer: bool) -> dict:
    from mentropy.lexicon import build_lexicon

    text = PD_RAW.read_text(encoding="utf-8")
    build_lexicon(texts=[text], progress=False)  # warm-up
    wall, cpu = median_time(lambda: build_lexicon(texts=[text], progress=False), runs)
    out = {"mentropy_s": wall, "mentropy_cpu_s": cpu}
    if peer and PEERS_PY.exists():
        totals = []
        for i in range(runs):
            js = OUT / f"bench_batch_nlpzero_{i}.json"
            subprocess.run([str(PEERS_PY), str(BENCH_DIR / "peers.py"), "nlpzero-lexicon",
                            "--input", str(PD_RAW),
                            "--output", str(OUT / "bench_batch_nlpzero.dict"),
                            "--json", str(js)], check=True, capture_output=True)
            totals.append(json.loads(js.read_text())["total_s"])
        out["nlpzero_s"] = statistics.median(totals)
        out["nlpzero_runs"] = totals
        out["ratio"] = out["nlpzero_s"] / wall
    return out


SUMMARY = re.compile(r"([\d.]+) s, ([\d.]+) M chars/s, peak memory ([\d.]+ [kMG]?B) \((.*?)\), "
                     r"temporary files ([\d.]+ [kMG]?B) \(([\d.]+ [kMG]?B) of count runs")


def run_cli(corpus: Path, extra: list[str], tag: str) -> dict:
    out = OUT / f"bench_batch_{tag}.dict"
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "mentropy", "build-lexicon", str(corpus),
           "-o", str(out), *extra]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"tag": tag, "error": done.stderr.strip().splitlines()[-1:], "args": extra}
    maxrss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    summary = [x for x in done.stderr.splitlines() if x.startswith("mentropy: ")][-1]
    m = SUMMARY.search(summary)
    return {"tag": tag, "args": extra, "wall_s": wall, "time_maxrss_mb": int(maxrss.group(1)) / 1024
            if maxrss else None, "summary": summary,
            "peak_memory": m.group(3) if m else None, "processes": m.group(4) if m else None,
            "temp": m.group(5) if m else None, "spilled": m.group(6) if m else None,
            "m_chars_per_s": float(m.group(2)) if m else None, "output": str(out)}


def bench_stage(corpus: Path) -> list[dict]:
    """read_and_count alone (the sharded passes), 1 vs 2 workers, in a fresh process each."""
    rows = []
    for workers in (1, 2):
        code = ("import time, mentropy.batch as B\n"
                "if __name__ == '__main__':\n"
                "    s = B.BatchStats(); t = time.perf_counter()\n"
                f"    B.read_and_count({str(corpus)!r}, max_n=4, workers={workers}, "
                "progress=False, stats=s)\n"
                "    print(time.perf_counter() - t, s.seconds)\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
        wall, seconds = done.stdout.split(" ", 1)
        rows.append({"workers": workers, "wall_s": float(wall), "seconds": seconds.strip()})
    return rows


COUNT_CHILD = """
import json, sys, time
from mentropy import batch as B
if __name__ == "__main__":
    s = B.BatchStats(); t = time.perf_counter()
    corpus, counts = B.read_and_count(sys.argv[1], max_n=4, workers=int(sys.argv[2]),
                                      memory=sys.argv[3] if sys.argv[3] != "-" else None,
                                      min_count=3, progress=False, stats=s)
    peak = B.peak_memory() + sum((s.worker_peaks or {}).values())
    print(json.dumps({"wall_s": time.perf_counter() - t, "han": corpus.n_han,
                      "rows": len(counts), "seconds": s.seconds, "peak_bytes": peak,
                      "spilled_bytes": s.spilled_bytes, "temp_bytes": s.temp_bytes}))
"""


def bench_count_only(corpus: Path, workers: int, memory: str | None) -> dict:
    """Reading and counting 1..4 alone (batch.read_and_count, pruned at 3), in a fresh process."""
    done = subprocess.run([sys.executable, "-c", COUNT_CHILD, str(corpus), str(workers),
                           memory or "-"], capture_output=True, text=True)
    if done.returncode != 0:
        return {"workers": workers, "memory": memory, "error": done.stderr[-500:]}
    return {"workers": workers, "memory": memory, **json.loads(done.stdout)}


def ensure_corpus(size: int) -> Path:
    path = OUT / f"corpus_{size >> 20}M.txt"
    if not path.exists() or path.stat().st_size < size:
        subprocess.run([sys.executable, str(BENCH_DIR / "make_corpus.py"), "--size", str(size),
                        "-o", str(path)], check=True)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", default=["10M", "100M"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--count-only", nargs="*", default=[],
                    help="sizes for which only reading + counting runs (2 workers, --memory 1G)")
    ap.add_argument("--skip-small", action="store_true",
                    help="no counting, kernel or in-process sections")
    ap.add_argument("--json", default=str(OUT / "bench_batch.json"))
    args = ap.parse_args(argv)
    sizes = ["10M"] if args.quick else args.sizes
    result = {"machine": machine(), "command": " ".join(sys.argv)}
    if not args.skip_small:
        result["counting"] = bench_counting(args.runs)
        result["kernel_scaling"] = bench_kernel_scaling()
        result["inprocess"] = bench_inprocess(args.runs, peer=not args.quick)
    result["count_only"] = []
    for size in args.count_only:
        corpus = ensure_corpus(parse_size(size))
        result["count_only"].append({"size": size, "bytes": corpus.stat().st_size, "runs": [
            bench_count_only(corpus, 2, "1G"), bench_count_only(corpus, 1, None)]})
        json.dump(result, open(args.json, "w"), indent=2, ensure_ascii=False)
    result["scaling"] = []
    for size in sizes:
        corpus = ensure_corpus(parse_size(size))
        big = parse_size(size) >= LARGE
        # one process without shards holds the whole corpus (~40 B per Han char): on a large
        # corpus the single-process reference is the sharded build with tasks in-process
        runs = [run_cli(corpus, ["--workers", "1"] + (["--memory", "4G"] if big else []),
                        f"{size}_w1"),
                run_cli(corpus, ["--workers", "2"], f"{size}_w2")]
        if not args.no_dask:
            runs.append(run_cli(corpus, ["--backend", "dask"], f"{size}_dask"))
        runs.append(run_cli(corpus, ["--workers", "2", "--memory", "1G" if big else "256M"],
                            f"{size}_mem"))
        two = runs[1].get("wall_s")
        for r in runs:
            if two and "wall_s" in r:
                r["vs_workers_2"] = r["wall_s"] / two
        ref = Path(runs[0]["output"]).read_bytes() if "output" in runs[0] else None
        for r in runs:
            r["identical"] = "output" in r and Path(r["output"]).read_bytes() == ref
        result["scaling"].append({"size": size, "bytes": corpus.stat().st_size, "runs": runs,
                                  "stage": [] if big else bench_stage(corpus)})
        json.dump(result, open(args.json, "w"), indent=2, ensure_ascii=False)
    json.dump(result, open(args.json, "w"), indent=2, ensure_ascii=False)
    print(report(result))
    return 0


def report(r: dict) -> str:
    lines = [f"Machine: {machine_line(r['machine'])}", f"Command: `{r['command']}`", "",
             "### Counting (counts.count_table on pd_raw.txt, median)", "",
             "| n-grams | counter | wall | CPU | M chars/s/core (CPU) | target |",
             "|---|---|---|---|---|---|"]
    for c in r.get("counting", []):
        target = "≥ 4 M chars/s/core" if c["max_n"] == 6 else ""
        met = "" if not target else (" **met**" if c["m_chars_per_s_cpu"] >= 4 else
                                     " **not met**") if c["counter"].startswith("windows") else ""
        lines.append(f"| 1..{c['max_n']} | {c['counter']} | {c['wall_s']:.3f} s | "
                     f"{c['cpu_s']:.3f} s | {c['m_chars_per_s_cpu']:.2f} | {target}{met} |")
    ks = r.get("kernel_scaling")
    if ks:
        lines += ["", f"Kernel level, count_table 1..{ks['max_n']} on {ks['han_chars']:,} "
                  "Han chars "
                  f"(pd_raw.txt × 4): one process {ks['one_process_s']:.2f} s, two processes "
                  f"on one half each at the same time {ks['two_processes_s']:.2f} s "
                  f"(the slower; CPU {', '.join(f'{x:.2f}' for x in ks['cpu_two_s'])} s): "
                  f"**{ks['speedup']:.2f}×** (target ≥ 1.6×: "
                  f"{'met' if ks['speedup'] >= 1.6 else 'not met'})."]
    ip = r.get("inprocess", {})
    if ip:
        lines += ["", "### In-process build on pd_raw.txt vs nlp-zero Word_Finder (train + find)",
                  "", f"mentropy `build_lexicon(texts=[text])`: {ip['mentropy_s']:.3f} s wall "
                  f"({ip['mentropy_cpu_s']:.3f} s CPU)"]
    if "nlpzero_s" in ip:
        lines.append(f"; nlp-zero: {ip['nlpzero_s']:.3f} s; ratio **{ip['ratio']:.2f}×** "
                     f"(target ≥ 20×: {'met' if ip['ratio'] >= 20 else 'not met'})")
    lines += ["", "### build-lexicon by size, workers and backend", "",
              "| size | run | wall | vs `--workers 2` | M chars/s | peak memory (all processes) | "
              "max RSS one process | temporary (spilled) | same lexicon |",
              "|---|---|---|---|---|---|---|---|---|"]
    for s in r["scaling"]:
        for x in s["runs"]:
            if "error" in x:
                lines.append(f"| {s['size']} | `{' '.join(x['args'])}` | error: {x['error']} |"
                             " | | | | | |")
                continue
            lines.append(f"| {s['size']} | `{' '.join(x['args'])}` | {x['wall_s']:.1f} s | "
                         f"{x.get('vs_workers_2', float('nan')):.2f}× | "
                         f"{x['m_chars_per_s']} | {x['peak_memory']} ({x['processes']}) | "
                         f"{x['time_maxrss_mb']:.0f} MB | {x['temp']} ({x['spilled']}) | "
                         f"{'yes' if x['identical'] else 'NO'} |")
        for st in s["stage"]:
            lines.append(f"| {s['size']} | read + count only, {st['workers']} worker(s) | "
                         f"{st['wall_s']:.1f} s | | | | | {st['seconds']} | |")
    if r.get("count_only"):
        lines += ["", "### Reading + counting 1..4 only (batch.read_and_count, min_count 3)", "",
                  "| size | workers | memory budget | wall | Han chars | peak memory (all) | "
                  "spilled | stages |", "|---|---|---|---|---|---|---|---|"]
        for c in r["count_only"]:
            for x in c["runs"]:
                if "error" in x:
                    lines.append(f"| {c['size']} | {x['workers']} | {x['memory']} | error "
                                 "| | | | |")
                    continue
                lines.append(f"| {c['size']} | {x['workers']} | {x['memory'] or '-'} | "
                             f"{x['wall_s']:.1f} s | {x['han']:,} | "
                             f"{x['peak_bytes'] / 2 ** 20:.0f} MiB | "
                             f"{x['spilled_bytes'] / 2 ** 20:.0f} MiB | "
                             f"{ {k: round(v, 1) for k, v in x['seconds'].items()} } |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
