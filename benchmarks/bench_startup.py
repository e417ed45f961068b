"""Start-up of the ``mentropy`` command: first run after install, warm one-sentence runs, --help.

Run with the project's virtualenv, after ``python benchmarks/data.py`` and
``bash benchmarks/setup_peers.sh``::

    python benchmarks/bench_startup.py                        # this checkout
    python benchmarks/bench_startup.py --baseline 0b40469     # and a commit, same run
    python benchmarks/bench_startup.py --no-peer --runs 3     # mentropy only

Every mentropy run is a whole process, ``python -m mentropy ...`` with ``PYTHONPATH`` set to
the source tree measured (this checkout, or ``git archive`` of ``--baseline`` unpacked in
``benchmarks/out/``) and ``benchmarks/out/`` as the working folder (the repository's folder
would put this checkout first on ``sys.path``), timed by ``/usr/bin/time -v`` (wall, user + sys
CPU, peak RSS):

cold
    ``build-lexicon corpora/sample.txt`` with an empty ``NUMBA_CACHE_DIR`` (a first run after
    install: every kernel compiled), then ``segment --lexicon`` of one sentence with the same
    fresh cache (what a first ``segment`` still compiles), and a first ``segment`` alone on an
    empty cache.
warm
    ``echo 中文分词 | python -m mentropy segment --lexicon L`` with L = a lexicon built from
    the People's Daily raw text (``benchmarks/out/pd_raw.txt``, ~18k words) and L = jieba's
    ``dict.txt`` (349k words), ``segment --dict`` with jieba's dict, and ``--help``; the peer:
    ``echo 中文分词 | python -m jieba`` in the peers virtualenv with jieba's dictionary cache
    already written (one untimed run first).
split
    One warm ``segment --lexicon L`` process instrumented from inside: interpreter start and
    exit (wall minus the time inside the script), imports (numpy, numba, mentropy), numba's
    first cache load (its target and LLVM set-up, paid once per process), the other cache
    loads (count and total), the dictionary (parsing and trie building, kernel loads
    excluded) and the cut itself.
whole-process lexicon ratio
    ``build-lexicon benchmarks/out/pd_raw.txt`` (warm cache) against nlp-zero's Word_Finder
    process, with bench_lexicon.py's commands and timing, runs interleaved, medians.

Runs of one measurement are interleaved between the trees; the tables give medians and the
load average. Writes ``benchmarks/out/bench_startup.json`` (``--json``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from bench_count import machine, machine_line, median, write_json  # noqa: E402
from bench_lexicon import (PEERS_PY, nlpzero_lexicon_cmd, parse_time_v, read_json,  # noqa: E402
                           summarise_runs)

REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
TIME = "/usr/bin/time"
SENTENCE = "中文分词\n"
KEYS = ["wall_s", "user_s", "sys_s", "max_rss_mib"]

TARGET_COLD_S = 8.0
TARGET_WARM_S = 0.5
TARGET_HELP_S = 0.3
TARGET_WHOLE_PROCESS = 5.0

# runs inside the measured process (a `segment` command), reports its stages as JSON on stderr
SPLIT_CHILD = r"""
import time
t0 = time.perf_counter()
import atexit, json, sys
stages = {}
t = time.perf_counter(); import numpy; stages["import numpy"] = time.perf_counter() - t
t = time.perf_counter(); import numba; stages["import numba"] = time.perf_counter() - t
from numba.core import caching
t = time.perf_counter()
import mentropy.cli, mentropy.segment, mentropy.lexicon, mentropy.corpus, mentropy.io
stages["import mentropy (click, modules)"] = time.perf_counter() - t
loads = []
inside = {"dictionary": 0.0, "cut": 0.0}
_load = caching.Cache.load_overload
def load_overload(self, sig, ctx):
    t = time.perf_counter()
    try:
        return _load(self, sig, ctx)
    finally:
        loads.append(time.perf_counter() - t)
caching.Cache.load_overload = load_overload
def timed(owner, name, key):
    fn = getattr(owner, name)
    def wrapper(*a, **k):
        n = len(loads); t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            inside[key] += time.perf_counter() - t - sum(loads[n:])
    setattr(owner, name, wrapper)
