"""Write benchmarks/RESULTS.md from the JSON records in benchmarks/out/.

Reads ``bench_count.json``, ``bench_lexicon.json`` and ``bench_segment.json`` (written by
``bench_count.py``, ``bench_lexicon.py`` and ``bench_segment.py``; ``run_all.sh`` runs them all
and then this script) and writes one table per target of issues 2 and 3: the measure,
mentropy's figure, the peer's figure from the same run, the ratio, the target and whether it is
met -- all computed from the records, nothing typed in by hand -- with the exact commands and
the machine and load average of the run under each table.

The section of RESULTS.md between ``<!-- badinput:start -->`` and ``<!-- badinput:end -->``
belongs to ``badinput_matrix.py``: it is kept as it is (moved to the end of the file).

Standard library only::

    python benchmarks/report.py [--out-dir benchmarks/out] [--results benchmarks/RESULTS.md]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

BENCH_DIR = Path(__file__).resolve().parent
BADINPUT_START = "<!-- badinput:start -->"
BADINPUT_END = "<!-- badinput:end -->"
MB = 1e6 / 2 ** 20  # MiB per MB


# --------------------------------------------------------------------------------------------
# formatting


def secs(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.3f} s"


def mcps(x: Optional[float]) -> str:
    return "—" if x is None else f"{x / 1e6:.2f} M chars/s"


def mib(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.0f} MiB"


def ratio(x: Optional[float]) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.2f}×"


def f4(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.4f}"


def pct(x: Optional[float]) -> str:
    return "—" if x is None else f"{100 * x:.2f} %"


class Target:
    """A threshold and how to compare with it."""

    def __init__(self, op: str, value: float, text: str) -> None:
        self.op, self.value, self.text = op, value, text

    def met(self, x: Optional[float]) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "not measured"
        ok = x >= self.value if self.op == ">=" else x < self.value
        return "met" if ok else "**not met**"


def table(rows: List[List[str]]) -> str:
    head = ["measure", "mentropy", "peer (same run)", "ratio", "target", "result"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def row(measure: str, mine: str, peer: str, r: str, target: Optional[Target],
        judged: Optional[float]) -> List[str]:
    return [measure, mine, peer, r, target.text if target else "—",
            target.met(judged) if target else "(information)"]


def machine_text(m: Dict[str, Any], before: Any, after: Any) -> str:
    def load(x: Any) -> str:
        return "/".join(f"{v:.2f}" for v in x) if x else "?"
    return (f"Machine: {m.get('cpu_model')} ({m.get('hypervisor') or 'bare metal'}), "
            f"{m.get('cpus')} cores, {m.get('ram_gib')} GiB RAM; Python {m.get('python')}, "
            f"numpy {m.get('numpy')}, numba {m.get('numba')}, mentropy {m.get('mentropy')} @ "
            f"{m.get('git')}; run {m.get('date')}; load average (1/5/15 min) "
            f"{load(before)} before, {load(after)} after.")


def commands(cmds: List[str]) -> str:
    return "```bash\n" + "\n".join(c for c in cmds if c) + "\n```"


def get(d: Any, *keys: Any, default: Any = None) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


# --------------------------------------------------------------------------------------------
# issue 2


def issue2(lex: Optional[Dict[str, Any]], cnt: Optional[Dict[str, Any]]) -> List[str]:
    out = ["## Issue 2: lexicon induction (`mentropy build-lexicon`)", ""]
    if lex:
        m = lex["machine"]
        mach = machine_text(m, m.get("loadavg"), lex.get("loadavg_end"))
        q = lex["quality"]["full"]
        me, nz = q["mentropy"], q.get("nlpzero", {})
        t = Target(">=", 0.795, "F1 ≥ 0.795")
        out += ["### Quality: word F1 on pd199801 (learn from its raw text, segment it, score "
                "against the gold)", "",
                table([
                    row("word F1", f4(me["f1"]), f"nlp-zero 0.1.6 defaults: {f4(nz.get('f1'))}",
                        ratio(me["f1"] / nz["f1"]) if nz.get("f1") else "—", t, me["f1"]),
                    row("precision / recall", f"{f4(me['precision'])} / {f4(me['recall'])}",
                        f"{f4(nz.get('precision'))} / {f4(nz.get('recall'))}", "—", None, None),
                    row("lexicon size (multi-character)",
                        f"{me['size']:,} ({me['multi_char']:,})",
                        f"{nz.get('size', 0):,} ({nz.get('multi_char', 0):,})", "—", None, None),
                ]), "",
                "Input: `benchmarks/out/pd_raw.txt` ("
                + (f"{q['input_chars']:,} characters, line ends excluded" if q.get("input_chars")
                   else f"{q.get('chars') or 0:,} code points, line ends included")
                + "; "
                "the raw text of `pd199801.txt`, one line per paragraph) and its gold "
                "`benchmarks/out/pd_gold.txt` (`benchmarks/data.py`). "
                f"mentropy's `segment` output equals `Segmenter.cut_many`: "
                f"{me.get('same_as_cut_many')}; `benchmarks/score.py` gives F1 "
                f"{f4(me.get('score_py_f1'))} (mentropy) and {f4(nz.get('score_py_f1'))} "
                "(nlp-zero).", "",
                commands([q.get("lexicon_command"), me.get("segment_command"),
                          me.get("score_command"), nz.get("lexicon_command"),
                          nz.get("segment_command"), nz.get("score_command")]), "", mach, ""]
        sl = lex["quality"].get("slice")
        if sl:
            out += [f"Small corpus (first {sl['chars']:,} characters of pd_raw.txt, "
                    f"{sl['bytes'] / 1e6:.2f} MB, scored against the same lines of the gold): "
                    f"F1 mentropy {f4(get(sl, 'mentropy', 'f1'))}, nlp-zero "
                    f"{f4(get(sl, 'nlpzero', 'f1'))} (no target).", ""]

        ip = lex["in_process"]
        peer = lex.get("nlpzero_in_process_s")
        t = Target(">=", 20.0, "≥ 20×")
        rows = []
        for name in ("text", "path"):
            mine = ip[name]["median_s"]
            r = peer / mine if peer else None
            rows.append(row(f"`{ip[name]['command']}`, median of {len(ip[name]['runs_s'])}",
                            secs(mine), f"nlp-zero `Word_Finder` train + find: {secs(peer)}",
                            ratio(r), t, r))
        out += ["### Speed in-process: `build_lexicon` vs nlp-zero `Word_Finder` (train + find)",
                "", table(rows), "",
                "`build_lexicon(text)` and nlp-zero get pd_raw.txt already in memory (nlp-zero: "
                "its lines in a list); `build_lexicon(path)` reads the file too. Kernels "
                f"compiled (warm-up call first, {secs(ip.get('warmup_s'))}); nlp-zero's time is "
                "measured inside its own process by `peers.py nlpzero-lexicon` (runs: "
                + ", ".join(secs(x) for x in lex.get("nlpzero_in_process_runs_s", [])) + ").",
                "", commands(["python -c 'from mentropy.lexicon import build_lexicon; "
                              "text = open(\"benchmarks/out/pd_raw.txt\").read(); "
                              "build_lexicon(text, progress=False)'   # timed: the call",
                              get(lex, "whole_process", "nlpzero", "command")
                              + "   # timed inside: Word_Finder.train + find"]),
                "", mach, ""]

        wp = lex["whole_process"]
        mw, pw = get(wp, "mentropy", "median"), get(wp, "nlpzero", "median") or {}
        t = Target(">=", 5.0, "≥ 5×")
        n_runs = len(get(wp, "mentropy", "runs", default=[]))
        out += ["### Speed, whole process: `mentropy build-lexicon` vs a whole nlp-zero process",
                "", table([
                    row(f"wall time, median of {n_runs}", secs(mw["wall_s"]),
                        secs(pw.get("wall_s")), ratio(wp.get("ratio_wall")), t,
                        wp.get("ratio_wall")),
                    row("peak RSS (max resident set size)", mib(mw["max_rss_mib"]),
                        mib(pw.get("max_rss_mib")), ratio(wp.get("ratio_rss")), None, None),
                    row("CPU time, user + sys (less sensitive to the load)",
                        secs(mw.get("user_s", 0) + mw.get("sys_s", 0)),
                        secs(pw.get("user_s", 0) + pw.get("sys_s", 0)) if pw else "—",
                        ratio((pw.get("user_s", 0) + pw.get("sys_s", 0))
                              / (mw.get("user_s", 0) + mw.get("sys_s", 0)))
                        if pw and mw.get("user_s") else "—", None, None),
                ]), "",
                "Ratios are nlp-zero / mentropy (higher is better for mentropy). Both under "
                "`/usr/bin/time -v`, runs interleaved, numba cache warm (one untimed mentropy "
                "run first). The nlp-zero process imports, reads the file, trains, finds and "
                "writes its lexicon.", "",
                commands([f"/usr/bin/time -v {get(wp, 'mentropy', 'command')}",
                          f"/usr/bin/time -v {get(wp, 'nlpzero', 'command')}"]), "", mach, ""]

    if cnt:
        m = cnt["machine"]
        mach = machine_text(m, m.get("loadavg"), cnt.get("loadavg_end"))
        tg = cnt.get("target") or {}
        t = Target(">=", 4e6, "≥ 4 M chars/s/core")
        rows = [row(f"{tg.get('input')}: encode + count 1..4 from text in memory, median",
                    mcps(tg.get("chars_per_s_per_core")) + " per core", "— (no peer)", "—", t,
                    tg.get("chars_per_s_per_core"))]
        for rec in cnt["inputs"]:
            name = Path(rec["input"]).name
            for n, c in rec["count"].items():
                rows.append(row(f"{name} ({rec['input_chars']:,} chars): count 1..{n} only, "
                                f"median of {len(c['runs_s'])} (CPU/wall {c['cpu_over_wall']:.2f})",
                                mcps(c["input_chars_per_s"]), "—", "—", None, None))
            rows.append(row(f"{name}: encode only", mcps(rec["encode"]["input_chars_per_s"]),
                            "—", "—", None, None))
        cold = cnt.get("cold_compile")
        if cold:
            parts = [f"encode {cold['encode_compile_s']:.2f} s"] + [
                f"count 1..{n} {cold[f'count{n}_compile_s']:.2f} s" for n in cnt["max_n"]]
            rows.append(row("compile on first call (empty numba cache, fresh process)",
                            ", ".join(parts), "—", "—", None, None))
            c2 = cold.get("cached_second_process")
            if c2:
                parts = [f"import {c2['import_s']:.2f} s",
                         f"encode first call {c2['encode_first_s']:.3f} s"] + [
                    f"count 1..{n} first call {c2[f'count{n}_first_s']:.3f} s"
                    for n in cnt["max_n"]]
                rows.append(row("second process, cache filled (`cache=True`)",
                                ", ".join(parts) + f"; whole process {c2['process_wall_s']:.2f} s",
                                "—", "—", None, None))
        out += ["### Throughput: counting n-grams 1..4", "", table(rows), "",
                "Characters are input code points (line ends excluded). The counting kernels "
                "are serial (CPU time / wall time ≈ 1), so the figure is per core.", "",
                commands([cnt.get("command"), tg.get("command"), get(cold, "command")]), "",
                mach, ""]
    return out


# --------------------------------------------------------------------------------------------
# issue 3


def speed_table(name: str, d: Dict[str, Any], n_runs: int) -> List[str]:
    w1, w2, cli = d["cut_many_w1"], d["cut_many_w2"], d["cli"]
    rj, jb, rp = d["rjieba"], d.get("jieba"), d["rjieba_process"]
    r = d["ratios"]
    t_rj, t_jb = Target(">=", 1.0, "≥ 1× rjieba"), Target(">=", 15.0, "≥ 15× jieba")
    rows = [
        row(f"`cut_many(workers=1)` vs rjieba, median of {n_runs}", mcps(w1["chars_per_s"]),
            f"rjieba: {mcps(rj['chars_per_s'])}", ratio(r["cut_many_w1_over_rjieba"]), t_rj,
            r["cut_many_w1_over_rjieba"]),
        row("`cut_many(workers=1)` vs jieba", mcps(w1["chars_per_s"]),
            f"jieba: {mcps(jb['chars_per_s'])}" if jb else "not run",
            ratio(r.get("cut_many_w1_over_jieba")), t_jb, r.get("cut_many_w1_over_jieba")),
        row("`mentropy segment` cutting (process on the file − process on an empty file) vs "
            "rjieba's cutting", mcps(cli["cutting_chars_per_s"]),
            f"rjieba: {mcps(rj['chars_per_s'])}", ratio(r["cli_cutting_over_rjieba"]), t_rj,
            r["cli_cutting_over_rjieba"]),
        row("`mentropy segment` cutting vs jieba's cutting", mcps(cli["cutting_chars_per_s"]),
            f"jieba: {mcps(jb['chars_per_s'])}" if jb else "not run",
            ratio(r.get("cli_cutting_over_jieba")), t_jb, r.get("cli_cutting_over_jieba")),
        row("whole `mentropy segment` process (start-up "
            f"{secs(cli['startup']['median_s'])} included) vs rjieba's cutting alone",
            mcps(cli["chars_per_s"]), f"rjieba: {mcps(rj['chars_per_s'])}",
            ratio(r["cli_over_rjieba"]), None, None),
        row("whole `mentropy segment` process vs jieba's cutting alone", mcps(cli["chars_per_s"]),
            f"jieba: {mcps(jb['chars_per_s'])}" if jb else "not run",
            ratio(r.get("cli_over_jieba")), None, None),
        row("`cut_many(workers=2)` (scaling over workers=1)", mcps(w2["chars_per_s"]),
            f"rjieba: {mcps(rj['chars_per_s'])}", ratio(r["cut_many_w2_over_w1"]), None, None),
        row("whole process vs whole rjieba process (load, read, cut, write)",
            f"{secs(cli['median_s'])}, peak RSS {mib(cli['max_rss_mib'])}",
            f"{secs(rp['median_s'])}, peak RSS {mib(rp['max_rss_mib'])}",
            ratio(r["cli_process_over_rjieba_process"]), None, None),
        row("rjieba vs jieba (for reference)", "—", "rjieba / jieba", ratio(r.get("rjieba_over_jieba")),
            None, None),
    ]
    return [table(rows), "",
            f"Dictionary `{d['dict']}` ({d['dict_entries']:,} entries), loaded by all three. "
            f"mentropy load {secs(d.get('load_s'))} (not in the cutting times; nor is the peers' "
            f"init: rjieba {secs(rj.get('init_s'))}, jieba "
            f"{secs(jb.get('init_s')) if jb else '—'}). Times: cut_many w1 "
            + ", ".join(secs(x) for x in w1["runs_s"]) + "; w2 "
            + ", ".join(secs(x) for x in w2["runs_s"]) + "; process "
            + ", ".join(secs(x["wall_s"]) for x in cli["runs"]) + "; rjieba "
            + ", ".join(secs(x) for x in rj.get("runs_s", [])) + "; jieba "
            + (", ".join(secs(x) for x in jb.get("runs_s", [])) if jb else "—") + ". "
            f"Same words with 2 workers as with 1: {w2.get('same_as_workers1')}; "
            f"`mentropy segment` output equals `cut_many`: {cli.get('same_as_cut_many')}; "
            f"words: mentropy {w1.get('words', 0):,}, rjieba {rj.get('words', 0):,}, "
            f"jieba {jb.get('words', 0) if jb else 0:,}.", "",
            commands([w1["command"], w2["command"], cli["command"], rj["command"],
                      jb["command"] if jb else None, rp["command"]]), ""]


def issue3(seg: Optional[Dict[str, Any]], lex: Optional[Dict[str, Any]]) -> List[str]:
    out = ["## Issue 3: segmentation (`Segmenter`, `mentropy segment`)", ""]
    if seg:
        m = seg["machine"]
        mach = machine_text(m, seg.get("loadavg_before"), seg.get("loadavg_after"))
        inp = seg["input"]
        n_runs = seg.get("runs", 3)
        out += [f"Input for the speed runs: `{inp['path']}`, {inp['lines']:,} lines, "
                f"{inp['chars']:,} characters (four novels, reviews, People's Daily raw text). "
                "Peers in the peers virtualenv, one call per line (`rjieba`: "
                "`Jieba.empty()` + `add_word` for every dictionary entry, then "
                "`seg.cut(line, hmm=False)`; jieba: `set_dictionary`, then "
                "`list(jieba.cut(line, HMM=False))`), lines in memory, every line's words kept "
                "in one list as `cut_many` keeps them, garbage collector paused during the loop "
                "as `cut_many` does, wall time of the whole loop; medians of "
                f"{n_runs} runs in one process. Ratios: mentropy's chars/s over the peer's.", ""]
        titles = {"jieba_dict": "### Speed with jieba's `dict.txt`",
                  "mentropy_lexicon": "### Speed with a mentropy-built lexicon"}
        for name, d in seg["dicts"].items():
            out += [titles.get(name, f"### Speed: {name}"), ""]
            if name == "mentropy_lexicon":
                b = seg.get("lexicon_build", {})
                out += [f"Lexicon made by `{b.get('command')}` ({secs(b.get('wall_s'))}, "
                        f"peak RSS {mib(b.get('max_rss_mib'))}).", ""]
            out += speed_table(name, d, n_runs)
        out += [mach, ""]

    if lex:
        q = lex["quality"]["full"]
        me, nz = q["mentropy"], q.get("nlpzero", {})
        t = Target(">=", 0.795, "F1 ≥ 0.795")
        m = lex["machine"]
        out += ["### Quality: word F1 with a lexicon built from the raw People's Daily text", "",
                table([row("word F1 on pd199801 (`mentropy segment --lexicon`)", f4(me["f1"]),
                           f"nlp-zero lexicon + its Tokenizer: {f4(nz.get('f1'))}",
                           ratio(me["f1"] / nz["f1"]) if nz.get("f1") else "—", t, me["f1"])]),
                "", "The same run as issue 2's quality table.", "",
                commands([q.get("lexicon_command"), me.get("segment_command"),
                          me.get("score_command")]), "",
                machine_text(m, m.get("loadavg"), lex.get("loadavg_end")), ""]

    if seg and seg.get("agreement"):
        agr = seg["agreement"]
        t = Target(">=", 0.99, "≥ 99 % of lines")
        rows = []
        for name, a in agr.items():
            if not isinstance(a, dict):
                continue
            # the target is for the mode that is jieba's model; mentropy's default atoms keep
            # number runs, latin runs and runs of one mark whole, on purpose (causes below)
            compat = name == "jieba_compatible"
            rows.append(row(f"lines equal to jieba's, `{a['command']}`",
                            f"{pct(a['share_equal'])} ({a['equal_lines']:,} of {a['lines']:,})",
                            "jieba HMM off (reference)", "—", t if compat else None,
                            a["share_equal"] if compat else None))
        out += ["### Agreement with `jieba.cut(HMM=False)` on jieba's `dict.txt`", "",
                table(rows), "",
                f"On `{seg['input']['path']}`; jieba's words are those of the timed jieba run "
                f"(`{agr.get('jieba_command')}`). Differing lines by cause (a line counts once, "
                "under its first cause in this order):", ""]
        for name, a in agr.items():
            if not isinstance(a, dict):
                continue
            out += [f"`{a['command']}`: {a['differing_lines']:,} differing lines", "",
                    "| cause | lines | share of all lines | example (mentropy ‖ jieba) |",
                    "|---|---|---|---|"]
            for cause, n in a["differing_by_cause"].items():
                ex = a["examples"].get(cause) or []
                e = (f"line {ex[0]['line']}: {ex[0]['mentropy']} ‖ {ex[0]['jieba']}"
                     if ex else "—")
                out.append(f"| {a['causes'][cause]} | {n:,} | "
                           f"{pct(a['differing_share_by_cause'][cause])} | "
                           f"{e.replace('|', '¦')} |")
            out.append("")
        out += [machine_text(seg["machine"], seg.get("loadavg_before"),
                             seg.get("loadavg_after")), ""]

    if seg and seg.get("load"):
        ld = seg["load"]
        jd = ld["jieba_dict"]
        d = get(seg, "dicts", "jieba_dict", default={})
        rj_init = get(d, "rjieba", "init_s")
        jb_init = get(d, "jieba", "init_s")
        t_load = Target("<", 1.0, "< 1 s")
        t_rss = Target("<", 150 * MB, "< 150 MB (143 MiB)")
        rows = [
            row(f"`Segmenter.from_lexicon(dict.txt)` ({jd['words']:,.0f} words), median of "
                f"{len(jd['runs'])} fresh processes", secs(jd["load_s"]),
                f"rjieba `Jieba.empty()` + `add_word`: {secs(rj_init)}; jieba "
                f"`set_dictionary` + `initialize` (cached): {secs(jb_init)}",
                ratio(rj_init / jd["load_s"]) if rj_init else "—", t_load, jd["load_s"]),
            row("resident memory the loaded segmenter adds (RSS after loading the 349k-word "
                "dictionary − RSS before, kernels already loaded)", mib(jd["load_increase_mib"]),
                "—", "—", t_rss, jd["load_increase_mib"]),
            row("resident memory of the whole process with the segmenter loaded",
                mib(jd["rss_loaded_mib"]), "—", "—", None, None),
            row("… of which before loading: Python, numpy, the numba runtime and the kernels "
                "(no lexicon)", mib(jd["rss_before_load_mib"]), "—", "—", None, None),
            row("peak RSS of the process (parsing temporaries)", mib(jd["peak_rss_mib"]), "—",
                "—", None, None),
        ]
        ml = ld.get("mentropy_lexicon")
        if ml:
            rows.append(row(f"mentropy lexicon ({ml['words']:,.0f} words): load, RSS loaded",
                            f"{secs(ml['load_s'])}, {mib(ml['rss_loaded_mib'])}", "—", "—",
                            None, None))
        out += ["### Load time and memory of a segmenter with a ~300k-word lexicon", "",
                table(rows), "",
                "Fresh process; the kernels are loaded from numba's cache first (timed apart: "
                f"{secs(jd['import_and_kernels_s'])} for imports and kernels), then the "
                "dictionary is loaded; RSS from `/proc/self/statm`. Ratio: rjieba's load time "
                "over mentropy's.", "", commands([jd.get("command")]), "",
                machine_text(seg["machine"], seg.get("loadavg_before"),
                             seg.get("loadavg_after")), ""]
    return out


# --------------------------------------------------------------------------------------------


def load_json(path: Path) -> Optional[Dict[str, Any]]:
    if not path.is_file():
        print(f"report: {path} missing; its tables are left out", file=sys.stderr)
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def badinput_section(results: Path) -> Optional[str]:
    if not results.is_file():
        return None
    text = results.read_text(encoding="utf-8")
    a, b = text.find(BADINPUT_START), text.find(BADINPUT_END)
    if a < 0 or b < a:
        return None
    return text[a:b + len(BADINPUT_END)]


# results of the later stages, each written by its own script (the commands are in each file)
OTHER_RESULTS = [
    "Later stages keep their results in their own files, each with its commands and machine:",
    "",
    "- [RESULTS_startup.md](RESULTS_startup.md): start-up of the command (first run, warm "
    "runs, --help), whole-process build against nlp-zero (`bench_startup.py`);",
    "- [RESULTS_firsthour.md](RESULTS_firsthour.md): repeated lines, workers "
    "(`bench_dedupe.py`, `bench_workers.py`);",
    "- [RESULTS_phrases.md](RESULTS_phrases.md): phrases (`bench_phrases.py`);",
    "- [RESULTS_templates.md](RESULTS_templates.md) and "
    "[templates_top100.md](templates_top100.md): templates and the parse "
    "(`bench_templates.py`);",
    "- [RESULTS_crf.md](RESULTS_crf.md): the CRF segmenter against python-crfsuite "
    "(`bench_crf.py`);",
    "- [RESULTS_batch.md](RESULTS_batch.md): batch jobs, workers, Dask, memory budget "
    "(`bench_batch.py`).",
    "",
]


def render(out_dir: Path, results: Path) -> str:
    cnt = load_json(out_dir / "bench_count.json")
    lex = load_json(out_dir / "bench_lexicon.json")
    seg = load_json(out_dir / "bench_segment.json")
    lines = ["# Benchmark results", "",
             "Generated by `python benchmarks/report.py` from `benchmarks/out/*.json`, which "
             "`bash benchmarks/run_all.sh` writes (it runs `bench_count.py`, "
             "`bench_lexicon.py`, `bench_segment.py`, then this script). Do not edit the "
             "tables by hand: re-run `run_all.sh`. Every ratio is computed from figures of the "
             "same run; \"met\" compares the figure with the issue's target. Peers (nlp-zero "
             "0.1.6, jieba, rjieba) run in their own virtualenv (`benchmarks/setup_peers.sh`); "
             "how they are timed is in `benchmarks/PEERS.md` and `benchmarks/peers.py`.", "",
             "The machine has 2 cores shared with other work: timings vary by ±20 % between "
             "runs; the load average before and after each run is given under each table.", ""]
    lines += OTHER_RESULTS
    lines += issue2(lex, cnt)
    lines += issue3(seg, lex)
    text = "\n".join(lines).rstrip() + "\n"
    jdict = get(seg, "dicts", "jieba_dict", "dict")
    if jdict and os.sep in jdict:
        # the peers venv's path differs between machines: name it as run_all.sh does
        text = text.replace(jdict, "$JIEBA_DICT")
        text = text.replace("## Issue 2:", "`$JIEBA_DICT` is jieba's bundled `dict.txt` in the "
                            "peers virtualenv: `JIEBA_DICT=$($PEERS_VENV/bin/python "
                            "benchmarks/peers.py jieba-dict)`.\n\n## Issue 2:", 1)
    bad = badinput_section(results)
    if bad:
        text += "\n" + bad + "\n"
    return text


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR / "out")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "RESULTS.md")
    args = parser.parse_args(argv)
    text = render(args.out_dir, args.results)
    tmp = args.results.with_name(args.results.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.results)
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
