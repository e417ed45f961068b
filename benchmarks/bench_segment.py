"""Segmentation against jieba and rjieba: speed, 2-worker scaling, load time, memory, agreement.

Run with the project's virtualenv, after ``python benchmarks/data.py`` and
``bash benchmarks/setup_peers.sh`` (jieba, rjieba and jieba's ``dict.txt`` come from the peers
virtualenv, through ``benchmarks/peers.py``)::

    python benchmarks/bench_segment.py                 # everything, 3 timed runs each (~6 min)
    python benchmarks/bench_segment.py --no-jieba      # skip the slow pure-Python jieba runs
    python benchmarks/bench_segment.py --runs 5

The input is ``benchmarks/out/mixed.txt`` (the four novels, the reviews and the People's Daily
raw text, 7.4M characters, 69k lines).  Everything below is done twice, with two dictionaries
that mentropy, rjieba and jieba all load:

* ``jieba_dict``: jieba's own ``dict.txt`` (349k words);
* ``mentropy_lexicon``: a lexicon made by ``mentropy build-lexicon`` from ``--lexicon-source``
  (default ``mixed.txt``), in jieba's ``word freq`` format.

What is timed, one process at a time, medians of ``--runs`` runs:

``cut_many_w1`` / ``cut_many_w2``
    ``Segmenter.from_lexicon(DICT).cut_many(lines, workers=1|2)`` in this process: the lines
    are in memory, the result (one word list per line) is kept; wall time of the call (for 2
    workers the pool start is included).  Loading and ``warmup()`` are done before.
``cli``
    the whole ``mentropy segment --dict DICT mixed.txt -o FILE --quiet`` process (``--lexicon``
    for the mentropy lexicon) under ``/usr/bin/time -v``: start, imports, loading, reading,
    cutting, writing; wall time and peak RSS.  Its output is checked against ``cut_many``.
``rjieba`` / ``jieba``
    ``peers.py rjieba-cut --keep`` (``rjieba.Jieba.empty()`` + ``add_word`` for every entry of
    DICT, then ``seg.cut(line, hmm=False)``) and ``peers.py jieba-cut --keep``
    (``jieba.set_dictionary(DICT)``, ``list(jieba.cut(line, HMM=False))``) in the peers
    virtualenv.  Fair to the peers: the same lines read into memory first, one call per line,
    every line's words kept in one list as ``cut_many`` keeps them, the garbage collector
    paused during the loop as ``cut_many`` pauses it, and the wall time of the whole loop
    (dictionary loading excluded, as for ``cut_many``).
``rjieba_process``
    the whole ``peers.py rjieba-cut --dict DICT --input mixed.txt --output FILE`` process under
    ``/usr/bin/time -v`` (for a whole-process to whole-process comparison with ``cli``).

Ratios are mentropy's characters per second over the peer's, from this one run.  For the
``mentropy segment`` command the target ratio compares like with like: the command's cutting
time (the process on the file minus the same process on an empty file, i.e. without start-up,
imports and dictionary loading) against the peers' cutting time (which also excludes their
start-up and loading).  The whole process against the peers' cutting alone, and against a
whole rjieba process, are reported too.

Also measured:

``load``
    in a fresh process (kernels loaded from numba's cache first): ``Segmenter.from_lexicon``
    time and the resident memory before and after loading each dictionary (``/proc/self/statm``).
``agreement``
    with jieba's ``dict.txt``: the share of lines where mentropy's words equal jieba's
    (HMM off; jieba's words from the timed run), for ``Segmenter.from_lexicon(dict.txt)`` with
    default options and, when the installed mentropy has it, ``jieba_compatible=True``; the
    differing lines are classified by the characters around the cuts that differ (Han-Han,
    digits/latin, punctuation/space), with examples.

Writes ``benchmarks/out/bench_segment.json`` (``--json`` to change) and prints a summary.
"""
from __future__ import annotations

import argparse
from bisect import bisect_left
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from itertools import accumulate
from pathlib import Path
from typing import Dict, List, Optional

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from bench_count import machine, machine_line, median, write_json  # noqa: E402
from bench_lexicon import PEERS_PY, mentropy_exe, rel, run_time_v, show  # noqa: E402

REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"

TARGET_VS_RJIEBA = 1.0
TARGET_VS_JIEBA = 15.0
TARGET_AGREEMENT = 0.99
TARGET_LOAD_S = 1.0
TARGET_RSS_MIB = 150.0 * 1e6 / 2 ** 20  # "150 MB"

# run in a fresh process of the project venv: load time and memory of a loaded segmenter
LOAD_PROBE = r"""
import json, sys, time
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
def hwm():
    # VmHWM, not ru_maxrss: after fork + exec, ru_maxrss also counts the parent's peak
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
t0 = time.perf_counter()
from mentropy.segment import Segmenter
Segmenter(["预热"], [1]).warmup()          # numba runtime and the kernels, from the cache
t1 = time.perf_counter()
base = rss()
seg = Segmenter.from_lexicon(sys.argv[1])
t2 = time.perf_counter()
loaded = rss()
seg.lcut("他说的确实在理")
t3 = time.perf_counter()
print(json.dumps({"import_and_kernels_s": t1 - t0, "load_s": t2 - t1, "first_cut_s": t3 - t2,
                  "words": len(seg), "rss_before_load_mib": base, "rss_loaded_mib": loaded,
                  "rss_after_first_cut_mib": rss(),
                  "peak_rss_mib": hwm()}))
"""


