"""CRF training time and peak memory against the size of the training text (issue 11).

The gold People's Daily text (benchmarks/out/pd_gold.txt, made by ``bench_crf.py``, or written
here from ../shared/corpora/pd199801.txt) is repeated k times into benchmarks/out/
crf_gold_xK.txt, and ``mentropy train-crf --gold FILE --iterations N -q`` runs on each, in a
fresh process timed by ``/usr/bin/time`` (wall seconds, peak resident memory of the largest
process; with --workers 2 the workers are measured too, as their own peaks). Repeating one
text keeps the number of distinct features fixed, so what grows is only what grows with the
text. ``--baseline REV`` also runs ``git archive`` of REV, same sizes, same run.

    python benchmarks/bench_crf_scaling.py --copies 1 4 8 --iterations 3 --baseline bf24fbd
    python benchmarks/bench_crf_scaling.py --copies 16 --evaluations 4 --workers 1 2

``--evaluations K`` times K evaluations of the loss and gradient (``TrainingData.nll_grad``
over every sentence, at zero weights) in this process instead, after reading and extracting
the features: the first includes starting the workers.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
from bench_startup import baseline_tree  # noqa: E402  (git archive of a commit, unpacked once)


def gold_text() -> Path:
    """benchmarks/out/pd_gold.txt: the gold words of the People's Daily, one line each."""
    path = OUT / "pd_gold.txt"
    if not path.exists():
        sys.path.insert(0, str(REPO))
        from mentropy.pd1998 import read_pd1998

        base = Path(os.environ.get("MENTROPY_SHARED", REPO.parent / "shared"))
        OUT.mkdir(exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            for words in read_pd1998(base / "corpora" / "pd199801.txt"):
                if words:
                    f.write(" ".join(words) + "\n")
    return path


def repeated(k: int) -> Path:
    path = OUT / f"crf_gold_x{k}.txt"
    if not path.exists():
        data = gold_text().read_bytes()
        with open(path, "wb") as f:
            for _ in range(k):
                f.write(data)
    return path


def run(tree: Path, gold: Path, iterations: int, workers: int) -> dict:
    out = OUT / "crf_scaling.crf"
    code = ("import sys; from mentropy.cli import main; sys.argv[0] = 'mentropy'; main()")
    args = ["--gold", str(gold), "-o", str(out), "--iterations", str(iterations), "-q"]
    if workers > 1:
        args += ["--workers", str(workers)]
    env = dict(os.environ, PYTHONPATH=str(tree))
    t0 = time.perf_counter()
    # run in the tree: ``python -c`` puts the working folder first on sys.path
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", sys.executable, "-c", code,
                           "train-crf", *args], capture_output=True, text=True, env=env,
                          cwd=tree)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"train-crf failed on {gold}:\n{proc.stderr}")
    seconds, kb = re.findall(r"^([\d.]+) (\d+)$", proc.stderr, re.M)[-1]
    return {"seconds": float(seconds), "wall": wall, "peak_mb": int(kb) / 1024}


def evaluations(gold: Path, k: int, workers: int) -> list[float]:
    """Seconds of each of `k` loss-and-gradient evaluations over the whole text."""
    sys.path.insert(0, str(REPO))
    import numpy as np

    from mentropy import crf_data
    from mentropy import crf_features as F
    from mentropy.crf import CRFSegmenter, _chars_of_words, iter_gold

    crf = CRFSegmenter()
    out = []
    with crf_data.TrainingData(None, workers) as data:
        for chunk in crf_data.chunk_lines(iter_gold(gold), _chars_of_words,
                                          crf_data.SHARD_CHARS):
            texts = ["".join(ws) for ws in chunk]
            units = F.make_units(texts)
            data.add(texts, units, mask=crf_data.TAG_BITS[F.gold_tags(units, chunk)])
        data.extract(crf._features, crf.features.n_buckets)
        w, trans = np.zeros((data.n_features, 4)), np.zeros((4, 4))
        sentences = np.arange(data.n_sentences)
        for _ in range(k):
            t0 = time.perf_counter()
            data.nll_grad(w, trans, sentences, np.zeros_like(w), np.zeros((4, 4)))
            out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--baseline", help="also measure this commit (git archive)")
    parser.add_argument("--evaluations", type=int, default=0,
                        help="time this many gradient evaluations in-process instead")
    parser.add_argument("--json", type=Path, default=OUT / "bench_crf_scaling.json")
    args = parser.parse_args()
    if args.evaluations:
        for k in args.copies:
            for workers in args.workers:
                secs = evaluations(repeated(k), args.evaluations, workers)
                print(f"x{k:<3} workers {workers}: " + " ".join(f"{x:.2f}" for x in secs)
                      + " s per evaluation", flush=True)
        return
    trees = {"this checkout": REPO}
    if args.baseline:
        trees = {f"baseline {args.baseline}": baseline_tree(args.baseline), **trees}
    rows = []
    for k in args.copies:
        gold = repeated(k)
        chars = sum(len(line.replace(" ", "").rstrip("\n"))
                    for line in open(gold, encoding="utf-8"))
        for name, tree in trees.items():
            for workers in args.workers if name == "this checkout" else [1]:
                rec = run(tree, gold, args.iterations, workers)
                rec.update(tree=name, copies=k, chars=chars, workers=workers,
                           mb=gold.stat().st_size / 1e6)
                rows.append(rec)
                print(f"{name:22} x{k:<3} {chars / 1e6:6.2f} M chars  workers {workers}  "
                      f"{rec['seconds']:7.1f} s  {rec['peak_mb']:7.0f} MB", flush=True)
    info = {"machine": platform.machine(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "load_avg_1m_end": os.getloadavg()[0],
            "iterations": args.iterations, "rows": rows}
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()