from mentropy import lexicon, segment
timed(lexicon.Lexicon, "load", "dictionary")
timed(segment.Segmenter, "from_lexicon", "dictionary")
timed(segment.Segmenter, "_cut_batch", "cut")  # segmented_blocks is lazy
def report():
    stages["numba first cache load (target, LLVM set-up)"] = loads[0] if loads else 0.0
    stages["other cache loads"] = sum(loads[1:])
    stages["cache loads (count)"] = len(loads)
    stages["dictionary (parse, trie; loads excluded)"] = inside["dictionary"]
    stages["cut (loads excluded)"] = inside["cut"]
    stages["inside the script"] = time.perf_counter() - t0
    sys.stderr.write("STAGES " + json.dumps(stages) + "\n")
    sys.stderr.write("MODULE " + mentropy.__file__ + "\n")
atexit.register(report)
sys.argv = ["mentropy"] + sys.argv[1:]
mentropy.cli.main()
"""


def run(cmd: List[str], *, src: Optional[Path] = None, stdin: Optional[str] = None,
        cache: Optional[str] = None) -> Dict[str, object]:
    """One whole process under ``/usr/bin/time -v``, with mentropy from `src` (a peer: None)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NUMBA_CACHE_DIR")}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    load = os.getloadavg()[0]
    # not in the repository: `python -m` and `-c` put the working folder first on sys.path,
    # where this checkout's mentropy/ would shadow the tree on PYTHONPATH
    proc = subprocess.run([TIME, "-v", *cmd], input=stdin, capture_output=True, text=True,
                          cwd=OUT_DIR, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    rec: Dict[str, object] = dict(parse_time_v(proc.stderr))
    rec["cpu_s"] = float(rec.get("user_s", 0.0)) + float(rec.get("sys_s", 0.0))
    rec["loadavg_1min"] = load
    for line in proc.stderr.splitlines():
        if line.startswith("STAGES "):
            rec["stages"] = json.loads(line[len("STAGES "):])
        if line.startswith("MODULE ") and src is not None:  # the tree measured is the one given
            assert Path(line[len("MODULE "):]).resolve().is_relative_to(src.resolve()), line
    return rec


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def mentropy_cmd(*args: str) -> List[str]:
    return [sys.executable, "-m", "mentropy", *args]


def summary(runs: List[Dict[str, object]]) -> Dict[str, object]:
    out = summarise_runs(runs, KEYS + ["cpu_s"])
    out["runs"] = len(runs)
    out["loadavg_1min"] = median([float(r["loadavg_1min"]) for r in runs])
    return out


def baseline_tree(commit: str) -> Path:
    """``git archive`` of `commit`, unpacked once into benchmarks/out/."""
    full = subprocess.run(["git", "rev-parse", commit], capture_output=True, text=True,
                          check=True, cwd=REPO_ROOT).stdout.strip()
    dest = OUT_DIR / f"startup_tree_{full[:10]}"
    if not (dest / "mentropy" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", full, "mentropy"], capture_output=True,
                                 check=True, cwd=REPO_ROOT).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def measure(trees: Dict[str, Path], lexicons: Dict[str, Path], runs: int, cold_runs: int
            ) -> Dict[str, Dict[str, List[Dict[str, object]]]]:
    """res[measure][tree] = runs; each round runs every tree in turn (load drifts)."""
    res: Dict[str, Dict[str, List[Dict[str, object]]]] = {}

    def add(key: str, name: str, rec: Dict[str, object]) -> None:
        res.setdefault(key, {}).setdefault(name, []).append(rec)

    for r in range(cold_runs):
        print(f"cold round {r + 1} ...", file=sys.stderr)
        for name, src in trees.items():
            cache = tempfile.mkdtemp(prefix="mentropy-cold-")
            try:
                out = OUT_DIR / f"bench_startup_cold_{slug(name)}.dict"
                add("cold build-lexicon corpora/sample.txt", name,
                    run(mentropy_cmd("build-lexicon", str(REPO_ROOT / "corpora" / "sample.txt"),
                                     "-o", str(out), "--quiet"), src=src, cache=cache))
                add("then segment --lexicon (same cache)", name,
                    run(mentropy_cmd("segment", "--lexicon", str(out)), src=src,
                        stdin=SENTENCE, cache=cache))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            cache = tempfile.mkdtemp(prefix="mentropy-cold-")
            try:
                add("cold segment --lexicon PD (empty cache)", name,
                    run(mentropy_cmd("segment", "--lexicon", str(lexicons["PD"])), src=src,
                        stdin=SENTENCE, cache=cache))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
    warm = {name: [mentropy_cmd("segment", "--lexicon", str(lex)) for lex in lexicons.values()]
            + [mentropy_cmd("segment", "--dict", str(lexicons["jieba dict.txt"]))]
            for name in trees}
    for name, src in trees.items():  # fill each tree's warm cache
        for cmd in warm[name]:
            run(cmd, src=src, stdin=SENTENCE, cache=warm_cache(name))
    for r in range(runs):
        print(f"warm round {r + 1} ...", file=sys.stderr)
        for name, src in trees.items():
            cache = warm_cache(name)
            for label, lex in lexicons.items():
                add(f"warm segment --lexicon {label}", name,
                    run(mentropy_cmd("segment", "--lexicon", str(lex)), src=src,
                        stdin=SENTENCE, cache=cache))
            add("warm segment --dict jieba dict.txt", name,
                run(mentropy_cmd("segment", "--dict", str(lexicons["jieba dict.txt"])),
                    src=src, stdin=SENTENCE, cache=cache))
            add("--help", name, run(mentropy_cmd("--help"), src=src, cache=cache))
            for label, lex in lexicons.items():
                add(f"split: segment --lexicon {label}", name,
                    run([sys.executable, "-c", SPLIT_CHILD, "segment", "--lexicon", str(lex)],
                        src=src, stdin=SENTENCE, cache=cache))
    return res


def warm_cache(name: str) -> str:
    return str(OUT_DIR / f"startup_cache_{slug(name)}")


def split_table(recs: List[Dict[str, object]]) -> Dict[str, float]:
    """Median of each stage, plus interpreter start + exit (wall minus inside the script)."""
    keys = list(recs[0]["stages"])
    out = {k: median([float(r["stages"][k]) for r in recs]) for k in keys}
    out["interpreter start + exit"] = median(
        [float(r["wall_s"]) - float(r["stages"]["inside the script"]) for r in recs])
    out["whole process (wall)"] = median([float(r["wall_s"]) for r in recs])
    out["whole process (user + sys)"] = median([float(r["cpu_s"]) for r in recs])
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="also measure this commit (git archive), same run")
    parser.add_argument("--runs", type=int, default=7, help="warm runs per measurement")
    parser.add_argument("--cold-runs", type=int, default=2)
    parser.add_argument("--lexicon-runs", type=int, default=3,
                        help="whole-process build-lexicon runs against nlp-zero (0 = skip)")
    parser.add_argument("--no-peer", action="store_true", help="skip jieba and nlp-zero")
    parser.add_argument("--json", type=Path, default=OUT_DIR / "bench_startup.json")
    args = parser.parse_args(argv)
    pd_raw = OUT_DIR / "pd_raw.txt"
    if not pd_raw.is_file():
        parser.error(f"{pd_raw} not found (run: python benchmarks/data.py)")
    peer = not args.no_peer
    if not PEERS_PY.exists():
        parser.error(f"{PEERS_PY} not found (run: bash benchmarks/setup_peers.sh)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    res: Dict[str, object] = {"machine": machine(), "command": " ".join(
        ["python", *[str(a) for a in sys.argv]]), "loadavg_start": list(os.getloadavg())}

    trees = {"this checkout": REPO_ROOT}
    if args.baseline:
        trees = {f"baseline {args.baseline}": baseline_tree(args.baseline), **trees}
    jieba_dict = Path(subprocess.run([str(PEERS_PY), str(BENCH_DIR / "peers.py"), "jieba-dict"],
                                     capture_output=True, text=True, check=True).stdout.strip())
    pd_dict = OUT_DIR / "bench_startup_pd.dict"
    print("building the PD lexicon ...", file=sys.stderr)
    cache = warm_cache("this checkout")
    run(mentropy_cmd("build-lexicon", str(pd_raw), "-o", str(pd_dict), "--quiet"),
        src=REPO_ROOT, cache=cache)
    lexicons = {"PD": pd_dict, "jieba dict.txt": jieba_dict}
    res["lexicons"] = {k: {"path": str(v), "entries": sum(1 for _ in open(v, encoding="utf-8"))}
                       for k, v in lexicons.items()}

    runs = measure(trees, lexicons, args.runs, args.cold_runs)
    jieba_runs: List[Dict[str, object]] = []
    if peer:
        jieba_cmd = [str(PEERS_PY), "-m", "jieba"]
        run(jieba_cmd, stdin=SENTENCE)  # writes jieba's dictionary cache
        jieba_runs = [run(jieba_cmd, stdin=SENTENCE) for _ in range(args.runs)]
    res["runs"] = runs
    res["median"] = {k: {t: summary(v) for t, v in per.items()} for k, per in runs.items()
                     if not k.startswith("split")}
    res["split"] = {k: {t: split_table(v) for t, v in per.items()} for k, per in runs.items()
                    if k.startswith("split")}
    if jieba_runs:
        res["jieba"] = {"command": "echo 中文分词 | $PEERS_VENV/bin/python -m jieba",
                        "runs": jieba_runs, "median": summary(jieba_runs)}

    if peer and args.lexicon_runs > 0:
        print("whole-process build-lexicon against nlp-zero ...", file=sys.stderr)
        m_cmd = mentropy_cmd("build-lexicon", str(pd_raw), "-o",
                             str(OUT_DIR / "bench_startup_pd.dict"), "--quiet")
        nz_dict = OUT_DIR / "bench_startup_nlpzero.dict"
        m_runs, p_runs = [], []
        run(m_cmd, src=REPO_ROOT, cache=cache)  # the cache holds every kernel it needs
        for i in range(args.lexicon_runs):
            m_runs.append(run(m_cmd, src=REPO_ROOT, cache=cache))
            jpath = OUT_DIR / f"bench_startup_nlpzero_{i + 1}.json"
            p_runs.append(run(nlpzero_lexicon_cmd(pd_raw, nz_dict, jpath)))
            p_runs[-1]["in_process"] = read_json(jpath)
        m, p = summary(m_runs), summary(p_runs)
        res["lexicon_whole_process"] = {
            "mentropy": {"runs": m_runs, "median": m}, "nlpzero": {"runs": p_runs, "median": p},
            "ratio_wall": p["wall_s"] / m["wall_s"], "ratio_cpu": p["cpu_s"] / m["cpu_s"]}
    res["loadavg_end"] = list(os.getloadavg())
    print_report(res)
    write_json(args.json, res)
    print(f"\nwrote {args.json}")
    return 0


