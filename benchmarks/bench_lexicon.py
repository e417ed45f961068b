"""Lexicon induction against nlp-zero: segmentation quality, speed in-process and whole process.

Run with the project's virtualenv, after ``python benchmarks/data.py`` and
``bash benchmarks/setup_peers.sh`` (the peer runs use the peers virtualenv through
``benchmarks/peers.py``)::

    python benchmarks/bench_lexicon.py                 # everything, 3 timed runs each
    python benchmarks/bench_lexicon.py --profile       # plus a cProfile of one build
    python benchmarks/bench_lexicon.py --no-peer       # mentropy only

What is measured, mentropy and nlp-zero in the same run:

quality
    ``mentropy build-lexicon benchmarks/out/pd_raw.txt -o X`` (default options), then
    ``mentropy segment --lexicon X benchmarks/out/pd_raw.txt -o SEG`` (unigram Viterbi over the
    lexicon) and ``mentropy evaluate benchmarks/out/pd_gold.txt SEG --json`` (cross-checked
    with ``benchmarks/score.py``; the CLI output is also checked against
    ``Segmenter.from_lexicon(X).cut_many(lines)``).  nlp-zero: ``peers.py nlpzero-lexicon`` +
    ``peers.py nlpzero-segment`` (its own ``Tokenizer``), scored the same way.
    The same protocol runs on a ~1 MB slice (the first lines of ``pd_raw.txt`` up to
    ``--slice-chars`` characters).
speed in-process
    ``build_lexicon(text)`` (text already in memory) and ``build_lexicon(path)``: one warm-up
    call, then ``--runs`` timed calls, median; nlp-zero: ``Word_Finder`` train + find as timed
    by ``peers.py nlpzero-lexicon`` (lines already in memory).
whole process
    ``/usr/bin/time -v mentropy build-lexicon pd_raw.txt -o X --quiet`` (after one warm-up run,
    so the numba cache is warm) against ``/usr/bin/time -v python peers.py nlpzero-lexicon``
    (import, read, train, find, write): wall time and maximum resident set size, runs
    interleaved, medians.

Prints a table and writes ``benchmarks/out/bench_lexicon.json`` (``--json`` to change); the
lexicons and segmentations go to ``benchmarks/out/bench_lexicon_*``.
"""
from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import math
import os
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from bench_count import machine, machine_line, median, write_json  # noqa: E402

REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
PEERS_PY = Path(os.environ.get("PEERS_VENV", Path.home() / ".cache" / "mentropy-peers")) \
    / "bin" / "python"
TIME = "/usr/bin/time"

TARGET_F1 = 0.795
TARGET_IN_PROCESS = 20.0
TARGET_WHOLE_PROCESS = 5.0


# --------------------------------------------------------------------------------------------
# processes


def rel(path: Path) -> str:
    """A path relative to the repository root when it is inside it (for printed commands)."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def show(cmd: List[str]) -> str:
    """A command as one would type it from the repository root."""
    out = []
    for part in cmd:
        if part == sys.executable:
            part = "python"
        elif part == str(PEERS_PY):
            part = "$PEERS_VENV/bin/python"
        elif os.sep in part and Path(part).exists():
            part = rel(Path(part))
            if part.endswith("/bin/mentropy"):
                part = "mentropy"
        out.append(part)
    return " ".join(out)


def parse_time_v(stderr: str) -> Dict[str, float]:
    """Wall seconds, user/sys seconds and max RSS (MiB) from GNU time -v output."""
    out: Dict[str, float] = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", stderr)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        out["wall_s"] = secs
    for key, label in (("user_s", "User time (seconds)"), ("sys_s", "System time (seconds)")):
        m = re.search(re.escape(label) + r": (\S+)", stderr)
        if m:
            out[key] = float(m.group(1))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    if m:
        out["max_rss_mib"] = int(m.group(1)) / 1024.0
    m = re.search(r"Percent of CPU this job got: (\d+)%", stderr)
    if m:
        out["cpu_percent"] = float(m.group(1))
    return out


def run_time_v(cmd: List[str]) -> Dict[str, object]:
    """Run `cmd` under ``/usr/bin/time -v``; fail loudly on a non-zero exit."""
    load = os.getloadavg()[0]
    proc = subprocess.run([TIME, "-v", *cmd], capture_output=True, text=True, cwd=REPO_ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {show(cmd)}\n{proc.stderr[-3000:]}")
    rec: Dict[str, object] = dict(parse_time_v(proc.stderr))
    rec["loadavg_1min"] = load
    rec["stdout"] = proc.stdout.strip()[-2000:]
    return rec


def mentropy_exe() -> str:
    """The ``mentropy`` console script of this interpreter's environment."""
    exe = Path(sys.executable).parent / "mentropy"
    if not exe.exists():
        raise SystemExit(f"{exe} not found: install mentropy in this virtualenv (pip install -e .)")
    return str(exe)


