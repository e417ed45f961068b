"""Run the benchmark peers (nlp-zero, jieba, rjieba) on prepared inputs and time them.

Run with the peers virtualenv made by ``benchmarks/setup_peers.sh``, never the project's::

    PY=${PEERS_VENV:-$HOME/.cache/mentropy-peers}/bin/python
    $PY benchmarks/peers.py nlpzero-lexicon --input benchmarks/out/pd_raw.txt \\
        --output benchmarks/out/nlpzero.dict --json benchmarks/out/nlpzero_lexicon.json
    $PY benchmarks/peers.py nlpzero-segment --lexicon benchmarks/out/nlpzero.dict \\
        --input benchmarks/out/pd_raw.txt --output benchmarks/out/nlpzero_seg.txt
    $PY benchmarks/peers.py jieba-cut --input benchmarks/out/mixed.txt --json r.json
    $PY benchmarks/peers.py rjieba-cut --input benchmarks/out/mixed.txt --json r.json

Every subcommand reads the whole input into memory before timing, times only the peer's own
work with ``time.perf_counter`` (initialisation reported apart), records the peak resident set
size of the process (``ru_maxrss``), prints a one-line summary and, with ``--json``, writes the
numbers to a JSON file.  Segmentation output, when asked for, has one line per input line with
the words joined by one space; it is streamed outside the timed calls.

``jieba-cut`` and ``rjieba-cut`` with ``--keep`` time the peer the way ``bench_segment.py`` times
mentropy's ``Segmenter.cut_many``: the same lines already in memory, one call per line
(``list(jieba.cut(line, HMM=False))`` / ``seg.cut(line, hmm=False)``), every line's word list
kept in one list that lives until the run ends (``cut_many`` returns such a list), Python's
cyclic garbage collector paused during the loop exactly as ``cut_many`` pauses it, and the wall
time of the whole loop measured (not a sum of per-call times).  ``--runs N`` repeats that loop N
times in the same process (the previous run's list freed first) and reports every time and the
median.  ``--jsonl FILE`` writes the kept words of the last run, one JSON list per line (for the
agreement check), after the timing.

Dictionaries (``--dict`` / ``--lexicon``) are text files of ``word freq`` lines (jieba's
format: one space between the fields, an optional third field is ignored by us).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import logging
import os
import platform
import resource
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Tuple


# --------------------------------------------------------------------------------------------
# helpers


def read_lines(path: str) -> List[str]:
    """Return the lines of a UTF-8 file without their line ends."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f]


def read_dict(path: str) -> List[Tuple[str, int]]:
    """Read a ``word freq [tag]`` dictionary file into a list of (word, freq) pairs."""
    entries = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise SystemExit(f"{path}:{lineno}: expected 'word freq', got {line.rstrip()!r}")
            entries.append((fields[0], int(fields[1])))
    return entries


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB.

    VmHWM from /proc/self/status where there is one: ``ru_maxrss`` of a process started by a
    large parent (fork + exec) also counts the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024.0


