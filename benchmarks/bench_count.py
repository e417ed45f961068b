"""Throughput of n-gram counting: ``NgramCounts.from_corpus(encode_texts([text]), max_n)``.

Run with the project's virtualenv, after ``python benchmarks/data.py``::

    python benchmarks/bench_count.py                       # pd_raw.txt and mixed.txt, n = 4 and 6
    python benchmarks/bench_count.py --input benchmarks/out/pd_raw.txt --max-n 4 --runs 5

For every input the text is read into memory first; then the encoding (``encode_texts``) and
the counting (``NgramCounts.from_corpus``) are timed apart.  The first call of each in this
process is reported on its own (numba loads the kernels from its on-disk cache, or compiles
them when the cache is empty); then ``--runs`` calls are timed and the median is reported.
Throughput is given per Han character counted (the characters the counters see) and per input
character (every code point of the text, line ends excluded).  The counting kernels are serial,
so the figure is per core; the CPU time of the process is recorded to check that.

Unless ``--no-cold`` is given, a child process with an empty ``NUMBA_CACHE_DIR`` measures the
compile time of the encoding and counting kernels on a small slice of the first input (first
call minus second call), then a second child process with the same, now filled, cache measures
the cached start: import time and first-call times when the kernels are loaded from the cache
(``cache=True``) instead of compiled.

The target figure (issue 2: counting n-grams 1..4 at >= 4M characters per second per core) is
``input_chars / (median encode + median count 1..4)`` on ``pd_raw.txt``: from the text in
memory to the exact counts, every input character counted, divided by the CPU time over wall
time of the count (the kernels are serial, so that is 1.0 and the figure is per core).

Prints a table and writes ``benchmarks/out/bench_count.json`` (``--json`` to change).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"


# --------------------------------------------------------------------------------------------
# machine and run description (shared with bench_lexicon.py)


def machine() -> Dict[str, object]:
    """CPU model (lscpu), core count, RAM, load, interpreter and library versions, git state."""
    info: Dict[str, object] = {"date": datetime.datetime.now().astimezone().isoformat(
        timespec="seconds")}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        info["cpu_model"] = fields.get("Model name")
        info["cpus"] = int(fields.get("CPU(s)", "0") or 0)
        info["threads_per_core"] = fields.get("Thread(s) per core")
        info["hypervisor"] = fields.get("Hypervisor vendor")
    except (OSError, subprocess.CalledProcessError, ValueError):
        info["cpu_model"] = platform.processor() or None
        info["cpus"] = os.cpu_count()
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["ram_gib"] = round(int(line.split()[1]) / 2 ** 20, 1)
    except OSError:
        pass
    info["loadavg"] = list(os.getloadavg())
    info["python"] = platform.python_version()
    for name in ("numpy", "numba", "mentropy"):
        try:
            from importlib.metadata import version
            info[name] = version(name)
        except Exception:
            info[name] = None
    try:
        head = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain",
                                "--untracked-files=no", "mentropy"],
                               capture_output=True, text=True, check=True).stdout.strip()
        info["git"] = head + ("+dirty (mentropy/ has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        info["git"] = None
    return info


def machine_line(m: Dict[str, object]) -> str:
    """One line: model, cores, RAM, load, versions."""
    load = "/".join(f"{x:.2f}" for x in m.get("loadavg", []))  # type: ignore[union-attr]
    return (f"{m.get('cpu_model')} ({m.get('hypervisor') or 'bare'}), {m.get('cpus')} cores, "
            f"{m.get('ram_gib')} GiB RAM; load {load}; Python {m.get('python')}, "
            f"numpy {m.get('numpy')}, numba {m.get('numba')}, mentropy {m.get('mentropy')} "
            f"@ {m.get('git')}; {m.get('date')}")


def median(xs: List[float]) -> float:
    return float(statistics.median(xs))


def timed(fn: Callable[[], object]) -> Tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result) of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, time.process_time() - c0, result


def write_json(path: Path, record: Dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# measurements


def bench_input(path: Path, max_ns: List[int], runs: int) -> Dict[str, object]:
    """Encode and count one input; first calls apart, then `runs` timed calls each."""
    from mentropy.counts import NgramCounts
    from mentropy.fragments import encode_texts

    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    read_s = time.perf_counter() - t0
    n_input = len(text) - text.count("\n")
    rec: Dict[str, object] = {"input": str(path), "input_chars": n_input, "read_s": read_s}

    first_wall, first_cpu, corpus = timed(lambda: encode_texts([text]))
    enc = [timed(lambda: encode_texts([text])) for _ in range(runs)]
    n_han = corpus.n_han  # type: ignore[attr-defined]
    enc_med = median([w for w, _, _ in enc])
    rec["han_chars"] = n_han
    rec["encode"] = {
        "first_call_s": first_wall,
        "runs_s": [w for w, _, _ in enc],
        "cpu_s": [c for _, c, _ in enc],
        "median_s": enc_med,
        "first_call_extra_s": first_wall - enc_med,
        "input_chars_per_s": n_input / enc_med,
    }
    counting = {}
    for n in max_ns:
        load0 = os.getloadavg()[0]
        first_wall, first_cpu, table = timed(lambda: NgramCounts.from_corpus(corpus, n))
        res = [timed(lambda: NgramCounts.from_corpus(corpus, n)) for _ in range(runs)]
        walls = [w for w, _, _ in res]
        cpus = [c for _, c, _ in res]
        med = median(walls)
        counting[str(n)] = {
            "command": f"NgramCounts.from_corpus(encode_texts([text]), {n})",
            "first_call_s": first_wall,
            "first_call_extra_s": first_wall - med,
            "runs_s": walls,
            "cpu_s": cpus,
            "median_s": med,
            "cpu_over_wall": median(cpus) / med if med > 0 else None,
            "rows": len(table),  # type: ignore[arg-type]
            "han_chars_per_s": n_han / med,
            "input_chars_per_s": n_input / med,
            "loadavg_1min": load0,
        }
    rec["count"] = counting
    return rec


_COLD_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from mentropy.counts import NgramCounts
from mentropy.fragments import encode_texts
import_s = time.perf_counter() - t0
text = open(sys.argv[1], encoding="utf-8").read(int(sys.argv[2]))
out = {"import_s": import_s, "slice_chars": len(text)}
t0 = time.perf_counter(); corpus = encode_texts([text]); t1 = time.perf_counter()
encode_texts([text]); t2 = time.perf_counter()
out["encode_first_s"], out["encode_second_s"] = t1 - t0, t2 - t1
for n in map(int, sys.argv[3:]):
    t0 = time.perf_counter(); NgramCounts.from_corpus(corpus, n); t1 = time.perf_counter()
    NgramCounts.from_corpus(corpus, n); t2 = time.perf_counter()
    out[f"count{n}_first_s"], out[f"count{n}_second_s"] = t1 - t0, t2 - t1
print(json.dumps(out))
"""


