"""Templates and the shallow parse (DESIGN §5, issue 9): counts, code length, speed.

Run with the project's virtualenv, after ``python benchmarks/data.py``::

    python benchmarks/bench_templates.py              # PD + novels + nlp-zero (peers venv)
    python benchmarks/bench_templates.py --no-peer    # without nlp-zero

What is measured (one process, numba cache warm after a small warm-up run):

PD
    The default lexicon of ``benchmarks/out/pd_raw.txt`` (``build_lexicon`` with default
    options, saved as ``out/pd.dict``; reused when present). ``mine_templates`` with default
    options: templates kept after the MDL pruning, how many have >= 2 fixed words, the code
    length in bits per word before (flat) and after (with templates), per round. Wall times of
    the stages: cutting into words, skip-gram links + candidates (the part nlp-zero's
    Template_Finder does: train + find), the whole mining (links, candidates, hard EM, fillers).
nlp-zero
    ``Template_Finder(window=5)`` train + find, in the peers venv, on the same words
    (``out/pd_seg_tab.txt``: the lines cut by the same lexicon, words separated by tabs), in
    the same run; ratios are nlp-zero's time over ours.
parse
    ``Parser.parse_many`` on all PD lines: characters per second of the kernel alone, of the
    whole call (segmentation, kernel, trees), and with the JSON lines the CLI writes
    (``to_json_line``); wall and CPU time. Single core (no parallel code). Then ``A和B和…``
    lines of 10 … 10,000 conjuncts (CPU time, best of 7 parses each, as the machine is
    shared), with the PD templates plus ``X和X``: time per conjunct stays flat (linear time).
novels
    The four novels together: their own lexicon (``out/novels.dict``) and templates.

Writes ``out/bench_templates.json``, ``out/pd_templates.jsonl``, ``out/novels_templates.jsonl``
and the top-100 tables ``out/top100_pd.md``, ``out/top100_novels.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from bench_count import machine, machine_line, write_json  # noqa: E402
from data import corpora_dir  # noqa: E402

OUT = BENCH_DIR / "out"
PEER_PY = Path(os.environ.get("PEERS_VENV", Path.home() / ".cache" / "mentropy-peers")) \
    / "bin" / "python"


def lexicon_for(paths: List[str], cached: Path):
    """The default lexicon of `paths` (built once, then read from `cached`)."""
    import mentropy

    if not cached.exists():
        t = time.perf_counter()
        mentropy.build_lexicon(paths, progress=False).save(cached)
        print(f"built {cached.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return mentropy.Lexicon.load(cached)


def read_lines(paths: List[str]) -> List[str]:
    from mentropy.corpus import iter_lines

    return [line for _, line, _ in iter_lines(paths, progress=False)]


def mine(lines: List[str], lexicon, name: str) -> Dict[str, object]:
    """Mine with stage timings; saves the templates and the top-100 table."""
    from mentropy.mining import (candidates, default_min_count, mine_word_corpus, strong_links,
                                 token_table)
    from mentropy.segment import Segmenter
    from mentropy.templates import TemplateOptions
    from mentropy.wordcorpus import encode_words

    seg = Segmenter.from_lexicon(lexicon)
    opts = TemplateOptions()
    mine_word_corpus(encode_words(lines[:300], seg), seg, opts)  # warm-up: numba cache
    t0 = time.perf_counter()
    wc = encode_words(lines, seg)
    t_cut = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    strings, tok_of_word, punct = token_table(wc, opts.classes)
    min_count = opts.min_count or default_min_count(wc.n_tokens)
    links = strong_links(wc, tok_of_word, len(strings), opts, min_count)
    elements, _ = candidates(wc, tok_of_word, punct, links, opts, min_count)
    t_cand, c_cand = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    found = mine_word_corpus(wc, seg, opts)
    t_mine, c_mine = time.perf_counter() - t0, time.process_time() - c0
    found.save(OUT / f"{name}_templates.jsonl")
    (OUT / f"top100_{name}.md").write_text(top_table(found, 100), encoding="utf-8")
    if name == "pd":
        with open(OUT / "pd_seg_tab.txt", "w", encoding="utf-8") as f:
            for i in range(wc.n_lines):
                f.write("\t".join(wc.line(i)) + "\n")
    report = found.report
    return {"lines": wc.n_lines, "tokens": wc.n_tokens, "chars": sum(map(len, lines)),
            "strong_links": int(links.shape[0]), "candidates": len(elements),
            "templates": len(found), "templates_2plus_fixed": sum(t.n_fixed >= 2 for t in found),
            "templates_2plus_fixed_words": sum(n_words(t) >= 2 for t in found),
            "rounds": [r.__dict__ for r in report],
            "bits_per_word_flat": report[0].bits_per_word,
            "bits_per_word_templates": report[-1].bits_per_word,
            "bits_per_word_with_descriptions": report[-1].model_bits_per_word,
            "gain_bits_per_word": report[0].bits_per_word - report[-1].model_bits_per_word,
            "seconds_cut": t_cut, "seconds_links_candidates": t_cand, "seconds_mining": t_mine,
            "cpu_links_candidates": c_cand, "cpu_mining": c_mine,
            "seconds_total": t_cut + t_mine}


def n_words(t) -> int:
    """Fixed tokens of a template that hold a Han character or a digit/letter (not marks)."""
    return sum(1 for x in t.tokens if x is not None and any(ch.isalnum() for ch in x))


def top_table(found, n: int) -> str:
    rows = ["| # | template | count | gain (bits) | top fillers per placeholder |",
            "|---|---|---|---|---|"]
    for i, t in enumerate(found[:n], 1):
        slots = " ‖ ".join("、".join(f"{w}({c})" for w, c in s[:4]) for s in t.slots)
        rows.append(f"| {i} | `{t.pattern()}` | {t.count} | {t.gain:,.0f} | "
                    f"{slots.replace('|', '¦')} |")
    return "\n".join(rows) + "\n"


def parse_speed(lines: List[str], lexicon, templates_path: Path) -> Dict[str, object]:
    import numpy as np

    from mentropy._kernels import spans as KS
    from mentropy.parse import CHUNK_TOKENS, STATES_PER_POSITION, Parser
    from mentropy.templates import Templates

    parser = Parser(Templates.load(templates_path), lexicon)
    parser.parse_many(lines[:50])
    chars = sum(map(len, lines))
    t0, c0 = time.perf_counter(), time.process_time()
    trees = parser.parse_many(lines)
    t_all, c_all = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    for tree in trees:
        tree.to_json_line()
    t_json, c_json = time.perf_counter() - t0, time.process_time() - c0
    words = parser.segmenter.cut_many(lines)
    rows = np.array([parser._index[w] for ws in words for w in ws], dtype=np.int64)
    arrays = [a[rows] for a in parser._rows]
    offsets = np.zeros(len(lines) + 1, np.int64)
    np.cumsum([len(ws) for ws in words], out=offsets[1:])
    t0 = time.perf_counter()
    KS.parse_lines(*arrays, offsets, *parser._trie, parser._tlp, parser._ptr, parser._elems,
                   parser.gap_cost, parser.max_span, STATES_PER_POSITION, CHUNK_TOKENS)
    t_kernel = time.perf_counter() - t0
    blocks = sum(len(t.blocks()) for t in trees)
    return {"chars": chars, "seconds_parse_many": t_all, "seconds_kernel": t_kernel,
            "seconds_json": t_json, "chars_per_s_parse_many": chars / t_all,
            "chars_per_s_kernel": chars / t_kernel,
            "chars_per_s_with_json": chars / (t_all + t_json),
            "cpu_chars_per_s_parse_many": chars / c_all,
            "cpu_chars_per_s_with_json": chars / (c_all + c_json),
            "blocks": blocks, "lines_with_blocks": sum(bool(t.blocks()) for t in trees),
            "capped_lines": sum(t.capped for t in trees)}


def coordination(lexicon, templates_path: Path) -> List[Dict[str, object]]:
    """Parse time of A和B和… lines with the PD templates plus X和X (count 5,000), so that
    every split of the coordination is a candidate reading."""
    from mentropy.parse import Parser
    from mentropy.templates import Template, Templates

    found = Templates.load(templates_path)
    found = Templates(list(found) + [Template((None, "和", None), 5000, 0.0)],
                      lexicon_digest=found.lexicon_digest, n_units=found.n_units,
                      options=found.options)
    parser = Parser(found, lexicon)
    nouns = ["北京", "上海", "天津", "重庆", "广东", "江苏", "浙江", "山东", "河北", "湖南"]
    out = []
    for k in (10, 30, 100, 300, 1000, 3000, 10000):
        text = "和".join(nouns[i % len(nouns)] for i in range(k))
        times = []
        for _ in range(7):
            t0 = time.process_time()
            tree = parser.parse(text)
            times.append(time.process_time() - t0)
        med = min(times)
        out.append({"conjuncts": k, "chars": len(text), "seconds": med,
                    "us_per_conjunct": med / k * 1e6, "blocks": len(tree.blocks()),
                    "capped": tree.capped})
    return out


def peer(seg_path: Path) -> Dict[str, object] | None:
    if not PEER_PY.exists():
        print(f"no peers venv at {PEER_PY}: nlp-zero skipped", file=sys.stderr)
        return None
    out = OUT / "nlpzero_templates.json"
    subprocess.run([str(PEER_PY), str(BENCH_DIR / "peer_templates.py"), "--input", str(seg_path),
                    "--json", str(out)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-peer", action="store_true", help="skip nlp-zero")
    ap.add_argument("--no-novels", action="store_true", help="skip the four novels")
    args = ap.parse_args()
    raw = OUT / "pd_raw.txt"
    if not raw.exists():
        raise SystemExit(f"{raw} is missing: run python benchmarks/data.py first")
    record: Dict[str, object] = {"machine": machine()}
    print(machine_line(record["machine"]))  # type: ignore[arg-type]
    pd_lex = lexicon_for([str(raw)], OUT / "pd.dict")
    lines = read_lines([str(raw)])
    pd = mine(lines, pd_lex, "pd")
    record["pd"] = pd
    print(f"PD: {pd['templates']:,} templates ({pd['templates_2plus_fixed']:,} with >= 2 fixed "
          f"tokens, {pd['templates_2plus_fixed_words']:,} with >= 2 fixed words); "
          f"{pd['bits_per_word_flat']:.4f} -> {pd['bits_per_word_templates']:.4f} "
          f"bits/word ({pd['bits_per_word_with_descriptions']:.4f} with descriptions: gain "
          f"{pd['gain_bits_per_word']:.4f}); cut {pd['seconds_cut']:.2f} s, links+candidates "
          f"{pd['seconds_links_candidates']:.2f} s, mining {pd['seconds_mining']:.2f} s")
    if not args.no_peer:
        nz = peer(OUT / "pd_seg_tab.txt")
        if nz is not None:
            record["nlpzero"] = nz
            record["ratio_vs_links_candidates"] = nz["total_s"] / pd["seconds_links_candidates"]
            record["ratio_vs_mining"] = nz["total_s"] / pd["seconds_mining"]
            record["cpu_ratio_vs_links_candidates"] = nz["cpu_s"] / pd["cpu_links_candidates"]
            record["cpu_ratio_vs_mining"] = nz["cpu_s"] / pd["cpu_mining"]
            print(f"nlp-zero Template_Finder: {nz['total_s']:.2f} s ({nz['templates']:,} "
                  f"templates, {nz['templates_2plus_fixed']:,} with >= 2 fixed words); "
                  f"x{record['ratio_vs_links_candidates']:.1f} vs links+candidates, "
                  f"x{record['ratio_vs_mining']:.2f} vs the whole mining (CPU time: "
                  f"x{record['cpu_ratio_vs_links_candidates']:.1f}, "
                  f"x{record['cpu_ratio_vs_mining']:.2f})")
    sp = parse_speed(lines, pd_lex, OUT / "pd_templates.jsonl")
    record["parse"] = sp
    print(f"parse (CPU time): {sp['cpu_chars_per_s_parse_many']:,.0f} chars/s, with JSON "
          f"{sp['cpu_chars_per_s_with_json']:,.0f} chars/s")
    print(f"parse: {sp['chars_per_s_parse_many']:,.0f} chars/s (parse_many), kernel "
          f"{sp['chars_per_s_kernel']:,.0f} chars/s, with JSON {sp['chars_per_s_with_json']:,.0f}"
          f" chars/s; {sp['blocks']:,} blocks, {sp['capped_lines']:,} capped lines")
    record["coordination"] = coordination(pd_lex, OUT / "pd_templates.jsonl")
    for c in record["coordination"]:  # type: ignore[union-attr]
        print(f"  {c['conjuncts']:>5} conjuncts: {c['seconds'] * 1e3:8.2f} ms "
              f"({c['us_per_conjunct']:.1f} us per conjunct, {c['blocks']} blocks)")
    if not args.no_novels:
        paths = sorted(str(p) for p in (corpora_dir() / "novels").glob("*.txt"))
        nov_lex = lexicon_for(paths, OUT / "novels.dict")
        nov = mine(read_lines(paths), nov_lex, "novels")
        record["novels"] = nov
        print(f"novels: {nov['templates']:,} templates; {nov['bits_per_word_flat']:.4f} -> "
              f"{nov['bits_per_word_with_descriptions']:.4f} bits/word with descriptions; mining "
              f"{nov['seconds_mining']:.2f} s")
    write_json(OUT / "bench_templates.json", record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