def current_rss_mib() -> Optional[float]:
    """Current resident set size in MiB (via psutil when available)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is installed by setup_peers.sh
        return None
    return psutil.Process().memory_info().rss / (1024.0 * 1024.0)


def package_version(name: str) -> Optional[str]:
    """Installed version of a distribution, or None."""
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return None


def environment() -> Dict[str, object]:
    """A short description of the machine and interpreter for the JSON records."""
    model = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "loadavg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def emit(result: Dict[str, object], json_path: Optional[str]) -> None:
    """Print a compact summary and write the JSON record when asked."""
    result = dict(result)
    result["environment"] = environment()
    summary = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in result.items()
        if not isinstance(v, dict)
    )
    print(summary)
    if json_path:
        tmp = json_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=2)
            f.write("\n")
        os.replace(tmp, json_path)


def timed_cut(lines: List[str], cut: Callable[[str], List[str]], output: Optional[str]
              ) -> Tuple[float, float, int]:
    """Segment every line with ``cut``, writing the words to ``output`` when given.

    Returns (seconds inside ``cut`` summed over lines, wall seconds of the whole loop, number
    of words).  Only the ``cut`` calls are in the first figure.  The output is streamed line by
    line (one line per input line, words joined by one space) rather than kept in memory, so
    that a run with ``--output`` holds no more live objects, and so pays no more for Python's
    garbage collector, than a run without.
    """
    clock = time.perf_counter
    inside = 0.0
    n_words = 0
    out = open(output + ".tmp", "w", encoding="utf-8") if output else None
    try:
        wall0 = clock()
        for line in lines:
            t0 = clock()
            words = cut(line)
            inside += clock() - t0
            n_words += len(words)
            if out is not None:
                out.write(" ".join(words))
                out.write("\n")
        wall = clock() - wall0
    finally:
        if out is not None:
            out.close()
    if output:
        os.replace(output + ".tmp", output)
    return inside, wall, n_words


def timed_keep(lines: List[str], cut: Callable[[str], List[str]], runs: int
               ) -> Tuple[List[float], List[List[str]]]:
    """Cut every line, keeping all the word lists in one list, `runs` times.

    The conditions of mentropy's ``Segmenter.cut_many``: lines in memory, one list per line
    kept until the end, the cyclic garbage collector paused for the loop (``cut_many`` does the
    same, so that the growing result is not traversed again and again).  Returns the wall
    seconds of each loop and the result of the last one.
    """
    clock = time.perf_counter
    times: List[float] = []
    result: List[List[str]] = []
    for _ in range(max(1, runs)):
        result = []  # free the previous run's result before timing again
        gc.collect()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = clock()
            result = [cut(line) for line in lines]
            times.append(clock() - t0)
        finally:
            if was_enabled:
                gc.enable()
    return times, result


def write_jsonl(result: List[List[str]], path: str) -> None:
    """One JSON list of words per line (exact words, whatever characters they hold)."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for words in result:
            f.write(json.dumps(words, ensure_ascii=False))
            f.write("\n")
    os.replace(tmp, path)


def run_cut(name: str, lines: List[str], cut: Callable[[str], List[str]], init_s: float,
            args: argparse.Namespace, extra: Dict[str, object]) -> Dict[str, object]:
    """Time `cut` over `lines`: kept results (--keep) or streamed output; the JSON record."""
    if args.keep:
        times, result = timed_keep(lines, cut, args.runs)
        n_words = sum(map(len, result))
        med = float(statistics.median(times))
        if args.jsonl:
            write_jsonl(result, args.jsonl)
        if args.output:
            tmp = args.output + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                for words in result:
                    f.write(" ".join(words))
                    f.write("\n")
            os.replace(tmp, args.output)
        record = cut_result(name, lines, init_s, med, med, n_words, extra)
        record.update({"mode": "keep: per-line calls, results kept in a list, gc paused, "
                               "wall time of the loop",
                       "runs_s": times, "median_s": med})
        return record
    inside = wall = 0.0
    n_words = 0
    for _ in range(max(1, args.runs)):
        inside, wall, n_words = timed_cut(lines, cut, args.output)
    record = cut_result(name, lines, init_s, inside, wall, n_words, extra)
    record["mode"] = "stream: sum of the per-line call times, output streamed"
    return record


def cut_result(name: str, lines: List[str], init_s: float, inside: float, wall: float,
               n_words: int, extra: Dict[str, object]) -> Dict[str, object]:
    """The common record of a segmentation speed run."""
    n_chars = sum(len(line) for line in lines)
    record: Dict[str, object] = {
        "peer": name,
        "lines": len(lines),
        "chars": n_chars,
        "words": n_words,
        "init_s": init_s,
        "cut_s": inside,
        "loop_wall_s": wall,
        "chars_per_s": n_chars / inside if inside > 0 else float("nan"),
        "peak_rss_mib": peak_rss_mib(),
    }
    record.update(extra)
    return record


# --------------------------------------------------------------------------------------------
# nlp-zero


def import_nlp_zero():
    """Import nlp_zero 0.1.6, which needs ``collections.Iterable`` (gone in Python 3.10)."""
    import collections
    import collections.abc
    if not hasattr(collections, "Iterable"):
        collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]
    import nlp_zero
    return nlp_zero


