"""CRF segmenter benchmark (issue 10): mentropy's CRF against python-crfsuite, same run.

Supervised protocol. ``pd199801.txt`` (People's Daily, January 1998, PKU standard) has no
document ids in this release and one paragraph per line, the articles in order; the split is
by position: the first 17,536 non-empty lines (nine tenths, rounded down) train, the last 1,948
(the articles of the end of the month) test. Both CRFs see the same units (mentropy's atoms:
a Han character, a number or latin run, a time word, a run of one mark), the same BMES labels
and the same feature templates (symbols at -2..2, pairs (-2,-1) (-1,0) (0,1) (1,2) (-1,1),
class trigram, bias; on width-folded text), and run 200 L-BFGS iterations with c2 = 1 and the
other stopping rules off (epsilon = delta = 0), so both do exactly 200 iterations.

    python benchmarks/bench_crf.py supervised [--iterations 200] [--json out.json]
    python benchmarks/bench_crf.py silver --iterations 100 [--variants a,b] [--json out.json]

Training time: mentropy's is ``train_gold`` from gold lines (units, features, L-BFGS), in a
fresh process; crfsuite's is ``Trainer.train`` alone (its data were appended before the clock
starts). Memory: peak RSS (ru_maxrss) of each training process. Decoding: the whole raw
People's Daily text (1.84 M characters), text in, segmented text out for mentropy
(``segmented_blocks``); for crfsuite, feature strings built from the same units plus
``Tagger.tag`` per line (the units themselves are given to it for free). Median of 3 runs each.
The peers run in their own virtualenv ($PEERS_VENV, default ~/.cache/mentropy-peers).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
N_TRAIN = 17536
PEERS_VENV = Path(os.environ.get("PEERS_VENV", Path.home() / ".cache" / "mentropy-peers"))
PEERS_PY = PEERS_VENV / "bin" / "python"
TAGS = "BMES"


def shared_pd() -> Path:
    base = Path(os.environ.get("MENTROPY_SHARED", REPO.parent / "shared"))
    return base / "corpora" / "pd199801.txt"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict:
    info = {"python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
        info["load_avg_1m"] = os.getloadavg()[0]
    except (OSError, StopIteration):
        pass
    return info


# -- data (project venv) -----------------------------------------------------------------------


def prepare(out: Path) -> dict:
    """Write the split (gold and raw text) and the units of each part for the peer."""
    import numpy as np

    from mentropy import crf_features as F
    from mentropy.pd1998 import pd1998_raw_and_gold

    raw, gold = pd1998_raw_and_gold(shared_pd())
    parts = {"train": (raw[:N_TRAIN], gold[:N_TRAIN]), "test": (raw[N_TRAIN:], gold[N_TRAIN:]),
             "all": (raw, gold)}
    for name, (r, g) in parts.items():
        (out / f"{name}_raw.txt").write_text("".join(x + "\n" for x in r), encoding="utf-8")
        (out / f"{name}_gold.txt").write_text("".join("  ".join(w) + "\n" for w in g),
                                              encoding="utf-8")
        units = F.make_units(r)
        tags = F.gold_tags(units, g)
        np.savez(out / f"{name}_units.npz", sym=units.sym, cls=units.cls,
                 line_units=units.line_units, tags=tags, starts=units.starts, ends=units.ends)
    return {"train_lines": N_TRAIN, "test_lines": len(raw) - N_TRAIN,
            "train_chars": sum(map(len, raw[:N_TRAIN])),
            "test_chars": sum(map(len, raw[N_TRAIN:]))}


def words_from_tags(texts, units_npz, tags):
    """Word lists of `texts` from unit tags (B/S begin a word)."""
    import numpy as np

    z = np.load(units_npz)
    starts, line_units = z["starts"], z["line_units"]
    joined = "".join(texts)
    begin = starts[(tags == 0) | (tags == 3)]
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    line_chars = np.concatenate([[0], np.cumsum(lens)])
    b = np.union1d(begin, line_chars)
    lo = np.searchsorted(b, line_chars).tolist()
    bl = b.tolist()
    out = []
    for i in range(len(texts)):
        bb = bl[lo[i]:lo[i + 1] + 1]
        out.append([joined[s:e] for s, e in zip(bb[:-1], bb[1:])])
    return out


def scores(gold_lines, pred_lines, train_words) -> dict:
    from mentropy.evaluate import score

    s = score(gold_lines, pred_lines, train_words)
    return {"f1": round(s.f1, 5), "precision": round(s.precision, 5),
            "recall": round(s.recall, 5), "oov_recall": round(s.oov_recall or 0.0, 5),
            "n_oov": s.n_oov}


# -- mentropy (project venv, one process per measurement) --------------------------------------


def ours_train(out: Path, iterations: int, hash_bits: int, c2: float,
               pmi: bool = False, parse: tuple[str, str] | None = None) -> dict:
    from mentropy.crf import CRFSegmenter
    from mentropy.crf_features import FeatureOptions

    lines = (out / "train_gold.txt").read_text(encoding="utf-8").splitlines()
    warm = CRFSegmenter(FeatureOptions(hash_bits=12))  # compile / load the kernels first
    warm.train_gold(lines[:20], max_iterations=2, progress=False)
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    crf = CRFSegmenter(FeatureOptions(hash_bits=hash_bits, pmi_features=pmi),
                       **(dict(templates=parse[0], parse_lexicon=parse[1]) if parse else {}))
    crf.train_gold(lines, max_iterations=iterations, c2=c2, epsilon=0.0, delta=0.0,
                   progress=False)
    seconds = time.perf_counter() - t0
    crf.save(out / "ours.crf")
    return {"seconds": round(seconds, 2), "optimiser_seconds": round(crf.report.seconds, 2),
            "iterations": crf.report.iterations, "stopped": crf.report.stopped,
            "features": crf.report.n_features, "peak_rss_mb": round(peak_rss_mb(), 1),
            "rss_before_mb": round(rss0, 1)}


def ours_decode(out: Path, runs: int) -> dict:
    from mentropy.crf import CRFSegmenter

    crf = CRFSegmenter.load(out / "ours.crf")
    texts = (out / "all_raw.txt").read_text(encoding="utf-8").splitlines()
    test = (out / "test_raw.txt").read_text(encoding="utf-8").splitlines()
    (out / "ours_test_pred.txt").write_text("".join(crf.segmented_blocks(test)), encoding="utf-8")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        text = "".join(crf.segmented_blocks(texts))
        times.append(time.perf_counter() - t0)
    chars = sum(map(len, texts))
    assert text.replace(" ", "").replace("\n", "") == "".join(texts).replace(" ", "")
    med = statistics.median(times)
    return {"chars": chars, "seconds": [round(t, 3) for t in times],
            "chars_per_s": round(chars / med)}


# -- python-crfsuite (peers venv) --------------------------------------------------------------


def _symbol_strings(sym):
    special = {0x110001: "<NUM>", 0x110002: "<LAT>", 0x110003: "<TIME>", 0x110004: "<SP>"}
    return [special.get(s) or chr(s) for s in sym.tolist()]


def peer_features(sym, cls, line_units):
    """Feature strings of each line in turn (crfsuite's input; a generator, so that only one
    line's strings are alive), the same templates as mentropy's."""
    strs = _symbol_strings(sym)
    classes = [str(c) for c in cls.tolist()]
    lu = line_units.tolist()
    for i in range(len(lu) - 1):
        s = ["<B>", "<B>"] + strs[lu[i]:lu[i + 1]] + ["<E>", "<E>"]
        c = ["0"] + classes[lu[i]:lu[i + 1]] + ["0"]
        yield ([["u-2=" + s[t], "u-1=" + s[t + 1], "u0=" + s[t + 2], "u1=" + s[t + 3],
                     "u2=" + s[t + 4], "b-2=" + s[t] + s[t + 1], "b-1=" + s[t + 1] + s[t + 2],
                     "b0=" + s[t + 2] + s[t + 3], "b1=" + s[t + 3] + s[t + 4],
                     "b-11=" + s[t + 1] + s[t + 3], "c=" + c[t] + c[t + 1] + c[t + 2], "bias"]
                    for t in range(len(s) - 4)])


def peer_train(out: Path, iterations: int, c2: float) -> dict:
    import numpy as np
    import pycrfsuite

    z = np.load(out / "train_units.npz")
    xs = peer_features(z["sym"], z["cls"], z["line_units"])
    tags, lu = z["tags"].tolist(), z["line_units"].tolist()
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for i, x in enumerate(xs):
        if x:
            trainer.append(x, [TAGS[t] for t in tags[lu[i]:lu[i + 1]]])
    trainer.set_params({"c1": 0.0, "c2": c2, "max_iterations": iterations, "epsilon": 0.0,
                        "delta": 0.0})
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    trainer.train(str(out / "peer.crfsuite"))
    seconds = time.perf_counter() - t0
    log = trainer.logparser
    return {"seconds": round(seconds, 2), "iterations": len(log.iterations),
            "features": int(log.num_features) if hasattr(log, "num_features") else None,
            "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_train_mb": round(rss0, 1)}


def peer_tag(out: Path, runs: int) -> dict:
    import numpy as np
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(out / "peer.crfsuite"))
    zt = np.load(out / "test_units.npz")
    pred = []
    for x in peer_features(zt["sym"], zt["cls"], zt["line_units"]):
        pred.extend(TAGS.index(t) for t in tagger.tag(x)) if x else None
    np.save(out / "peer_test_tags.npy", np.array(pred, dtype=np.int8))
    z = np.load(out / "all_units.npz")
    sym, cls, lu = z["sym"], z["cls"], z["line_units"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for x in peer_features(sym, cls, lu):
            if x:
                tagger.tag(x)
        times.append(time.perf_counter() - t0)
    texts = (out / "all_raw.txt").read_text(encoding="utf-8").splitlines()
    chars = sum(map(len, texts))
    return {"chars": chars, "seconds": [round(t, 3) for t in times],
            "chars_per_s": round(chars / statistics.median(times))}


# -- silver (project venv) ---------------------------------------------------------------------

SILVER_VARIANTS = {
    # name: (feature options, train_silver options)
    "imitate": ({}, {"free_single_runs": 0.0}),
    "lexicon-features": ({"lexicon_features": True}, {"free_single_runs": 0.0}),
    "free-single-runs": ({}, {"free_single_runs": 1.0}),
    "lexfeat+free-single-runs": ({"lexicon_features": True}, {"free_single_runs": 1.0}),
    "confident-0.9 (2 rounds)": ({}, {"rounds": 2, "confident": 0.9, "free_single_runs": 0.0}),
    "self-training (2 rounds)": ({}, {"rounds": 2, "free_single_runs": 0.0}),
    "guided+free-single-runs": ({}, {"free_single_runs": 1.0, "lexicon_guided": True}),
    "guided+lexfeat+free-single-runs": ({"lexicon_features": True},
                                        {"free_single_runs": 1.0, "lexicon_guided": True}),
    "free-single-runs-0.5": ({}, {"free_single_runs": 0.5}),
    "guided+free-single-runs-0.5": ({}, {"free_single_runs": 0.5, "lexicon_guided": True}),
    "free-single-runs-0.3": ({}, {"free_single_runs": 0.3}),
    "free-single-runs-0.7": ({}, {"free_single_runs": 0.7}),
    "pmi-features": ({"pmi_features": True}, {"free_single_runs": 0.0}),
    "pmi-features+free-single-runs-0.5": ({"pmi_features": True}, {"free_single_runs": 0.5}),
    "guided+free-0.5+confident-0.9 (2 rounds)": ({}, {"free_single_runs": 0.5, "rounds": 2,
                                                      "confident": 0.9,
                                                      "lexicon_guided": True}),
    # "parse": templates mined by `mentropy mine-templates` on the raw training text with the
    # same lexicon (the --parse-features of train-crf)
    "parse-features": ({"parse": True}, {"free_single_runs": 0.0}),
    "parse-features+free-single-runs-0.5": ({"parse": True}, {"free_single_runs": 0.5}),
}


def silver(args) -> dict:
    """Silver protocol: the default lexicon learnt from the raw training nine tenths (no gold),
    its segmentation as labels; every model scored on the test tenth against the gold. OOV =
    gold words absent from the lexicon."""
    from mentropy.crf import CRFSegmenter
    from mentropy.crf_features import FeatureOptions
    from mentropy.lexicon import Lexicon, build_lexicon
    from mentropy.segment import Segmenter

    out = Path(args.work or tempfile.mkdtemp(prefix="bench_crf_"))
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "train_raw.txt").exists():
        prepare(out)
    res = {"machine": machine(), "protocol": "silver", "iterations": args.iterations}
    lex_path = out / "silver_lexicon.dict"
    if not lex_path.exists():
        t0 = time.perf_counter()
        build_lexicon(str(out / "train_raw.txt"), progress=False).save(str(lex_path))
        res["lexicon_seconds"] = round(time.perf_counter() - t0, 1)
    lex = Lexicon.load(str(lex_path))
    seg = Segmenter.from_lexicon(lex)
    words = set(lex.words)
    train = (out / "train_raw.txt").read_text(encoding="utf-8").splitlines()
    test = (out / "test_raw.txt").read_text(encoding="utf-8").splitlines()
    gold = [l.split() for l in (out / "test_gold.txt").read_text(encoding="utf-8").splitlines()]
    res["lexicon_words"] = len(lex)
    res["lexicon"] = scores(gold, seg.cut_many(test), words)
    print(json.dumps({"lexicon": res["lexicon"]}), file=sys.stderr)
    only = set(args.variants.split(",")) if args.variants else None
    tpl_path = out / "silver_templates.jsonl"
    if any(f.get("parse") for n, (f, _) in SILVER_VARIANTS.items() if not only or n in only) \
            and not tpl_path.exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mentropy", "mine-templates", "--lexicon",
                        str(lex_path), str(out / "train_raw.txt"), "-o", str(tpl_path), "-q"],
                       check=True)
        res["templates_seconds"] = round(time.perf_counter() - t0, 1)
    for name, (fopts, topts) in SILVER_VARIANTS.items():
        if only and name not in only:
            continue
        t0 = time.perf_counter()
        fopts = dict(fopts)
        parse = dict(templates=tpl_path, parse_lexicon=seg) if fopts.pop("parse", False) else {}
        crf = CRFSegmenter(FeatureOptions(hash_bits=args.hash_bits, **fopts), **parse)
        crf.train_silver(train, seg, max_iterations=args.iterations, c2=args.c2,
                         progress=False, **topts)
        row = scores(gold, crf.cut_many(test), words)
        row["train_seconds"] = round(time.perf_counter() - t0, 1)
        row["labelled_share"] = round(crf.meta["data"]["labelled_share"], 4)
        row["gain_f1_points"] = round(100 * (row["f1"] - res["lexicon"]["f1"]), 2)
        res[name] = row
        print(json.dumps({name: row}), file=sys.stderr)
    return res


# -- driver ------------------------------------------------------------------------------------


def run_child(python: str, mode: str, out: Path, extra: list[str]) -> dict:
    cmd = [python, __file__, mode, "--work", str(out), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def supervised(args) -> dict:
    import numpy as np

    out = Path(args.work or tempfile.mkdtemp(prefix="bench_crf_"))
    out.mkdir(parents=True, exist_ok=True)
    res = {"machine": machine(), "protocol": "supervised", "split": prepare(out),
           "iterations": args.iterations, "c2": args.c2, "hash_bits": args.hash_bits,
           "pmi_features": args.pmi_features, "parse_features": args.parse_features}
    it = ["--iterations", str(args.iterations), "--c2", str(args.c2)]
    res["ours_train"] = run_child(sys.executable, "ours-train", out,
                                  it + ["--hash-bits", str(args.hash_bits)]
                                  + (["--pmi-features"] if args.pmi_features else [])
                                  + (["--parse-features", args.parse_features,
                                      "--parse-lexicon", args.parse_lexicon]
                                     if args.parse_features else []))
    print(json.dumps(res["ours_train"]), file=sys.stderr)
    res["ours_decode"] = run_child(sys.executable, "ours-decode", out, ["--runs", str(args.runs)])
    if not args.no_peer:
        res["peer_train"] = run_child(str(PEERS_PY), "peer-train", out, it)
        print(json.dumps(res["peer_train"]), file=sys.stderr)
        res["peer_tag"] = run_child(str(PEERS_PY), "peer-tag", out, ["--runs", str(args.runs)])
    test_raw = (out / "test_raw.txt").read_text(encoding="utf-8").splitlines()
    gold = [l.split() for l in (out / "test_gold.txt").read_text(encoding="utf-8").splitlines()]
    train_words = {w for l in (out / "train_gold.txt").read_text(encoding="utf-8").splitlines()
                   for w in l.split()}
    ours_pred = [l.split() for l in (out / "ours_test_pred.txt").read_text(
        encoding="utf-8").splitlines()]
    res["ours_scores"] = scores(gold, ours_pred, train_words)
    if not args.no_peer:
        peer_pred = words_from_tags(test_raw, out / "test_units.npz",
                                    np.load(out / "peer_test_tags.npy"))
        res["peer_scores"] = scores(gold, peer_pred, train_words)
        res["ratios"] = {
            "train_time_ours_over_peer": round(res["ours_train"]["seconds"]
                                               / res["peer_train"]["seconds"], 3),
            "train_rss_ours_over_peer": round(res["ours_train"]["peak_rss_mb"]
                                              / res["peer_train"]["peak_rss_mb"], 3),
            "decode_speed_ours_over_peer": round(res["ours_decode"]["chars_per_s"]
                                                 / res["peer_tag"]["chars_per_s"], 2)}
    res["machine"]["load_avg_1m_end"] = os.getloadavg()[0]
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["supervised", "silver", "ours-train", "ours-decode",
                                    "peer-train", "peer-tag"])
    p.add_argument("--work", default=None, help="folder for the split, models and outputs")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--c2", type=float, default=1.0)
    p.add_argument("--hash-bits", type=int, default=22)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-peer", action="store_true", help="mentropy only")
    p.add_argument("--pmi-features", action="store_true", help="mentropy: add PMI features")
    p.add_argument("--parse-features", default=None, metavar="TEMPLATES",
                   help="mentropy: add parse features with these templates (and --parse-lexicon)")
    p.add_argument("--parse-lexicon", default=None, help="the lexicon of --parse-features")
    p.add_argument("--json", default=None, help="also write the figures here")
    p.add_argument("--variants", default=None, help="silver: comma-separated variant names")
    args = p.parse_args()
    work = Path(args.work) if args.work else None
    if args.mode == "ours-train":
        parse = (args.parse_features, args.parse_lexicon) if args.parse_features else None
        res = ours_train(work, args.iterations, args.hash_bits, args.c2, args.pmi_features,
                         parse)
    elif args.mode == "ours-decode":
        res = ours_decode(work, args.runs)
    elif args.mode == "peer-train":
        res = peer_train(work, args.iterations, args.c2)
    elif args.mode == "peer-tag":
        res = peer_tag(work, args.runs)
    elif args.mode == "silver":
        res = silver(args)
    else:
        res = supervised(args)
    text = json.dumps(res, ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