def print_report(res: Dict[str, object]) -> None:
    print(f"machine: {machine_line(res['machine'])}")
    print(f"load average start {res['loadavg_start']}, end {res['loadavg_end']}\n")
    med = res["median"]
    trees = list(next(iter(med.values())).keys())
    print("| measure (whole process) | " + " | ".join(
        f"{t}: wall / user+sys s" for t in trees) + " | target |")
    print("|---|" + "---|" * len(trees) + "---|")
    targets = {"cold build-lexicon corpora/sample.txt": f"≤ {TARGET_COLD_S:g} s",
               "--help": f"≤ {TARGET_HELP_S:g} s"}
    for key, per in med.items():
        target = targets.get(key, f"≤ {TARGET_WARM_S:g} s, ≤ jieba" if key.startswith("warm")
                             else "")
        cells = [f"{per[t]['wall_s']:.2f} / {per[t]['cpu_s']:.2f}" if t in per else "—"
                 for t in trees]
        print(f"| {key} | " + " | ".join(cells) + f" | {target} |")
    if "jieba" in res:
        j = res["jieba"]["median"]
        print("| python -m jieba (dictionary cached) | " + " | ".join(
            f"{j['wall_s']:.2f} / {j['cpu_s']:.2f}" for _ in trees) + " | (peer) |")
    for key, per in res["split"].items():
        print(f"\n{key} (seconds, medians)\n")
        print("| stage | " + " | ".join(per) + " |")
        print("|---|" + "---|" * len(per))
        stages = list(next(iter(per.values())).keys())
        for s in stages:
            print(f"| {s} | " + " | ".join(
                f"{per[t][s]:.0f}" if s.endswith("(count)") else f"{per[t][s]:.3f}"
                for t in per) + " |")
    lw = res.get("lexicon_whole_process")
    if lw:
        m, p = lw["mentropy"]["median"], lw["nlpzero"]["median"]
        print(f"\nbuild-lexicon pd_raw.txt, whole process (warm cache): mentropy "
              f"{m['wall_s']:.2f} s wall / {m['cpu_s']:.2f} s CPU, nlp-zero {p['wall_s']:.2f} s "
              f"/ {p['cpu_s']:.2f} s: ratio {lw['ratio_wall']:.2f}x wall, "
              f"{lw['ratio_cpu']:.2f}x CPU (target ≥ {TARGET_WHOLE_PROCESS:g}x)")


if __name__ == "__main__":
    sys.exit(main())