def cmd_nlpzero_lexicon(args: argparse.Namespace) -> int:
    """Learn a lexicon with nlp-zero's Word_Finder (train, then find) and write it."""
    nlp_zero = import_nlp_zero()
    lines = read_lines(args.input)
    kwargs = {}
    if args.min_proba is not None:
        kwargs["min_proba"] = args.min_proba
    if args.min_pmi is not None:
        kwargs["min_pmi"] = args.min_pmi
    finder = nlp_zero.Word_Finder(**kwargs)
    rss_before = current_rss_mib()

    t0 = time.perf_counter()
    finder.train(iter(lines))
    t1 = time.perf_counter()
    finder.find(iter(lines))
    t2 = time.perf_counter()

    words = sorted(finder.words.items(), key=lambda kv: (-kv[1], kv[0]))
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for word, freq in words:
            f.write(f"{word} {freq}\n")
    os.replace(tmp, args.output)

    multi = sum(1 for w, _ in words if len(w) > 1)
    emit({
        "peer": "nlp-zero",
        "version": package_version("nlp-zero"),
        "min_proba": finder.min_proba,
        "min_pmi": finder.min_pmi,
        "lines": len(lines),
        "chars": sum(len(line) for line in lines),
        "train_s": t1 - t0,
        "find_s": t2 - t1,
        "total_s": t2 - t0,
        "lexicon_size": len(words),
        "lexicon_multichar": multi,
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak_rss_mib(),
        "output": args.output,
    }, args.json)
    return 0


def cmd_nlpzero_segment(args: argparse.Namespace) -> int:
    """Segment with nlp-zero's own Tokenizer (unigram DP over a Trie of the lexicon)."""
    nlp_zero = import_nlp_zero()
    entries = read_dict(args.lexicon)
    lines = read_lines(args.input)

    t0 = time.perf_counter()
    tokenizer = nlp_zero.Tokenizer(nlp_zero.Trie(entries))
    init_s = time.perf_counter() - t0

    inside, wall, n_words = timed_cut(lines, tokenizer.tokenize, args.output)
    emit(cut_result("nlp-zero", lines, init_s, inside, wall, n_words, {
        "version": package_version("nlp-zero"),
        "lexicon": args.lexicon,
        "lexicon_size": len(entries),
        "output": args.output,
    }), args.json)
    return 0


# --------------------------------------------------------------------------------------------
# jieba and rjieba


def default_jieba_dict() -> str:
    """Path of jieba's bundled ``dict.txt``."""
    import jieba
    return os.path.join(os.path.dirname(os.path.abspath(jieba.__file__)), "dict.txt")


def cmd_jieba_cut(args: argparse.Namespace) -> int:
    """Time ``jieba.cut(line, HMM=False)`` line by line."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    lines = read_lines(args.input)
    dict_path = os.path.abspath(args.dict) if args.dict else default_jieba_dict()
    cache_dir = None
    if args.cold:
        # A fresh cache folder: the prefix dict is built from the text file, not unpickled.
        cache_dir = tempfile.mkdtemp(prefix="jieba-cache-")
        jieba.dt.tmp_dir = cache_dir

    t0 = time.perf_counter()
    jieba.set_dictionary(dict_path)
    jieba.initialize()
    init_s = time.perf_counter() - t0

    def cut(line: str) -> List[str]:
        return list(jieba.cut(line, HMM=False))

    emit(run_cut("jieba", lines, cut, init_s, args, {
        "version": package_version("jieba"),
        "call": "list(jieba.cut(line, HMM=False))",
        "dict": dict_path,
        "cold_init": bool(args.cold),
        "output": args.output,
    }), args.json)
    if cache_dir:
        for name in os.listdir(cache_dir):
            os.remove(os.path.join(cache_dir, name))
        os.rmdir(cache_dir)
    return 0


def rjieba_with_dict(rjieba, entries: List[Tuple[str, int]]):
    """An rjieba segmenter holding exactly ``entries``.

    rjieba 0.2.x has no constructor argument or loader for a dictionary file, but
    ``Jieba.empty()`` gives a segmenter with no words and ``add_word(word, freq, tag)`` adds
    one; that is the supported way to use a custom dictionary.
    """
    seg = rjieba.Jieba.empty()
    for word, freq in entries:
        seg.add_word(word, freq, None)
    return seg


def cmd_rjieba_cut(args: argparse.Namespace) -> int:
    """Time ``rjieba`` ``cut(line, hmm=False)`` line by line."""
    lines = read_lines(args.input)
    entries = read_dict(args.dict) if args.dict else None

    t0 = time.perf_counter()
    import rjieba  # importing builds the module's default segmenter (built-in dictionary)
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    if entries is None:
        seg = rjieba.Jieba()
    else:
        seg = rjieba_with_dict(rjieba, entries)
    init_s = time.perf_counter() - t0

    def cut(line: str) -> List[str]:
        return seg.cut(line, hmm=False)

    emit(run_cut("rjieba", lines, cut, init_s, args, {
        "version": package_version("rjieba"),
        "call": "seg.cut(line, hmm=False)",
        "dict_entries": None if entries is None else len(entries),
        "dict": os.path.abspath(args.dict) if args.dict else "built-in (jieba dict.txt)",
        "import_s": t_import,
        "output": args.output,
    }), args.json)
    return 0


def cmd_jieba_dict(args: argparse.Namespace) -> int:
    """Print the path of jieba's bundled dict.txt."""
    print(default_jieba_dict())
    return 0


