"""Phrases (DESIGN §5, issue 9): compound names of the classic novels, PD word F1 unchanged.

Run with the project's virtualenv, after ``python benchmarks/data.py``::

    python benchmarks/bench_phrases.py            # four novels + People's Daily
    python benchmarks/bench_phrases.py --no-pd    # the novels only

What is measured:

novels
    For each classic novel alone (``<shared>/corpora/novels/*.txt``): ``build_lexicon(path)``
    and ``build_phrases(path, lexicon)`` with default options; the words (multi-character
    entries of the lexicon) and the phrases are put in one list, ranked by count (an entry in
    both counts twice), and the recall of the names of ``benchmarks/data/novel_names.json``
    among its 3,000 most frequent entries is reported (target: >= 0.98), with the recall of
    the lexicon alone for comparison. The missed names are listed with where they are.
PD
    ``build_lexicon`` and ``build_phrases`` on ``benchmarks/out/pd_raw.txt``; the raw text is
    cut by the lexicon alone and by a segmenter holding the phrases at ``level="word"`` (the
    two outputs must be identical, so the word F1 against ``pd_gold.txt`` cannot move), then
    at ``level="phrase"`` (F1 against the PKU gold for information: PKU splits the compounds
    phrases keep whole). Whether 国务院总理 and 新华社记者 are phrases (or inside one).

Timings are wall seconds of one call after a warm-up (numba cache warm), on a machine shared
with other work. Prints a report and writes ``benchmarks/out/bench_phrases.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from bench_count import machine, machine_line, write_json  # noqa: E402
from data import corpora_dir  # noqa: E402
from score import score_lines  # noqa: E402

OUT_DIR = BENCH_DIR / "out"
NAMES = BENCH_DIR / "data" / "novel_names.json"
NOVELS = ["红楼梦", "西游记", "三国演义", "水浒传"]
FEATURED = ["王夫人", "邢夫人", "凤姐儿", "太上老君", "观音菩萨", "齐天大圣", "唐三藏", "沙和尚"]
TOP = 3000
TARGET_RECALL = 0.98
FIXED_PHRASINGS = ("且听下回分解", "且看下文分解")
SWEEP = [(3.0, 5.0, 7.0), (2.0, 3.0, 4.0), (1.0, 2.0, 3.0), (0.5, 1.0, 1.5)]


def ranked_entries(lexicon, phrases) -> List[tuple]:
    """(entry, count, layer) of the multi-char words and the phrases, count desc then entry."""
    rows = [(w, int(c), "word") for w, c in lexicon.most_common() if len(w) > 1]
    rows += [(w, int(c), "phrase") for w, c in phrases.most_common()]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def name_recall(names: List[str], rows: List[tuple], top: int) -> Dict[str, object]:
    """Recall of `names` among the first `top` rows, and where each missed name is."""
    rank = {}
    for i, (w, _, layer) in enumerate(rows):
        rank.setdefault(w, (i + 1, layer))
    found = [n for n in names if n in rank and rank[n][0] <= top]
    missed = {n: (f"rank {rank[n][0]} ({rank[n][1]})" if n in rank else "absent")
              for n in names if n not in found}
    # a missed name may live inside a longer entry that is found (牛魔 in 牛魔王)
    inside = [n for n in missed if any(n in w for w, _, _ in rows[:top])]
    return {"names": len(names), "found": len(found), "recall": len(found) / len(names),
            "missed": missed, "missed_but_inside_a_found_entry": inside,
            "recall_found_or_inside": (len(found) + len(inside)) / len(names)}


def fragments(phrases, text: str) -> Dict[str, object]:
    """Phrases inside a fixed phrasing (且听 in 且听下回分解): count as a phrase and uses outside
    the phrasing in the text (a fragment may only keep those)."""
    out = {}
    for fixed in FIXED_PHRASINGS:
        whole = text.count(fixed)
        if whole == 0:
            continue
        parts = {p: {"phrase": int(c), "alone_in_text": text.count(p) - whole}
                 for p, c in phrases.most_common() if p != fixed and p in fixed}
        out[fixed] = {"in_text": whole, "phrase": int(phrases[fixed]) if fixed in phrases else 0,
                      "fragments": parts}
    return out


def sweep(source: str, seg, names: List[str] | None, lexicon) -> List[Dict[str, object]]:
    """build_phrases with other cohesion thresholds: final description length (lower is
    better: the same objective), number of phrases, recall of the names."""
    import mentropy
    from mentropy.wordcorpus import encode_words

    words = encode_words(open(source, encoding="utf-8").read().splitlines(), seg)
    rows = []
    for th in SWEEP:
        ph = mentropy.build_phrases(words, seg, thresholds=th)
        row = {"thresholds": th, "final_dl_nats": round(ph.report.description_length[-1]),
               "phrases": len(ph)}
        if names is not None:
            row["recall"] = name_recall(names, ranked_entries(lexicon, ph), TOP)["recall"]
        rows.append(row)
    return rows


def bench_novel(name: str, names: Dict[str, int], with_sweep: bool) -> Dict[str, object]:
    import mentropy
    from mentropy.segment import Segmenter

    path = str(corpora_dir() / "novels" / f"{name}.txt")
    t0 = time.perf_counter()
    lexicon = mentropy.build_lexicon(path, progress=False)
    t1 = time.perf_counter()
    seg = Segmenter.from_lexicon(lexicon)
    phrases = mentropy.build_phrases(path, seg, progress=False)
    t2 = time.perf_counter()
    rows = ranked_entries(lexicon, phrases)
    words_only = ranked_entries(lexicon, mentropy.Lexicon([], []))
    seg.add_phrases(phrases)
    featured = {}
    for f in FEATURED:
        if f in names:
            layer = "phrase" if f in phrases else "word" if f in lexicon else "absent"
            count = phrases[f] if f in phrases else lexicon[f] if f in lexicon else 0
            featured[f] = {"layer": layer, "count": count, "in_text": names[f]}
    sample = "毕竟不知性命何如，且听下回分解。"
    rec = {
        "chars": sum(len(line) for line in open(path, encoding="utf-8")),
        "lexicon_words": len(lexicon), "phrases": len(phrases),
        "build_lexicon_s": round(t1 - t0, 2), "build_phrases_s": round(t2 - t1, 2),
        "phrase_report": phrases.report.summary(),
        "recall": name_recall(list(names), rows, TOP),
        "recall_words_only": name_recall(list(names), words_only, TOP),
        "featured": featured,
        "top_phrases": phrases.most_common(40),
        "sample_word_level": seg.lcut(sample),
        "sample_phrase_level": seg.lcut(sample, level="phrase"),
    }
    rec["fixed_phrasings"] = fragments(phrases, open(path, encoding="utf-8").read())
    if with_sweep:
        rec["sweep"] = sweep(path, Segmenter.from_lexicon(lexicon), list(names), lexicon)
    return rec


def bench_pd(with_sweep: bool) -> Dict[str, object]:
    import mentropy
    from mentropy.segment import Segmenter

    raw, gold = OUT_DIR / "pd_raw.txt", OUT_DIR / "pd_gold.txt"
    if not raw.exists():
        raise SystemExit(f"{raw} missing: run python benchmarks/data.py first")
    lines = raw.read_text(encoding="utf-8").splitlines()
    gold_lines = gold.read_text(encoding="utf-8").splitlines()
    t0 = time.perf_counter()
    lexicon = mentropy.build_lexicon(str(raw), progress=False)
    t1 = time.perf_counter()
    plain = Segmenter.from_lexicon(lexicon)
    phrases = mentropy.build_phrases(str(raw), plain, progress=False)
    t2 = time.perf_counter()
    layered = Segmenter.from_lexicon(lexicon, phrases=phrases)
    t3 = time.perf_counter()
    words = plain.cut_many(lines)
    t4 = time.perf_counter()
    words_layered = layered.cut_many(lines, level="word")
    phrase_level = layered.cut_many(lines, level="phrase")
    t5 = time.perf_counter()
    n_chars = sum(map(len, lines))
    word_f1 = score_lines(gold_lines, (" ".join(w) for w in words))
    phrase_f1 = score_lines(gold_lines, (" ".join(w) for w in phrase_level))
    probes = {}
    for p in ("国务院总理", "新华社记者", "中共中央总书记", "国家主席"):
        inside = [(w, int(c)) for w, c in phrases.most_common() if p in w][:5]
        probes[p] = {"phrase": int(phrases[p]) if p in phrases else 0,
                     "word": int(lexicon[p]) if p in lexicon else 0,
                     "in_text": sum(line.count(p) for line in lines), "phrases_holding": inside,
                     "word_level": plain.lcut(p)}
    n_words = sum(map(len, words))
    n_tokens = sum(map(len, phrase_level))
    return {
        "sweep": sweep(str(raw), plain, None, lexicon) if with_sweep else None,
        "chars": n_chars, "lexicon_words": len(lexicon), "phrases": len(phrases),
        "build_lexicon_s": round(t1 - t0, 2), "build_phrases_s": round(t2 - t1, 2),
        "phrase_layer_s": round(t3 - t2, 2), "phrase_report": phrases.report.summary(),
        "word_level_identical_with_phrases_loaded": words == words_layered,
        "word_f1": word_f1, "phrase_level_f1_vs_pku_gold": phrase_f1,
        "word_tokens": n_words, "phrase_level_tokens": n_tokens,
        "share_of_words_joined": round(1 - n_tokens / n_words, 4),
        "cut_word_level_chars_per_s": round(n_chars / (t4 - t3)),
        "cut_word_plus_phrase_level_chars_per_s": round(2 * n_chars / (t5 - t4)),
        "probes": probes, "top_phrases": phrases.most_common(40),
    }


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-pd", action="store_true", help="skip the People's Daily part")
    ap.add_argument("--sweep", action="store_true",
                    help="also rebuild the phrases with other cohesion thresholds")
    ap.add_argument("--json", type=Path, default=OUT_DIR / "bench_phrases.json")
    args = ap.parse_args(argv)
    import mentropy

    # warm-up: compile or load every kernel once
    mentropy.build_phrases(None, mentropy.Segmenter(["王", "夫人"], [2, 3]),
                           texts=["王夫人来了。"] * 5)
    names_all = json.loads(NAMES.read_text(encoding="utf-8"))
    record: Dict[str, object] = {"machine": machine(), "novels": {}}
    print(machine_line(record["machine"]))  # type: ignore[arg-type]
    for novel in NOVELS:
        rec = bench_novel(novel, names_all[novel], args.sweep)
        record["novels"][novel] = rec  # type: ignore[index]
        r = rec["recall"]
        print(f"{novel}: {rec['chars']:,} chars; {rec['lexicon_words']:,} words, "
              f"{rec['phrases']:,} phrases in {rec['build_phrases_s']} s; recall of "
              f"{r['names']} names in the top {TOP}: {r['recall']:.3f} "
              f"({'met' if r['recall'] >= TARGET_RECALL else 'NOT met'}); words alone "
              f"{rec['recall_words_only']['recall']:.3f}; missed {r['missed']}, of which "
              f"inside a longer found entry: {r['missed_but_inside_a_found_entry']}")
        print(f"  featured: {rec['featured']}")
        print(f"  {' '.join(rec['sample_word_level'])}  ->  "
              f"{' '.join(rec['sample_phrase_level'])}")
        print(f"  fixed phrasings: {rec['fixed_phrasings']}")
        for row in rec.get("sweep") or []:
            print(f"  sweep {row}")
    if not args.no_pd:
        pd = bench_pd(args.sweep)
        record["pd"] = pd
        print(f"PD: {pd['chars']:,} chars; {pd['phrases']:,} phrases in "
              f"{pd['build_phrases_s']} s; word F1 {pd['word_f1']['f1']:.4f}, identical output "
              f"with phrases loaded: {pd['word_level_identical_with_phrases_loaded']}; "
              f"phrase-level F1 vs PKU gold {pd['phrase_level_f1_vs_pku_gold']['f1']:.4f}; "
              f"{pd['share_of_words_joined']:.1%} of word tokens joined into phrases")
        for row in pd.get("sweep") or []:
            print(f"  sweep {row}")
        for p, v in pd["probes"].items():
            print(f"  {p}: phrase {v['phrase']}, in text {v['in_text']}, "
                  f"held by {v['phrases_holding']}")
    write_json(args.json, record)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
