"""Run every bad-input case of every command and print the outcomes as a Markdown table.

The cases are those of the test suite (tests/badinput.py: the same files, the same checks);
each runs here as a real process (``python -m mentropy ...``), with its peak memory measured.
The table goes into the "Bad input" section of benchmarks/RESULTS.md.

Usage:  python benchmarks/badinput_matrix.py [COMMAND ...] [--keep DIR]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import badinput as B  # noqa: E402
import badinput_crf  # noqa: E402
import badinput_templates  # noqa: E402

B.ALL_CASES.update(badinput_templates.ALL_CASES)  # each stage's cases live beside its tests
B.ALL_CASES.update(badinput_crf.ALL_CASES)

MESSAGE_CHARS = 110


def shorten(message: str, folder: Path, big: Path) -> str:
    """The message with the temporary folders left out, cut to MESSAGE_CHARS, for a table."""
    for root in (str(folder) + "/", str(big) + "/", str(folder), str(big)):
        message = message.replace(root, "")
    message = re.sub(r"^Error: ", "", message.strip())
    message = message.replace("|", "\\|").replace("\n", " ⏎ ")
    return message if len(message) <= MESSAGE_CHARS else message[:MESSAGE_CHARS - 1] + "…"


def run(commands: list[str], work: Path) -> tuple[list[str], int]:
    """Table rows for the cases of `commands`, and how many cases broke their promise."""
    big = B.BigFiles(work / "big")
    rows, failures = [], 0
    for command in commands:
        for i, case in enumerate(B.ALL_CASES[command]()):
            folder = work / f"{command}-{i:02d}"
            folder.mkdir(parents=True)
            setup = case.make(folder, big)
            before = B.snapshot(folder)
            t0 = time.perf_counter()
            outcome = B.run_subprocess(setup.argv, stdin=setup.stdin)
            seconds = time.perf_counter() - t0
            try:
                B.check_outcome(case, setup, outcome, before, folder)
                verdict = "as promised"
            except AssertionError as exc:
                failures += 1
                reason = (str(exc).splitlines() or [type(exc).__name__])[0]
                verdict = "**BROKEN**: " + shorten(reason, folder, big.root)
            message = shorten(outcome.message, folder, big.root) if outcome.message else \
                "(no message)"
            expect = "succeeds" if case.ok else "fails cleanly"
            rows.append(f"| {command} | {case.name} | {expect} | {outcome.code} | {message} | "
                        f"{outcome.max_rss_mb:.0f} MB, {seconds:.1f} s | {verdict} |")
            B.reset_permissions(folder)
            print(f"{command:14s} {case.name:40s} {outcome.code:3d} {verdict}", file=sys.stderr)
    return rows, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commands", nargs="*", metavar="COMMAND",
                        help=f"any of {', '.join(B.ALL_CASES)} (default: all)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the cases' files here and keep them (default: a temp dir)")
    args = parser.parse_args()
    unknown = set(args.commands) - set(B.ALL_CASES)
    if unknown:
        parser.error(f"unknown command {', '.join(sorted(unknown))}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="mentropy-badinput-"))
    try:
        rows, failures = run(args.commands or list(B.ALL_CASES), work)
    finally:
        if args.keep is None:
            B.reset_permissions(work)
            shutil.rmtree(work, ignore_errors=True)
    print("| command | case | promise | exit | stderr (one line) | peak RSS, time | outcome |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n{len(rows)} cases, {failures} broken.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