# --------------------------------------------------------------------------------------------
# command line


def add_cut_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", action="store_true",
                   help="keep every line's words in one list, gc paused, time the whole loop "
                        "(as mentropy's cut_many); default: sum of per-line call times")
    p.add_argument("--runs", type=int, default=1, help="timed loops in this process (median)")
    p.add_argument("--jsonl", help="with --keep: write the words of the last run as JSON lines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Time the benchmark peers (run with the peers virtualenv).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("nlpzero-lexicon", help="nlp-zero Word_Finder: train + find a lexicon")
    p.add_argument("--input", required=True, help="raw text, one sentence or paragraph a line")
    p.add_argument("--output", required=True, help="lexicon to write ('word freq' lines)")
    p.add_argument("--json", help="write the measurements here")
    p.add_argument("--min-proba", type=float, default=None,
                   help="Word_Finder min_proba (default: nlp-zero's own, 1e-7)")
    p.add_argument("--min-pmi", type=float, default=None,
                   help="Word_Finder min_pmi (default: nlp-zero's own, 1)")
    p.set_defaults(func=cmd_nlpzero_lexicon)

    p = sub.add_parser("nlpzero-segment", help="segment with nlp-zero's Tokenizer and a lexicon")
    p.add_argument("--lexicon", required=True, help="'word freq' lexicon (from nlpzero-lexicon)")
    p.add_argument("--input", required=True)
    p.add_argument("--output", help="segmentation to write (words joined by one space)")
    p.add_argument("--json", help="write the measurements here")
    p.set_defaults(func=cmd_nlpzero_segment)

    p = sub.add_parser("jieba-cut", help="time jieba.cut(line, HMM=False)")
    p.add_argument("--dict", help="dictionary file (default: jieba's bundled dict.txt)")
    p.add_argument("--input", required=True)
    p.add_argument("--output", help="segmentation to write (words joined by one space)")
    p.add_argument("--json", help="write the measurements here")
    add_cut_options(p)
    p.add_argument("--cold", action="store_true",
                   help="use a fresh cache folder so that the init builds the prefix dict")
    p.set_defaults(func=cmd_jieba_cut)

    p = sub.add_parser("rjieba-cut", help="time rjieba cut(line, hmm=False)")
    p.add_argument("--dict", help="dictionary file loaded with Jieba.empty() + add_word "
                                  "(default: rjieba's built-in dictionary)")
    p.add_argument("--input", required=True)
    p.add_argument("--output", help="segmentation to write (words joined by one space)")
    p.add_argument("--json", help="write the measurements here")
    add_cut_options(p)
    p.set_defaults(func=cmd_rjieba_cut)

    p = sub.add_parser("jieba-dict", help="print the path of jieba's bundled dict.txt")
    p.set_defaults(func=cmd_jieba_dict)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