def cli_cmd(corpus: Path, output: Path, quiet: bool = True) -> List[str]:
    cmd = [mentropy_exe(), "build-lexicon", str(corpus), "-o", str(output)]
    return cmd + ["--quiet"] if quiet else cmd


def nlpzero_lexicon_cmd(corpus: Path, output: Path, json_path: Path) -> List[str]:
    return [str(PEERS_PY), str(BENCH_DIR / "peers.py"), "nlpzero-lexicon", "--input", str(corpus),
            "--output", str(output), "--json", str(json_path)]


def nlpzero_segment(lexicon: Path, corpus: Path, output: Path, json_path: Path
                    ) -> Tuple[str, Dict[str, object]]:
    cmd = [str(PEERS_PY), str(BENCH_DIR / "peers.py"), "nlpzero-segment", "--lexicon",
           str(lexicon), "--input", str(corpus), "--output", str(output), "--json", str(json_path)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO_ROOT)
    with open(json_path, encoding="utf-8") as f:
        return show(cmd), json.load(f)


# --------------------------------------------------------------------------------------------
# segmentation and scoring


def read_lines(path: Path) -> List[str]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f]


def read_dict(path: Path) -> Tuple[List[str], List[int]]:
    words, counts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 2:
                words.append(fields[0])
                counts.append(int(fields[1]))
    return words, counts


def mentropy_segment(dict_path: Path, raw: Path, seg_path: Path) -> Dict[str, object]:
    """``mentropy segment --lexicon DICT RAW -o SEG`` as a process; checked against
    ``Segmenter.from_lexicon(DICT).cut_many(lines)`` (public API)."""
    from mentropy.segment import Segmenter

    cmd = [mentropy_exe(), "segment", "--lexicon", str(dict_path), str(raw), "-o", str(seg_path),
           "--quiet"]
    run = run_time_v(cmd)
    pred = Segmenter.from_lexicon(str(dict_path)).cut_many(read_lines(raw))
    with open(seg_path, encoding="utf-8") as f:
        same = f.read() == "".join(" ".join(words) + "\n" for words in pred)
    return {"segment_command": show(cmd), "segment_run": run, "segment_s": run.get("wall_s"),
            "same_as_cut_many": same}


