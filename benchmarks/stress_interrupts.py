"""Signals at random moments of a run with worker processes: does every run end cleanly?

Each trial starts one command in a session of its own, waits a random time, sends SIGINT or
SIGTERM (to the whole process group, as a terminal's Ctrl-C or a service manager does, or to
the parent alone with ``--parent-only``) and checks: exit 130/143 (or 0 if it had finished),
exactly one line on stderr, no output file, an empty temporary folder, no process left, and
an end within ``--timeout`` seconds (else it counts as a hang and the group is killed)::

    python benchmarks/stress_interrupts.py --command build-lexicon --input BIG.txt --trials 30
    python benchmarks/stress_interrupts.py --command segment --input BIG.txt --signal TERM
    python benchmarks/stress_interrupts.py --command train-crf --signal INT --trials 20
    python benchmarks/stress_interrupts.py --command mine-templates --input BIG.txt --max-delay 60

BIG.txt: any large text, e.g. ``benchmarks/make_corpus.py --size 100M``; train-crf uses
corpora/sample_gold.txt repeated 18 times (two shards). Robustness, not speed: the figures are
counts of clean ends, hangs and other failures.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def argv_for(command: str, source: str, work: Path) -> tuple[list[str], Path]:
    tmp, out = work / "tmp", work / "out"
    if command == "build-lexicon":
        return ["build-lexicon", source, "--keep-duplicates", "--workers", "2", "--memory", "8M",
                "--tmp-dir", str(tmp), "-o", str(out), "-q"], out
    if command == "train-crf":
        return ["train-crf", "--gold", source, "--workers", "2", "--tmp-dir", str(tmp), "-o",
                str(out), "-q"], out
    lexicon = work / "lexicon.dict"
    if not lexicon.exists():
        subprocess.run([sys.executable, "-m", "mentropy", "build-lexicon",
                        str(ROOT / "corpora" / "sample.txt"), "-o", str(lexicon), "-q"],
                       check=True)
    if command == "mine-templates":
        return ["mine-templates", "--lexicon", str(lexicon), source, "--keep-duplicates",
                "--workers", "2", "--tmp-dir", str(tmp), "-o", str(out), "-q"], out
    if command == "segment":
        return ["segment", "--lexicon", str(lexicon), "--workers", "2", *[source] * 10, "-o",
                str(out)], out
    raise SystemExit(f"unknown command {command}")


def descendants(pid: int) -> set[int]:
    """The processes below `pid` (children, grandchildren...)."""
    found, todo = set(), [pid]
    while todo:
        out = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True)
        kids = {int(p) for p in out.stdout.split()}
        todo.extend(kids - found)
        found |= kids
    return found


def trial(argv: list[str], out: Path, tmp: Path, sig: int, delay: float, group: bool,
          timeout: float) -> str:
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    if out.exists():  # the output of a trial that finished first
        out.unlink()
    proc = subprocess.Popen([sys.executable, "-m", "mentropy", *argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    time.sleep(delay)
    children = descendants(proc.pid)
    if proc.poll() is None:
        os.killpg(proc.pid, sig) if group else proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "hang"
    if proc.returncode == 0:
        return "finished first"
    lines = err.decode("utf-8", "replace").strip().splitlines()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{c}") for c in children):
        time.sleep(0.1)
    problems = []
    if proc.returncode != 128 + sig:
        problems.append(f"exit {proc.returncode}")
    if len(lines) != 1 or "Traceback" in err.decode("utf-8", "replace"):
        problems.append(f"{len(lines)} lines on stderr: {' | '.join(lines)[-600:]!r}")
    if out.exists():
        problems.append("output left")
    if any(tmp.iterdir()):
        problems.append("temporary files left")
    if any(os.path.exists(f"/proc/{c}") for c in children):
        problems.append("processes left")
    return "; ".join(problems) or "clean"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--command", default="build-lexicon",
                    choices=["build-lexicon", "mine-templates", "train-crf", "segment"])
    ap.add_argument("--input", help="the text (train-crf: gold text; default: the sample's)")
    ap.add_argument("--signal", choices=["INT", "TERM"], default="TERM")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--min-delay", type=float, default=0.3)
    ap.add_argument("--max-delay", type=float, default=4.0)
    ap.add_argument("--parent-only", action="store_true",
                    help="signal the parent alone, not its process group")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extra", default="",
                    help='more options for the command, e.g. "--backend dask"')
    args = ap.parse_args()
    sig = getattr(signal, f"SIG{args.signal}")
    rng = random.Random(args.seed)
    tally: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="mentropy-stress-") as folder:
        work = Path(folder)
        source = args.input
        if args.command == "train-crf" and source is None:
            gold = (ROOT / "corpora" / "sample_gold.txt").read_text(encoding="utf-8")
            source = str(work / "gold.txt")
            Path(source).write_text(gold * 18, encoding="utf-8")
        if source is None:
            raise SystemExit("--input: a large text file")
        argv, out = argv_for(args.command, source, work)
        argv += args.extra.split()
        for i in range(args.trials):
            delay = rng.uniform(args.min_delay, args.max_delay)
            outcome = trial(argv, out, work / "tmp", sig, delay, not args.parent_only,
                            args.timeout)
            tally[outcome] = tally.get(outcome, 0) + 1
            print(f"trial {i + 1:3d}: SIG{args.signal} after {delay:.2f} s: {outcome}",
                  flush=True)
    print(f"{args.command}, SIG{args.signal} to the "
          f"{'parent' if args.parent_only else 'process group'}, {args.trials} trials: "
          + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))


if __name__ == "__main__":
    main()