def read_lines(path: Path) -> List[str]:
    """The lines of a UTF-8 file without line ends (as benchmarks/peers.py reads them)."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f]


def peer(args: List[str]) -> Dict[str, object]:
    """Run ``peers.py ARGS --json TMP`` in the peers virtualenv; its JSON record + command."""
    fd, path = tempfile.mkstemp(suffix=".json", prefix="peer-", dir=OUT_DIR)
    os.close(fd)
    cmd = [str(PEERS_PY), str(BENCH_DIR / "peers.py"), *args]
    load = os.getloadavg()[0]
    try:
        subprocess.run([*cmd, "--json", path], check=True, stdout=subprocess.DEVNULL,
                       cwd=REPO_ROOT)
        with open(path, encoding="utf-8") as f:
            rec = json.load(f)
    finally:
        os.unlink(path)
    rec["command"] = show(cmd)
    rec["loadavg_1min"] = load
    return rec


def jieba_dict_path() -> Path:
    out = subprocess.run([str(PEERS_PY), str(BENCH_DIR / "peers.py"), "jieba-dict"], check=True,
                         capture_output=True, text=True)
    return Path(out.stdout.strip())


def count_entries(path: Path) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


# --------------------------------------------------------------------------------------------
# mentropy


def time_cut_many(seg, lines: List[str], workers: int, runs: int):
    """Wall seconds of `runs` calls of seg.cut_many(lines, workers=...) and the last result."""
    times, result = [], None
    for _ in range(runs):
        result = None
        gc.collect()
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        result = seg.cut_many(lines, workers=workers)
        times.append(time.perf_counter() - t0)
    return {"runs_s": times, "median_s": median(times), "loadavg_1min": load}, result


def load_probe(dict_path: Path, runs: int) -> Dict[str, object]:
    """LOAD_PROBE in `runs` fresh processes: medians and every run."""
    recs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", LOAD_PROBE, str(dict_path)], check=True,
                              capture_output=True, text=True, cwd=REPO_ROOT)
        rec = json.loads(proc.stdout.strip().splitlines()[-1])
        rec["process_wall_s"] = time.perf_counter() - t0
        recs.append(rec)
    keys = [k for k in recs[0] if isinstance(recs[0][k], (int, float))]
    out: Dict[str, object] = {k: median([float(r[k]) for r in recs]) for k in keys}
    out["load_increase_mib"] = out["rss_loaded_mib"] - out["rss_before_load_mib"]
    out["runs"] = recs
    out["command"] = ("python -c 'from mentropy.segment import Segmenter; "
                      f"Segmenter.from_lexicon(\"{rel(dict_path)}\")'  "
                      "(fresh process; kernels loaded before; RSS from /proc/self/statm)")
    return out


def same_output(path: Path, result: List[List[str]]) -> bool:
    """Does the file hold exactly one line of space-joined words per result entry?"""
    with open(path, encoding="utf-8") as f:
        got = f.read()
    return got == "".join(" ".join(words) + "\n" for words in result)


# --------------------------------------------------------------------------------------------
# agreement with jieba


def _is_han(c: str) -> bool:
    return unicodedata.name(c, "").startswith("CJK UNIFIED IDEOGRAPH") or "\u3400" <= c <= "\u9fff"


def _is_numlat(c: str) -> bool:
    if c.isascii():
        return c.isalnum() or c in ".%+-#&_"
    if "\uff10" <= c <= "\uff19" or "\uff21" <= c <= "\uff3a" or "\uff41" <= c <= "\uff5a":
        return True  # full-width digits and latin letters
    return c in "．％○〇" or unicodedata.category(c) == "Nd"


_NUMERALS = set("〇零一二三四五六七八九十百千万两几廿卅")
_TIME_UNITS = set("年月日时分秒点号")


def _region_kind(region: str) -> str:
    """The cause of a stretch of text that the two segmentations cut differently."""
    if any(_is_numlat(c) for c in region):
        return "digits_latin"
    han = [_is_han(c) for c in region]
    if all(han):
        numerals = sum(c in _NUMERALS for c in region)
        if numerals >= 2 or (numerals and any(c in _TIME_UNITS for c in region)):
            return "han_numeral"
        return "han"
    if any(han):
        return "han_next_to_other"
    return "punct_space_other"


def _cuts(words: List[str]) -> set:
    return set(accumulate(map(len, words)))


def _window(words: List[str], lo: int, hi: int) -> str:
    out, pos = [], 0
    for w in words:
        end = pos + len(w)
        if end > lo and pos < hi:
            out.append(w)
        pos = end
    return " / ".join(out)


LINE_CAUSES = {
    "han": "a stretch of Han characters with at most one numeral and no time unit is cut "
           "differently (same model: a tie or the unknown-character rule)",
    "han_numeral": "a stretch of Han characters holding Chinese numerals (two or more, or one "
                   "and a time unit) is cut differently: mentropy's number and time atoms keep "
                   "五十日, 两月, 第一百一 whole, jieba cuts them by its dictionary "
                   "(五十 / 日, 第一百 / 一回)",
    "han_next_to_other": "a stretch of Han characters mixed with punctuation or symbols (no "
                         "digits or latin) is cut differently",
    "digits_latin": "no Han-only stretch differs, and one holds digits or latin letters (mentropy keeps "
                    "number, latin and time-word atoms such as １９９８年 whole and matches "
                    "full-width as half-width; jieba emits full-width characters one by one "
                    "and cuts 3.14 at the dot), and its Han neighbours follow from that",
    "punct_space_other": "only stretches of punctuation, symbols or spaces differ (mentropy "
                         "keeps a run of the same mark or space, such as ——, whole)",
}
_PRIORITY = ["han", "han_numeral", "han_next_to_other", "digits_latin",
             "punct_space_other"]


def agreement(lines: List[str], mine: List[List[str]], theirs: List[List[str]],
              examples: int = 6) -> Dict[str, object]:
    """Share of lines equal to jieba's, and the differing lines by cause."""
    if len(mine) != len(lines) or len(theirs) != len(lines):
        raise SystemExit(f"line counts differ: {len(lines)} input, {len(mine)} mentropy, "
                         f"{len(theirs)} jieba")
    equal = 0
    by_cause: Dict[str, int] = {k: 0 for k in _PRIORITY}
    samples: Dict[str, list] = {k: [] for k in _PRIORITY}
    positions: Dict[str, int] = {k: 0 for k in _PRIORITY}
    for i, (line, a, b) in enumerate(zip(lines, mine, theirs)):
        if a == b:
            equal += 1
            continue
        ca, cb = _cuts(a), _cuts(b)
        common = sorted((ca & cb) | {0, len(line)})
        regions = sorted({(common[bisect_left(common, p) - 1], common[bisect_left(common, p)])
                          for p in ca ^ cb})
        kinds = [_region_kind(line[lo:hi]) for lo, hi in regions]
        for k in kinds:
            positions[k] += 1
        cause = next(k for k in _PRIORITY if k in kinds)
        by_cause[cause] += 1
        if len(samples[cause]) < examples:
            lo, hi = next(r for r, k in zip(regions, kinds) if k == cause)
            samples[cause].append({"line": i + 1, "mentropy": _window(a, lo, hi),
                                   "jieba": _window(b, lo, hi)})
    n = len(lines)
    return {"lines": n, "equal_lines": equal, "share_equal": equal / n,
            "differing_lines": n - equal,
            "differing_by_cause": by_cause,
            "differing_share_by_cause": {k: v / n for k, v in by_cause.items()},
            "differing_stretches_by_kind": positions,
            "causes": LINE_CAUSES, "examples": samples}