def load_score_py():
    """benchmarks/score.py as a module (for the cross-check)."""
    spec = importlib.util.spec_from_file_location("bench_score", BENCH_DIR / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def score_segmentation(gold_path: Path, pred_path: Path) -> Dict[str, object]:
    """``mentropy evaluate GOLD PRED --json``, cross-checked with benchmarks/score.py."""
    cmd = [mentropy_exe(), "evaluate", str(gold_path), str(pred_path), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {show(cmd)}\n{proc.stderr[-2000:]}")
    s = json.loads(proc.stdout)
    rec: Dict[str, object] = {"precision": s["precision"], "recall": s["recall"], "f1": s["f1"],
                              "gold_words": s["n_gold"], "pred_words": s["n_pred"],
                              "correct": s["n_correct"], "lines": s["n_lines"],
                              "score_command": show(cmd)}
    other = load_score_py().score_files(str(gold_path), str(pred_path))
    rec["score_py_f1"] = other["f1"]
    if abs(other["f1"] - s["f1"]) > 1e-9:
        print(f"warning: benchmarks/score.py gives F1 {other['f1']:.6f} for {pred_path}",
              file=sys.stderr)
    return rec


def lexicon_sizes(path: Path) -> Dict[str, int]:
    words, _ = read_dict(path)
    return {"size": len(words), "multi_char": sum(1 for w in words if len(w) > 1)}


# --------------------------------------------------------------------------------------------
# measurements


def make_slice(raw: Path, gold: Path, n_chars: int, out_raw: Path, out_gold: Path) -> int:
    """The first lines of raw/gold holding at least n_chars characters; returns the count."""
    total = 0
    with open(raw, encoding="utf-8") as r, open(gold, encoding="utf-8") as g, \
            open(out_raw, "w", encoding="utf-8") as wr, open(out_gold, "w", encoding="utf-8") as wg:
        for line_r, line_g in zip(r, g):
            if total >= n_chars:
                break
            wr.write(line_r)
            wg.write(line_g)
            total += len(line_r.rstrip("\r\n"))
    return total


def in_process(raw: Path, runs: int) -> Dict[str, object]:
    """build_lexicon(text) and build_lexicon(path): warm-up, then `runs` timed calls each."""
    t0 = time.perf_counter()
    from mentropy.lexicon import build_lexicon
    import_s = time.perf_counter() - t0
    with open(raw, encoding="utf-8") as f:
        text = f.read()

    def call(source: str):
        c0, t = time.process_time(), time.perf_counter()
        lex = build_lexicon(source, progress=False)
        return time.perf_counter() - t, time.process_time() - c0, lex

    warm_s, _, lex = call(text)
    rec: Dict[str, object] = {"import_s": import_s, "warmup_s": warm_s}
    for name, source in (("text", text), ("path", str(raw))):
        res = [call(source) for _ in range(runs)]
        walls = [w for w, _, _ in res]
        rec[name] = {
            "command": ("build_lexicon(text)  # text = open(path).read()" if name == "text"
                        else f"build_lexicon({rel(raw)!r})"),
            "runs_s": walls,
            "cpu_s": [c for _, c, _ in res],
            "median_s": median(walls),
            "stages_s": [dict(getattr(lx.report, "seconds", {}) or {}) for _, _, lx in res],
        }
        lex = res[-1][2]
    r = lex.report
    rec["lexicon"] = {"size": len(lex), "multi_char": sum(1 for w in lex.words if len(w) > 1)}
    for key in ("bits_per_char_before", "bits_per_char_after", "description_length", "deleted",
                "min_count", "n_chars", "n_han"):
        value = getattr(r, key, None)
        rec["lexicon"][key] = list(value) if isinstance(value, (list, tuple)) else value
    rec["_lexicon_obj"] = lex
    return rec


def same_lexicon(lex, path: Path) -> bool:
    words, counts = read_dict(path)
    return words == list(lex.words) and counts == [int(c) for c in lex.counts]


def profile_build(raw: Path, top: int = 10) -> str:
    """cProfile of one build_lexicon(path) call (kernels already loaded): top entries by
    cumulative time."""
    from mentropy.lexicon import build_lexicon

    build_lexicon(str(raw), progress=False)
    prof = cProfile.Profile()
    prof.enable()
    build_lexicon(str(raw), progress=False)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def quality_mentropy(raw: Path, gold: Path, dict_path: Path, tag: str) -> Dict[str, object]:
    seg_path = OUT_DIR / f"bench_lexicon_{tag}_mentropy_seg.txt"
    seg = mentropy_segment(dict_path, raw, seg_path)
    rec = score_segmentation(gold, seg_path)
    rec.update(lexicon_sizes(dict_path))
    rec.update(seg)
    rec.update({"segmenter": "mentropy segment --lexicon (unigram Viterbi)",
                "lexicon_path": rel(dict_path), "segmentation": rel(seg_path)})
    return rec


def quality_nlpzero(raw: Path, gold: Path, dict_path: Path, tag: str) -> Dict[str, object]:
    seg_path = OUT_DIR / f"bench_lexicon_{tag}_nlpzero_seg.txt"
    cmd, seg_rec = nlpzero_segment(dict_path, raw, seg_path,
                                   OUT_DIR / f"bench_lexicon_{tag}_nlpzero_segment.json")
    rec = score_segmentation(gold, seg_path)
    rec.update(lexicon_sizes(dict_path))
    rec.update({"segment_command": cmd, "segment_s": seg_rec.get("cut_s"),
                "lexicon_path": rel(dict_path), "segmentation": rel(seg_path)})
    return rec


def read_json(path: Path) -> Dict[str, object]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def summarise_runs(runs: List[Dict[str, object]], keys: List[str]) -> Dict[str, object]:
    return {k: median([float(r[k]) for r in runs]) for k in keys if all(k in r for r in runs)}


# --------------------------------------------------------------------------------------------
# output


def fmt_ratio(x: Optional[float]) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.2f}x"


def print_report(res: Dict[str, object]) -> None:
    print(machine_line(res["machine"]))  # type: ignore[arg-type]
    q = res["quality"]
    print("\n== quality (word P/R/F1 vs pd_gold.txt)")
    print(f"{'corpus':<10} {'system':<9} {'lexicon':>8} {'multi':>7} {'P':>7} {'R':>7} "
          f"{'F1':>7}  segmenter")
    for tag in ("full", "slice"):
        for system in ("mentropy", "nlpzero"):
            r = q.get(tag, {}).get(system)  # type: ignore[union-attr]
            if not r:
                continue
            print(f"{tag:<10} {system:<9} {r['size']:>8,} {r['multi_char']:>7,} "
                  f"{r['precision']:>7.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}  "
                  f"{r.get('segmenter', 'nlp-zero Tokenizer')}")
    lx = res["in_process"]["lexicon"]  # type: ignore[index]
    print(f"mentropy (full): entropy {lx['bits_per_char_before']:.3f} -> "
          f"{lx['bits_per_char_after']:.3f} bits/char; target F1 >= {TARGET_F1}: "
          f"{'met' if q['full']['mentropy']['f1'] >= TARGET_F1 else 'NOT met'}")
    sl = q.get("slice", {}).get("lexicon_report")
    if sl:
        print(f"mentropy (slice, {q['slice']['chars']:,} chars): entropy "
              f"{sl['bits_per_char_before']:.3f} -> {sl['bits_per_char_after']:.3f} bits/char")

    ip = res["in_process"]
    print("\n== speed in-process (median of runs, seconds)")
    peer = res.get("nlpzero_in_process_s")
    for name in ("text", "path"):
        m = ip[name]["median_s"]
        ratio = peer / m if peer else None
        print(f"mentropy {ip[name]['command']:<48} {m:7.3f} s   nlp-zero train+find "
              f"{peer if peer else float('nan'):7.3f} s   ratio {fmt_ratio(ratio)} "
              f"(target >= {TARGET_IN_PROCESS:.0f}x)")
    wp = res["whole_process"]
    print("\n== whole process (median of runs; /usr/bin/time -v)")
    for system in ("mentropy", "nlpzero"):
        r = wp.get(system)
        if r:
            print(f"{system:<9} wall {r['median']['wall_s']:7.3f} s   max RSS "
                  f"{r['median']['max_rss_mib']:7.1f} MiB   {r['command']}")
    if wp.get("ratio_wall") is not None:
        print(f"ratio wall {fmt_ratio(wp['ratio_wall'])} (target >= {TARGET_WHOLE_PROCESS:.0f}x), "
              f"peak memory nlp-zero / mentropy {fmt_ratio(wp['ratio_rss'])}")
    if res.get("profile"):
        print("\n== cProfile of one build_lexicon(path), top 10 by cumulative time")
        print(res["profile"])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=OUT_DIR / "pd_raw.txt")
    parser.add_argument("--gold", type=Path, default=OUT_DIR / "pd_gold.txt")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slice-chars", type=int, default=330_000,
                        help="size of the small-corpus slice (0 = skip it)")
    parser.add_argument("--no-peer", action="store_true", help="skip nlp-zero")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile one build_lexicon call and print the top 10 entries")
    parser.add_argument("--json", type=Path, default=OUT_DIR / "bench_lexicon.json")
    args = parser.parse_args(argv)
    for p in (args.input, args.gold):
        if not p.is_file():
            parser.error(f"{p} not found (run: python benchmarks/data.py)")
    peer = not args.no_peer
    if peer and not PEERS_PY.exists():
        parser.error(f"{PEERS_PY} not found (run: bash benchmarks/setup_peers.sh, or --no-peer)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    res: Dict[str, object] = {"machine": machine(), "runs": args.runs,
                              "command": show([sys.executable, *sys.argv])}
    dict_path = OUT_DIR / "bench_lexicon_full_mentropy.dict"
    nz_dict = OUT_DIR / "bench_lexicon_full_nlpzero.dict"

    # whole process, interleaved; the first mentropy run fills or loads the numba cache
    print("whole process runs ...", file=sys.stderr)
    m_cmd = cli_cmd(args.input, dict_path)
    first = run_time_v(m_cmd)
    m_runs, p_runs = [], []
    for i in range(args.runs):
        m_runs.append(run_time_v(m_cmd))
        if peer:
            jpath = OUT_DIR / f"bench_lexicon_full_nlpzero_lexicon_{i + 1}.json"
            p_cmd = nlpzero_lexicon_cmd(args.input, nz_dict, jpath)
            run = run_time_v(p_cmd)
            run["in_process"] = read_json(jpath)
            p_runs.append(run)
    keys = ["wall_s", "max_rss_mib", "user_s", "sys_s", "cpu_percent"]
    wp: Dict[str, object] = {"mentropy": {"command": show(m_cmd), "first_run": first,
                                          "runs": m_runs, "median": summarise_runs(m_runs, keys)}}
    if peer:
        wp["nlpzero"] = {"command": show(p_cmd), "runs": p_runs,
                         "median": summarise_runs(p_runs, keys)}
        wp["ratio_wall"] = wp["nlpzero"]["median"]["wall_s"] / wp["mentropy"]["median"]["wall_s"]
        wp["ratio_rss"] = (wp["nlpzero"]["median"]["max_rss_mib"]
                           / wp["mentropy"]["median"]["max_rss_mib"])
        ip_peer = [float(r["in_process"]["total_s"]) for r in p_runs]
        res["nlpzero_in_process_runs_s"] = ip_peer
        res["nlpzero_in_process_s"] = median(ip_peer)
        res["nlpzero_train_s"] = median([float(r["in_process"]["train_s"]) for r in p_runs])
        res["nlpzero_find_s"] = median([float(r["in_process"]["find_s"]) for r in p_runs])
        res["nlpzero_in_process_peak_rss_mib"] = median(
            [float(r["in_process"]["peak_rss_mib"]) for r in p_runs])
    res["whole_process"] = wp

    # in-process speed
    print("in-process runs ...", file=sys.stderr)
    ip = in_process(args.input, args.runs)
    lex = ip.pop("_lexicon_obj")
    ip["same_as_cli_output"] = same_lexicon(lex, dict_path)
    res["in_process"] = ip
    if peer:
        for name in ("text", "path"):
            ip[name]["ratio_vs_nlpzero"] = res["nlpzero_in_process_s"] / ip[name]["median_s"]

    # quality, full corpus
    print("quality ...", file=sys.stderr)
    quality: Dict[str, Dict[str, object]] = {"full": {
        "chars": ip["lexicon"]["n_chars"],
        "input_chars": sum(map(len, read_lines(args.input))),  # line ends excluded
        "lexicon_command": show(cli_cmd(args.input, dict_path,
                                                                            quiet=False)),
        "mentropy": quality_mentropy(args.input, args.gold, dict_path, "full")}}
    if peer:
        quality["full"]["nlpzero"] = quality_nlpzero(args.input, args.gold, nz_dict, "full")
        quality["full"]["nlpzero"]["lexicon_command"] = wp["nlpzero"]["command"]

    # quality, small slice
    if args.slice_chars > 0:
        s_raw, s_gold = OUT_DIR / "bench_lexicon_slice_raw.txt", OUT_DIR / "bench_lexicon_slice_gold.txt"
        n = make_slice(args.input, args.gold, args.slice_chars, s_raw, s_gold)
        s_dict = OUT_DIR / "bench_lexicon_slice_mentropy.dict"
        s_cmd = cli_cmd(s_raw, s_dict)
        s_run = run_time_v(s_cmd)
        from mentropy.lexicon import build_lexicon
        s_lex = build_lexicon(str(s_raw), progress=False)
        r = s_lex.report
        sl: Dict[str, object] = {
            "chars": n, "bytes": s_raw.stat().st_size, "lines": len(read_lines(s_raw)),
            "lexicon_command": show(cli_cmd(s_raw, s_dict, quiet=False)), "cli_run": s_run,
            "lexicon_report": {"bits_per_char_before": r.bits_per_char_before,
                               "bits_per_char_after": r.bits_per_char_after,
                               "min_count": r.min_count, "n_han": r.n_han,
                               "same_as_cli_output": same_lexicon(s_lex, s_dict)},
            "mentropy": quality_mentropy(s_raw, s_gold, s_dict, "slice")}
        if peer:
            s_nz = OUT_DIR / "bench_lexicon_slice_nlpzero.dict"
            jpath = OUT_DIR / "bench_lexicon_slice_nlpzero_lexicon.json"
            p_cmd = nlpzero_lexicon_cmd(s_raw, s_nz, jpath)
            sl["nlpzero_run"] = run_time_v(p_cmd)
            sl["nlpzero_run"]["in_process"] = read_json(jpath)
            sl["nlpzero"] = quality_nlpzero(s_raw, s_gold, s_nz, "slice")
            sl["nlpzero"]["lexicon_command"] = show(p_cmd)
        quality["slice"] = sl
    res["quality"] = quality

    if args.profile:
        print("profile ...", file=sys.stderr)
        res["profile"] = profile_build(args.input)
    res["loadavg_end"] = list(os.getloadavg())
    print_report(res)
    write_json(args.json, res)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