def _child(path: Path, max_ns: List[int], slice_chars: int, env: Dict[str, str]
           ) -> Dict[str, object]:
    cmd = [sys.executable, "-c", _COLD_CHILD, str(path), str(slice_chars), *map(str, max_ns)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t0
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    rec["process_wall_s"] = wall
    rec["encode_first_call_extra_s"] = rec["encode_first_s"] - rec["encode_second_s"]
    for n in max_ns:
        rec[f"count{n}_first_call_extra_s"] = rec[f"count{n}_first_s"] - rec[f"count{n}_second_s"]
    return rec


def cold_compile(path: Path, max_ns: List[int], slice_chars: int = 20000) -> Dict[str, object]:
    """First-call times in a fresh process with an empty numba cache (= compile time), then
    in a second fresh process with the cache the first one filled (= cached start)."""
    with tempfile.TemporaryDirectory(prefix="mentropy-numba-cold-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        rec = _child(path, max_ns, slice_chars, env)
        cached = _child(path, max_ns, slice_chars, env)
    rec["encode_compile_s"] = rec["encode_first_call_extra_s"]
    for n in max_ns:
        rec[f"count{n}_compile_s"] = rec[f"count{n}_first_call_extra_s"]
    rec["cached_second_process"] = cached
    rec["command"] = ("NUMBA_CACHE_DIR=$(mktemp -d) python -c '<import; encode_texts; "
                      "NgramCounts.from_corpus x2>' " + f"{path.name} {slice_chars} "
                      + " ".join(map(str, max_ns)) + "   # twice, same cache folder")
    return rec


# --------------------------------------------------------------------------------------------
# output


def print_table(result: Dict[str, object]) -> None:
    print(machine_line(result["machine"]))  # type: ignore[arg-type]
    print()
    hdr = (f"{'input':<12} {'step':<14} {'first call':>10} {'median':>9} {'cpu/wall':>8} "
           f"{'Han chars/s':>12} {'input chars/s':>13} {'rows':>11}")
    print(hdr)
    print("-" * len(hdr))
    for rec in result["inputs"]:  # type: ignore[union-attr]
        name = Path(rec["input"]).name
        e = rec["encode"]
        print(f"{name:<12} {'encode':<14} {e['first_call_s']:>9.3f}s {e['median_s']:>8.3f}s "
              f"{'':>8} {rec['han_chars'] / e['median_s'] / 1e6:>10.2f} M "
              f"{e['input_chars_per_s'] / 1e6:>11.2f} M {'':>11}")
        for n, c in rec["count"].items():
            print(f"{name:<12} {'count 1..' + n:<14} {c['first_call_s']:>9.3f}s "
                  f"{c['median_s']:>8.3f}s {c['cpu_over_wall']:>8.2f} "
                  f"{c['han_chars_per_s'] / 1e6:>10.2f} M {c['input_chars_per_s'] / 1e6:>11.2f} M "
                  f"{c['rows']:>11,}")
        print(f"{'':<12} ({rec['input_chars']:,} input chars, {rec['han_chars']:,} Han chars; "
              f"median of {len(e['runs_s'])} runs)")
    cold = result.get("cold_compile")
    if cold:
        parts = [f"encode {cold['encode_compile_s']:.2f} s"] + [
            f"count 1..{n} {cold[f'count{n}_compile_s']:.2f} s" for n in result["max_n"]]
        print(f"\ncompile with an empty numba cache (fresh process, {cold['slice_chars']:,}-char "
              f"slice): " + ", ".join(parts) + f"; whole child process {cold['process_wall_s']:.2f} s")
        c2 = cold["cached_second_process"]
        parts = [f"import {c2['import_s']:.2f} s", f"encode first call {c2['encode_first_s']:.3f} s"]
        parts += [f"count 1..{n} first call {c2[f'count{n}_first_s']:.3f} s" for n in result["max_n"]]
        print("second process, cache filled: " + ", ".join(parts)
              + f"; whole child process {c2['process_wall_s']:.2f} s")
    t = result.get("target")
    if t:
        print(f"\ntarget: {t['input']} count 1..4 from text in memory (encode + count): "
              f"{t['chars_per_s_per_core'] / 1e6:.2f} M chars/s/core (target >= 4 M)")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, action="append",
                        help="text file (repeatable; default: out/pd_raw.txt and out/mixed.txt)")
    parser.add_argument("--max-n", type=int, action="append",
                        help="longest n-gram (repeatable; default: 4 and 6)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the first call")
    parser.add_argument("--no-cold", action="store_true",
                        help="skip the compile-time measurement with an empty numba cache")
    parser.add_argument("--json", type=Path, default=OUT_DIR / "bench_count.json")
    args = parser.parse_args(argv)
    inputs = args.input or [OUT_DIR / "pd_raw.txt", OUT_DIR / "mixed.txt"]
    max_ns = args.max_n or [4, 6]
    for p in inputs:
        if not p.is_file():
            parser.error(f"{p} not found (run: python benchmarks/data.py)")

    t0 = time.perf_counter()
    import mentropy.counts  # noqa: F401  (import time reported, not part of any figure)
    import_s = time.perf_counter() - t0
    result: Dict[str, object] = {"machine": machine(), "max_n": max_ns, "runs": args.runs,
                                 "import_s": import_s,
                                 "command": "python " + " ".join(sys.argv)}
    result["inputs"] = [bench_input(p, max_ns, args.runs) for p in inputs]
    if not args.no_cold:
        result["cold_compile"] = cold_compile(inputs[0], max_ns)
    first = result["inputs"][0]
    if "4" in first["count"]:
        c4 = first["count"]["4"]
        secs = first["encode"]["median_s"] + c4["median_s"]
        cores = max(1.0, c4["cpu_over_wall"] or 1.0)
        result["target"] = {
            "input": Path(first["input"]).name, "input_chars": first["input_chars"],
            "command": "NgramCounts.from_corpus(encode_texts([text]), 4)  "
                       "# text = open(path).read()",
            "seconds": secs, "cpu_over_wall": c4["cpu_over_wall"],
            "chars_per_s": first["input_chars"] / secs,
            "chars_per_s_per_core": first["input_chars"] / secs / cores,
            "count_only_chars_per_s": c4["input_chars_per_s"],
        }
    result["loadavg_end"] = list(os.getloadavg())
    print_table(result)
    write_json(args.json, result)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