# --------------------------------------------------------------------------------------------
# one dictionary


def suite(name: str, dict_path: Path, flag: str, inp: Path, lines: List[str], runs: int,
          jieba: bool, keep_jieba: Optional[Path]) -> Dict[str, object]:
    """Every speed measurement with one dictionary; returns the record (and keeps the w1
    result under '_w1' for the agreement check)."""
    from mentropy.segment import Segmenter

    n_chars = sum(map(len, lines))
    rec: Dict[str, object] = {"dict": rel(dict_path), "dict_entries": count_entries(dict_path),
                              "loadavg_before": list(os.getloadavg())}
    print(f"[{name}] mentropy in-process ...", file=sys.stderr)
    t0 = time.perf_counter()
    seg = Segmenter.from_lexicon(str(dict_path))
    rec["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    seg.warmup()
    rec["warmup_s"] = time.perf_counter() - t0
    w1, res1 = time_cut_many(seg, lines, 1, runs)
    w1["command"] = f"Segmenter.from_lexicon({rel(dict_path)!r}).cut_many(lines, workers=1)"
    w2, res2 = time_cut_many(seg, lines, 2, runs)
    w2["command"] = f"Segmenter.from_lexicon({rel(dict_path)!r}).cut_many(lines, workers=2)"
    w2["same_as_workers1"] = res2 == res1
    del res2
    w1["words"] = sum(map(len, res1))
    for r in (w1, w2):
        r["chars_per_s"] = n_chars / r["median_s"]
    w2["scaling_over_w1"] = w1["median_s"] / w2["median_s"]
    rec["cut_many_w1"], rec["cut_many_w2"] = w1, w2

    print(f"[{name}] mentropy segment process ...", file=sys.stderr)
    out_file = OUT_DIR / f"bench_segment_{name}_cli.txt"
    cmd = [mentropy_exe(), "segment", flag, str(dict_path), str(inp), "-o", str(out_file),
           "--quiet"]
    cli_runs = [run_time_v(cmd) for _ in range(runs)]
    cli = {"command": show(cmd), "runs": cli_runs,
           "median_s": median([float(r["wall_s"]) for r in cli_runs]),
           "max_rss_mib": median([float(r["max_rss_mib"]) for r in cli_runs]),
           "same_as_cut_many": same_output(out_file, res1)}
    cli["chars_per_s"] = n_chars / cli["median_s"]
    # the same process on an empty input: start-up, imports and loading alone; the difference
    # is the command's cutting time (read, cut, write), comparable to the peers' cutting time
    empty = OUT_DIR / "bench_segment_empty.txt"
    empty.write_text("", encoding="utf-8")
    cmd0 = [mentropy_exe(), "segment", flag, str(dict_path), str(empty), "-o", str(out_file),
            "--quiet"]
    start_runs = [run_time_v(cmd0) for _ in range(runs)]
    cli["startup"] = {"command": show(cmd0), "runs": start_runs,
                      "median_s": median([float(r["wall_s"]) for r in start_runs])}
    cli["cutting_s"] = max(cli["median_s"] - cli["startup"]["median_s"], 1e-9)
    cli["cutting_chars_per_s"] = n_chars / cli["cutting_s"]
    empty.unlink()
    rec["cli"] = cli
    out_file.unlink()

    print(f"[{name}] rjieba ...", file=sys.stderr)
    rj = peer(["rjieba-cut", "--dict", str(dict_path), "--input", str(inp), "--keep",
               "--runs", str(runs)])
    rj["same_words_count_as_mentropy"] = rj["words"] == w1["words"]
    rec["rjieba"] = rj
    rj_out = OUT_DIR / f"bench_segment_{name}_rjieba.txt"
    cmd = [str(PEERS_PY), str(BENCH_DIR / "peers.py"), "rjieba-cut", "--dict", str(dict_path),
           "--input", str(inp), "--output", str(rj_out)]
    rp_runs = [run_time_v(cmd) for _ in range(runs)]
    rec["rjieba_process"] = {"command": show(cmd), "runs": rp_runs,
                             "median_s": median([float(r["wall_s"]) for r in rp_runs]),
                             "max_rss_mib": median([float(r["max_rss_mib"]) for r in rp_runs])}
    rec["rjieba_process"]["chars_per_s"] = n_chars / rec["rjieba_process"]["median_s"]
    rj_out.unlink()

    if jieba:
        print(f"[{name}] jieba (slow) ...", file=sys.stderr)
        args = ["jieba-cut", "--dict", str(dict_path), "--input", str(inp), "--keep",
                "--runs", str(runs)]
        if keep_jieba is not None:
            args += ["--jsonl", str(keep_jieba)]
        rec["jieba"] = peer(args)

    ratios: Dict[str, float] = {
        "cut_many_w1_over_rjieba": w1["chars_per_s"] / rj["chars_per_s"],
        "cli_over_rjieba": cli["chars_per_s"] / rj["chars_per_s"],
        "cli_cutting_over_rjieba": cli["cutting_chars_per_s"] / rj["chars_per_s"],
        "cli_process_over_rjieba_process": rec["rjieba_process"]["median_s"] / cli["median_s"],
        "cut_many_w2_over_w1": w2["scaling_over_w1"],
        "cut_many_w2_over_rjieba": w2["chars_per_s"] / rj["chars_per_s"],
    }
    if jieba:
        jb = rec["jieba"]
        ratios["cut_many_w1_over_jieba"] = w1["chars_per_s"] / jb["chars_per_s"]
        ratios["cli_over_jieba"] = cli["chars_per_s"] / jb["chars_per_s"]
        ratios["cli_cutting_over_jieba"] = cli["cutting_chars_per_s"] / jb["chars_per_s"]
        ratios["rjieba_over_jieba"] = rj["chars_per_s"] / jb["chars_per_s"]
    rec["ratios"] = ratios
    rec["loadavg_after"] = list(os.getloadavg())
    rec["_w1"] = res1
    return rec


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=OUT_DIR / "mixed.txt")
    parser.add_argument("--lexicon-source", type=Path, default=OUT_DIR / "mixed.txt",
                        help="corpus for the mentropy-built lexicon (default: mixed.txt)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-jieba", action="store_true", help="skip jieba (slow) and agreement")
    parser.add_argument("--json", type=Path, default=OUT_DIR / "bench_segment.json")
    args = parser.parse_args(argv)
    for p in (args.input, args.lexicon_source):
        if not p.is_file():
            parser.error(f"{p} not found (run: python benchmarks/data.py)")
    if not PEERS_PY.exists():
        parser.error(f"{PEERS_PY} not found (run: bash benchmarks/setup_peers.sh)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    jieba = not args.no_jieba

    res: Dict[str, object] = {"machine": machine(), "runs": args.runs,
                              "command": show([sys.executable, *sys.argv]),
                              "loadavg_before": list(os.getloadavg())}
    lines = read_lines(args.input)
    n_chars = sum(map(len, lines))
    res["input"] = {"path": rel(args.input), "lines": len(lines), "chars": n_chars}
    print(f"input {rel(args.input)}: {len(lines):,} lines, {n_chars:,} chars", file=sys.stderr)

    jdict = jieba_dict_path()
    lex = OUT_DIR / "bench_segment_mentropy.dict"
    cmd = [mentropy_exe(), "build-lexicon", str(args.lexicon_source), "-o", str(lex), "--quiet"]
    print("building the mentropy lexicon ...", file=sys.stderr)
    res["lexicon_build"] = dict(run_time_v(cmd), command=show(cmd))

    jsonl = OUT_DIR / "bench_segment_jieba_words.jsonl"
    dicts: Dict[str, object] = {}
    dicts["jieba_dict"] = suite("jieba_dict", jdict, "--dict", args.input, lines, args.runs,
                                jieba, jsonl if jieba else None)
    w1_jieba_dict = dicts["jieba_dict"].pop("_w1")  # type: ignore[union-attr]
    dicts["mentropy_lexicon"] = suite("mentropy_lexicon", lex, "--lexicon", args.input, lines,
                                      args.runs, jieba, None)
    dicts["mentropy_lexicon"].pop("_w1")  # type: ignore[union-attr]
    res["dicts"] = dicts

    if jieba:
        print("agreement with jieba ...", file=sys.stderr)
        with open(jsonl, encoding="utf-8") as f:
            theirs = [json.loads(line) for line in f]
        agr: Dict[str, object] = {
            "jieba_command": dicts["jieba_dict"]["jieba"]["command"],  # type: ignore[index]
            "default": dict(agreement(lines, w1_jieba_dict, theirs),
                            command=f"Segmenter.from_lexicon({rel(jdict)!r}).cut_many(lines)")}
        from mentropy.segment import Segmenter
        try:
            compat = Segmenter.from_lexicon(str(jdict), jieba_compatible=True)
        except TypeError:
            compat = None  # this mentropy has no jieba_compatible option
        if compat is not None:
            agr["jieba_compatible"] = dict(
                agreement(lines, compat.cut_many(lines), theirs),
                command=f"Segmenter.from_lexicon({rel(jdict)!r}, jieba_compatible=True)"
                        ".cut_many(lines)")
        res["agreement"] = agr
        del theirs
    del w1_jieba_dict

    print("load time and memory ...", file=sys.stderr)
    res["load"] = {"jieba_dict": load_probe(jdict, args.runs),
                   "mentropy_lexicon": load_probe(lex, args.runs)}
    res["loadavg_after"] = list(os.getloadavg())
    print_summary(res)
    write_json(args.json, res)
    print(f"\nwrote {args.json}")
    return 0


def print_summary(res: Dict[str, object]) -> None:
    print(machine_line(res["machine"]))  # type: ignore[arg-type]
    inp = res["input"]
    print(f"input {inp['path']}: {inp['lines']:,} lines, {inp['chars']:,} chars")
    for name, d in res["dicts"].items():  # type: ignore[union-attr]
        print(f"\n== {name} ({d['dict']}, {d['dict_entries']:,} entries)")
        for key in ("cut_many_w1", "cut_many_w2", "cli", "rjieba", "rjieba_process", "jieba"):
            if key in d:
                r = d[key]
                secs = r.get("median_s")
                print(f"{key:<16} {secs:8.3f} s  {r['chars_per_s'] / 1e6:7.2f} M chars/s")
        for k, v in d["ratios"].items():
            print(f"  {k:<34} {v:6.2f}x")
    for name, a in res.get("agreement", {}).items():  # type: ignore[union-attr]
        if isinstance(a, dict):
            print(f"\nagreement with jieba, {name}: {a['share_equal']:.4f} of lines equal; "
                  f"differing by cause {a['differing_by_cause']}")
    for name, ld in res["load"].items():  # type: ignore[union-attr]
        print(f"load {name}: {ld['load_s']:.3f} s, {ld['words']:,.0f} words, RSS "
              f"{ld['rss_before_load_mib']:.0f} -> {ld['rss_loaded_mib']:.0f} MiB")
    print(f"load average before {res['loadavg_before'][0]:.2f}, "
          f"after {res['loadavg_after'][0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
