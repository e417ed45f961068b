"""Bad input for every command (issue 4): the files, the cases, a runner and the checks.

Each :class:`Case` writes its files into a fresh folder and says what the command must do with
them: fail with one line on stderr naming the file (and the line or byte where it applies),
without a traceback and without leaving an output or temporary file; or, where the input is
legitimately fine, succeed and pass its own check. The test modules ``test_badinput_*.py`` run
the cases of their command; ``benchmarks/badinput_matrix.py`` runs them all and prints the table
of outcomes kept in ``benchmarks/RESULTS.md``.

The large inputs (10 MB with one invalid byte in the middle, a 50 MB line without a newline) are
written once per session into a shared folder by :class:`BigFiles`.
"""
from __future__ import annotations

import gzip
import os
import random
import shutil
import struct
import subprocess
import sys
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "corpora" / "sample.txt"
SAMPLE_GOLD = REPO / "corpora" / "sample_gold.txt"

MB = 1 << 20
BIG_BYTES = 10 * MB
LONG_LINE_BYTES = 50 * MB

# a small corpus with repeated words, enough for build-lexicon to find some
SENTENCES = (
    "中国人民银行今天宣布下调存款利率。",
    "经济发展需要稳定的金融环境，银行要支持实体经济。",
    "人民群众关心的问题就是我们工作的重点。",
    "今天上午，国务院召开常务会议，研究经济工作。",
    "我们要坚持改革开放，推动经济持续健康发展。",
    "中国经济保持平稳增长，人民生活水平不断提高。",
)
CORPUS = "".join(s + "\n" for s in SENTENCES * 40)
LEXICON = "中国 50\n人民 40\n经济 60\n银行 30\n发展 25\n今天 20\n工作 15\n改革开放 5\n"
TSV_LEXICON = ("word\tcount\tpmi\tleft_entropy\tright_entropy\n"
               "经济\t60\t5.1000\t2.0000\t1.5000\n中国\t50\t4.2000\t1.0000\t2.0000\n"
               "人民\t40\t3.9000\t1.5000\t1.2000\n")
GOLD = "中国  人民  银行  今天  宣布\n经济  发展\n"
PRED = "中国人民  银行  今天  宣布\n经济  发展\n"
PNG = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
       + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0) + b"\x00\x00\x00\x00"
       + struct.pack(">I", 10) + b"IDAT" + zlib.compress(b"\x00\x00")
       + b"\x00\x00\x00\x00\x00\x00\x00\x00IEND\xaeB`\x82")


# --- running the command line --------------------------------------------------------------


@dataclass
class Outcome:
    """What a run of the command line did: exit status, output streams, peak memory (MB)."""

    code: int
    stdout: bytes
    stderr: str
    max_rss_mb: float | None = None

    @property
    def message(self) -> str:
        """stderr without its final newline."""
        return self.stderr.rstrip("\n")


# runs the command as its own child and reports that child's peak RSS: measured from a small
# process, since on Linux a child's ru_maxrss starts from the RSS of the process that forked it
_RSS_WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code if code >= 0 else 128 - code)
"""


def run_subprocess(argv: list[str], *, stdin: bytes | Path | None = None,
                   cwd: Path | None = None, timeout: float = 300) -> Outcome:
    """Run ``python -m mentropy ARGV`` in a child process and measure its peak RSS."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        cmd = [sys.executable, "-c", _RSS_WRAPPER, str(rss_file), sys.executable, "-m",
               "mentropy", *argv]
        data = stdin.read_bytes() if isinstance(stdin, Path) else stdin
        proc = subprocess.run(cmd, input=data, capture_output=True, cwd=cwd, timeout=timeout,
                              stdin=subprocess.DEVNULL if data is None else None)
        rss = int(rss_file.read_text()) / 1024 if rss_file.exists() else None
    return Outcome(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"), rss)


def run_in_process(argv: list[str], *, stdin: bytes | Path | None = None) -> Outcome:
    """Run the command with click's CliRunner (fast); an uncaught exception shows as a
    traceback on stderr, as it would in a real process."""
    from click.testing import CliRunner

    from mentropy.cli import main

    data = stdin.read_bytes() if isinstance(stdin, Path) else stdin
    result = CliRunner().invoke(main, argv, input=data)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(
            traceback.format_exception(result.exception))
    return Outcome(result.exit_code, result.stdout_bytes, stderr)


# --- the large inputs ------------------------------------------------------------------------


class BigFiles:
    """The large bad inputs, written once into `root` (files already there are reused)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _text(self, size: int, source: Path, *, newlines: bool = True) -> bytes:
        data = source.read_bytes()
        if not newlines:
            data = data.replace(b"\r", b"").replace(b"\n", b"" if source == SAMPLE else b"  ")
        data = (data * (size // len(data) + 1))[:size]
        if newlines:
            return data[:data.rfind(b"\n") + 1]
        end = len(data)
        while end and data[end - 1] & 0xC0 == 0x80:  # end on a whole character
            end -= 1
        return data[:end - 1] if end and data[end - 1] >= 0xC0 else data[:end]

    def _write(self, name: str, make: Callable[[], bytes]) -> Path:
        path = self.root / name
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(make())
            tmp.replace(path)
        return path

    def invalid_utf8(self, kind: str = "corpus") -> tuple[Path, Path, int, int]:
        """(valid 10 MB file, the same with one 0xff byte inserted at a line start near the
        middle, that line's number, that byte's offset). kind: corpus, gold or dictionary."""
        source = {"corpus": SAMPLE, "gold": SAMPLE_GOLD}.get(kind)
        good = self._write(f"{kind}-10mb.txt", lambda: self._dictionary(BIG_BYTES)
                           if source is None else self._text(BIG_BYTES, source))
        data = good.read_bytes()
        offset = data.index(b"\n", len(data) // 2) + 1
        line = data.count(b"\n", 0, offset) + 1
        bad = self._write(f"{kind}-10mb-invalid.txt",
                          lambda: data[:offset] + b"\xff" + data[offset:])
        return good, bad, line, offset

    @staticmethod
    def _dictionary(size: int) -> bytes:
        rows, n, k = [], 0, 0
        while n < size:
            row = f"词{k:07d} {k % 997 + 1}\n".encode()
            rows.append(row)
            n += len(row)
            k += 1
        return b"".join(rows)

    def long_line(self, kind: str = "corpus") -> Path:
        """A 50 MB line of Chinese text without a newline (kind gold: words between spaces)."""
        source = SAMPLE_GOLD if kind == "gold" else SAMPLE
        return self._write(f"{kind}-50mb-line.txt",
                           lambda: self._text(LONG_LINE_BYTES, source, newlines=False))

    def long_lines_reference(self) -> Path:
        """The text of :meth:`long_line` with its newlines (to compare memory with)."""
        return self._write("corpus-50mb-lines.txt", lambda: self._text(LONG_LINE_BYTES, SAMPLE))


# --- cases -----------------------------------------------------------------------------------


@dataclass
class Setup:
    """The arguments of one run and what its message must name.

    names: substrings the one-line message must contain (the file); where: more of them
    ("line 3", "byte 12"); out: the output path, absent after a failure; stdin: fed to it;
    source: the input a successful run is checked against.
    """

    argv: list[str]
    names: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    out: Path | None = None
    stdin: bytes | Path | None = None
    source: Path | None = None  # the input a successful run's output is checked against


@dataclass(frozen=True)
class Case:
    """One bad input for one command.

    make(folder, big) writes the files under `folder` and returns the Setup; ok: the command
    must succeed and then pass check(outcome, setup), else it must fail cleanly; big: uses
    the large files (run in a subprocess, with its peak memory checked against max_rss_mb).
    """

    command: str
    name: str
    make: Callable[[Path, BigFiles], Setup]
    ok: bool = False
    check: Callable[[Outcome, Setup], None] | None = None
    big: bool = False
    max_rss_mb: float | None = None
    note: str = ""

    @property
    def id(self) -> str:
        return self.name.replace(" ", "-")



def children_of(pid: int) -> dict[str, bytes]:
    """{pid: command line} of the live child processes of `pid`."""
    children = {}
    for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                text=True).stdout.split():
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                children[child] = f.read()
        except OSError:  # gone already
            pass
    return children


def workers_among(children: dict[str, bytes]) -> list[str]:
    """The pool workers among `children` (multiprocessing's resource tracker is not one)."""
    return [c for c in children if b"resource_tracker" not in children[c]]


def interrupt(argv: list[str], sig: int, ready: Callable[[], bool], *, workers: int = 0,
              ignore_sigint: bool = False, group: bool = False,
              timeout: float = 120) -> tuple[int, str, dict[str, bytes]]:
    """Start ``python -m mentropy ARGV`` (with SIGINT ignored, as a shell starts ``command &``,
    if `ignore_sigint`), send `sig` once ready() is true and at least `workers` worker
    processes run, to its whole process group if `group` (as a terminal's Ctrl-C goes):
    (exit code, stderr, {pid: command line} of its child processes when the signal went)."""
    import signal
    import time

    def ignore() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    proc = subprocess.Popen([sys.executable, "-m", "mentropy", *argv],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=ignore if ignore_sigint else None,
                            start_new_session=group)
    children: dict[str, bytes] = {}
    try:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            if ready():
                children = children_of(proc.pid)
                if len(workers_among(children)) >= workers:
                    break
            time.sleep(0.02)
        assert proc.poll() is None, "finished before the signal: make the input larger"
        os.killpg(proc.pid, sig) if group else proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL) if group else proc.kill()
            proc.communicate()
    return proc.returncode, err.decode("utf-8", "replace"), children


def assert_workers_gone(children: dict[str, bytes]) -> None:
    """The worker processes among `children` are gone, and every child (multiprocessing's
    resource tracker too) within 20 s."""
    import time

    workers = workers_among(children)
    assert workers, "no worker processes"
    assert [c for c in workers if os.path.exists(f"/proc/{c}")] == []
    deadline = time.monotonic() + 20  # the tracker ends when it sees its parent gone
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{c}") for c in children):
        time.sleep(0.1)
    assert [(c, children[c]) for c in children if os.path.exists(f"/proc/{c}")] == []

def write(path: Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def snapshot(folder: Path) -> set[str]:
    """Every file and folder under `folder`, hidden ones included (relative paths)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def one_line(outcome: Outcome) -> str:
    """The single line of stderr; fails the test if there is not exactly one."""
    lines = outcome.message.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{outcome.stderr}"
    return lines[0]


def check_outcome(case: Case, setup: Setup, outcome: Outcome, before: set[str],
                  folder: Path) -> None:
    """Assert what `case` promises about `outcome` (see Case)."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    if case.ok:
        assert outcome.code == 0, outcome.stderr
        if case.check is not None:
            case.check(outcome, setup)
    else:
        assert outcome.code != 0, (outcome.code, outcome.stderr)
        line = one_line(outcome)
        for text in setup.names + setup.where:
            assert text in line, f"{text!r} not in {line!r}"
        assert setup.out is None or not setup.out.is_file()
        new = snapshot(folder) - before
        assert not new, f"left behind: {sorted(new)}"
    if case.max_rss_mb is not None and outcome.max_rss_mb is not None:
        assert outcome.max_rss_mb < case.max_rss_mb, f"peak RSS {outcome.max_rss_mb:.0f} MB"


def run_case(case: Case, folder: Path, big: BigFiles) -> tuple[Setup, Outcome]:
    """Make the files of `case` under `folder`, run it, check it; returns what happened."""
    folder.mkdir(parents=True, exist_ok=True)
    setup = case.make(folder, big)
    before = snapshot(folder)
    runner = run_subprocess if case.big else run_in_process
    outcome = runner(setup.argv, stdin=setup.stdin)
    check_outcome(case, setup, outcome, before, folder)
    return setup, outcome


# -- inputs shared by the commands that read text ---------------------------------------------


Maker = Callable[[Path, "BigFiles"], tuple]


def text_inputs(kind: str = "corpus") -> list[tuple[str, Maker, str]]:
    """(name, make(folder, big) -> (path, names, where), outcome for reading commands).

    The outcome column tells the commands apart: "error" always fails; "no-han" fails for
    build-lexicon (nothing to learn) and is fine for the others; "ok" succeeds.
    """
    def missing(folder: Path, big: BigFiles) -> tuple:
        return folder / "missing.txt", ["missing.txt"], []

    def empty_folder(folder: Path, big: BigFiles) -> tuple:
        (folder / "texts" / "sub").mkdir(parents=True)
        write(folder / "texts" / ".hidden", "中文\n")
        return folder / "texts", ["texts"], []

    def empty(folder: Path, big: BigFiles) -> tuple:
        return write(folder / "empty.txt", b""), ["empty.txt"], []

    def punctuation(folder: Path, big: BigFiles) -> tuple:
        return write(folder / "punct.txt", "，。！？、……——“”（）《》\n" * 50), ["punct.txt"], []

    def latin(folder: Path, big: BigFiles) -> tuple:
        text = "The quick brown fox jumps over the lazy dog, 3.14 and COVID-19.\n" * 50
        return write(folder / "latin.txt", text), ["latin.txt"], []

    def invalid_utf8(folder: Path, big: BigFiles) -> tuple:
        _, bad, line, offset = big.invalid_utf8(kind)
        return bad, [bad.name], [f"line {line}", f"byte {offset}"]

    def utf16(folder: Path, big: BigFiles) -> tuple:
        return write(folder / "utf16.txt", CORPUS.encode("utf-16")), ["utf16.txt"], []

    def gzip_txt(folder: Path, big: BigFiles) -> tuple:
        data = gzip.compress(CORPUS.encode(), mtime=0)
        return write(folder / "packed.txt", data), ["packed.txt"], []

    def png(folder: Path, big: BigFiles) -> tuple:
        return write(folder / "image.txt", PNG), ["image.txt"], []

    def nul(folder: Path, big: BigFiles) -> tuple:
        data = CORPUS.encode()
        at = data.index(b"\n", 100) + 1
        line = data.count(b"\n", 0, at) + 1
        return (write(folder / "nul.txt", data[:at] + b"\x00\x00" + data[at:]), ["nul.txt"],
                [f"line {line}", f"byte {at}"])

    return [
        ("missing file", missing, "error"),
        ("folder without text", empty_folder, "error"),
        ("empty file", empty, "no-han"),
        ("only punctuation", punctuation, "no-han"),
        ("only latin", latin, "no-han"),
        ("invalid UTF-8 mid 10 MB", invalid_utf8, "error"),
        ("UTF-16 with BOM", utf16, "error"),
        ("gzip named .txt", gzip_txt, "error"),
        ("PNG", png, "error"),
        ("NUL bytes", nul, "error"),
    ]


def dictionary_inputs() -> list[tuple[str, Callable[[Path, BigFiles], tuple], str]]:
    """(name, make(folder, big) -> (path, names, where), outcome) for lexicon files:
    outcome "error" or "ok" (a count cut short is still a count: it cannot be detected)."""
    good = LEXICON.encode()

    def from_bytes(name: str, data: bytes, where: list[str] | None = None) -> Callable:
        def make(folder: Path, big: BigFiles) -> tuple:
            return write(folder / name, data), [name], where or []
        return make

    def missing(folder: Path, big: BigFiles) -> tuple:
        return folder / "missing.dict", ["missing.dict"], []

    def invalid_utf8(folder: Path, big: BigFiles) -> tuple:
        _, bad, line, offset = big.invalid_utf8("dictionary")
        return bad, [bad.name], [f"line {line}", f"byte {offset}"]

    n_lines = good.count(b"\n")
    cut_word = good + "中华人".encode()  # the last line cut inside its word: no count
    cut_bytes = good + "中华人民 3\n中华".encode()[:-1]  # cut inside a character
    cut_count = good + b"\xe4\xb8\xad\xe5\x8d\x8e 12"  # "中华 12" from "中华 1234": undetectable
    rng = random.Random(4)
    corrupt = bytes(rng.randrange(256) for _ in range(4096))
    return [
        ("missing lexicon", missing, "error"),
        ("empty lexicon", from_bytes("empty.dict", b""), "ok"),
        ("lexicon cut mid-word", from_bytes("cut_word.dict", cut_word, [f"line {n_lines + 1}"]),
         "error"),
        ("lexicon cut mid-character", from_bytes("cut_char.dict", cut_bytes,
                                                 [f"line {n_lines + 2}"]), "error"),
        ("lexicon cut mid-count", from_bytes("cut_count.dict", cut_count), "ok"),
        ("lexicon of random bytes", from_bytes("random.dict", corrupt, [
            f"line {corrupt.count(10, 0, corrupt.index(0)) + 1}", f"byte {corrupt.index(0)}"]),
         "error"),
        ("lexicon gzip", from_bytes("packed.dict", gzip.compress(good, mtime=0)), "error"),
        ("lexicon PNG", from_bytes("image.dict", PNG), "error"),
        ("lexicon with BOM", from_bytes("bom.dict", b"\xef\xbb\xbf" + good, ["line 1"]),
         "error"),
        ("lexicon UTF-16", from_bytes("utf16.dict", LEXICON.encode("utf-16")), "error"),
        ("lexicon non-numeric count", from_bytes("alpha.dict", good + "中华 many\n".encode(),
                                                 [f"line {n_lines + 1}"]), "error"),
        ("lexicon NUL bytes", from_bytes("nul.dict", good.replace(b"\n", b"\x00\n", 2)),
         "error"),
        ("lexicon invalid UTF-8 mid 10 MB", invalid_utf8, "error"),
        ("TSV lexicon cut mid-row", from_bytes("cut.tsv", TSV_LEXICON.encode()[:-12],
                                               ["line 4"]), "error"),
        ("TSV lexicon non-numeric count", from_bytes(
            "alpha.tsv", TSV_LEXICON.replace("\t50\t", "\tfifty\t").encode(), ["line 3"]),
         "error"),
    ]


def output_paths() -> list[tuple[str, Callable[[Path], tuple[Path, list[str]]]]]:
    """(name, make(folder) -> (output path, names in the message)) of unusable output paths."""
    def no_folder(folder: Path) -> tuple[Path, list[str]]:
        return folder / "nowhere" / "out.txt", ["nowhere"]

    def under_file(folder: Path) -> tuple[Path, list[str]]:
        write(folder / "plain.txt", "not a folder\n")
        return folder / "plain.txt" / "out.txt", ["plain.txt"]

    def is_folder(folder: Path) -> tuple[Path, list[str]]:
        (folder / "outdir").mkdir()
        return folder / "outdir", ["outdir"]

    def read_only(folder: Path) -> tuple[Path, list[str]]:
        target = folder / "locked"
        target.mkdir()
        target.chmod(0o555)
        return target / "out.txt", ["out.txt"]

    cases = [("output folder missing", no_folder), ("output under a file", under_file),
             ("output is a folder", is_folder)]
    if os.geteuid() != 0:  # root writes anywhere: chmod cannot make a folder read-only
        cases.append(("output folder read-only", read_only))
    return cases


def reset_permissions(folder: Path) -> None:
    """Make everything under `folder` writable again (for tmp_path clean-up)."""
    for p in folder.rglob("*"):
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)


def copy(src: Path, dest: Path) -> Path:
    """Copy a file, creating the destination folder."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


# --- the cases of each command ---------------------------------------------------------------

LONG_LINE_RSS_MB = 400  # peak memory allowed for a 50 MB line where nothing needs it whole
QUIET = ["-q"]


def _lossless(delimiter: str) -> Callable[[Outcome, Setup], None]:
    """Check: the output is the input (every input argument, in order) with the delimiter
    inserted between words and a newline after each line."""
    def check(outcome: Outcome, setup: Setup) -> None:
        assert setup.source is not None
        text = setup.source.read_bytes().decode("utf-8")
        got = setup.out.read_bytes().decode("utf-8") if setup.out else outcome.stdout.decode()
        want = "".join(line + "\n" for line in text.splitlines())
        assert got.replace(delimiter, "") == want.replace(delimiter, "")
    return check


def _output_equals(expected: str) -> Callable[[Outcome, Setup], None]:
    def check(outcome: Outcome, setup: Setup) -> None:
        got = setup.out.read_text(encoding="utf-8") if setup.out else outcome.stdout.decode()
        assert got == expected, got[:200]
    return check


def _scores(n_lines: int, f1: float) -> Callable[[Outcome, Setup], None]:
    def check(outcome: Outcome, setup: Setup) -> None:
        import json

        scores = json.loads(outcome.stdout)
        assert scores["n_lines"] == n_lines and abs(scores["f1"] - f1) < 1e-9, scores
    return check


def build_lexicon_cases() -> list[Case]:
    """build-lexicon CORPUS -o out/lex.dict."""
    def run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "lex.dict"
            out.parent.mkdir()
            return Setup(["build-lexicon", str(path), "-o", str(out), *QUIET], names, where, out)
        return setup

    cases = [Case("build-lexicon", name, run(make), big=name.endswith("MB"))
             for name, make, _ in text_inputs()]

    def long_line(folder: Path, big: BigFiles) -> Setup:
        out = folder / "lex.dict"
        return Setup(["build-lexicon", str(big.long_line()), "-o", str(out), *QUIET], out=out)

    def second_bad(folder: Path, big: BigFiles) -> Setup:
        good = write(folder / "good.txt", CORPUS)
        bad = write(folder / "bad.txt", CORPUS.encode() + b"\xe4\xb8\n")
        out = folder / "lex.dict"
        return Setup(["build-lexicon", str(good), str(bad), "-o", str(out), *QUIET],
                     ["bad.txt"], [f"line {len(SENTENCES) * 40 + 1}"], out)

    def stdin_bad(folder: Path, big: BigFiles) -> Setup:
        out = folder / "lex.dict"
        return Setup(["build-lexicon", "-", "-o", str(out), *QUIET], ["<stdin>"],
                     ["line 3", "byte 8"], out, stdin="一\n二\n".encode() + b"\xc0\xaf\n")

    def has_output(outcome: Outcome, setup: Setup) -> None:
        assert setup.out is not None and setup.out.stat().st_size > 0

    cases += [
        Case("build-lexicon", "50 MB line", long_line, ok=True, check=has_output, big=True,
             note="memory: see test_long_line_memory"),
        Case("build-lexicon", "second file bad", second_bad),
        Case("build-lexicon", "invalid UTF-8 on stdin", stdin_bad),
    ]
    cases += _output_cases("build-lexicon", lambda folder, out: [
        "build-lexicon", str(write(folder / "corpus.txt", CORPUS)), "-o", str(out), *QUIET])
    return cases


def _output_cases(command: str, argv: Callable[[Path, Path], list[str]]) -> list[Case]:
    def run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            out, names = make(folder)
            return Setup(argv(folder, out), names, [], out)
        return setup

    return [Case(command, name, run(make)) for name, make in output_paths()]


def segment_cases() -> list[Case]:
    """segment --lexicon lex.dict INPUT -o out/seg.txt (and --dict, stdin)."""
    def lexicon(folder: Path) -> Path:
        return write(folder / "lex.dict", LEXICON)

    def run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "seg.txt"
            out.parent.mkdir()
            return Setup(["segment", "--lexicon", str(lexicon(folder)), str(path), "-o", str(out),
                          *QUIET], names, where, out, source=path)
        return setup

    cases = []
    for name, make, outcome in text_inputs():
        ok = outcome != "error"
        cases.append(Case("segment", name, run(make), ok=ok, check=_lossless(" ") if ok else None,
                          big=name.endswith("MB")))

    def long_line(folder: Path, big: BigFiles) -> Setup:
        out, path = folder / "seg.txt", big.long_line()
        return Setup(["segment", "--lexicon", str(lexicon(folder)), str(path), "-o", str(out),
                      "--delimiter", "\u2063", *QUIET], out=out, source=path)

    def with_lexicon(make: Callable, option: str = "--lexicon") -> Callable:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            text = write(folder / "input.txt", CORPUS)
            out = folder / "out" / "seg.txt"
            out.parent.mkdir()
            return Setup(["segment", option, str(path), str(text), "-o", str(out), *QUIET],
                         names, where, out)
        return setup

    def stdin_bad(folder: Path, big: BigFiles) -> Setup:
        out = folder / "seg.txt"
        return Setup(["segment", "--lexicon", str(lexicon(folder)), "-o", str(out), *QUIET],
                     ["<stdin>"], ["line 2", "byte 7"], out, stdin="中国\n".encode() + b"\xff\n")

    cases.append(Case("segment", "50 MB line", long_line, ok=True, check=_lossless("\u2063"),
                      big=True, max_rss_mb=LONG_LINE_RSS_MB))
    for name, make, outcome in dictionary_inputs():
        cases.append(Case("segment", name, with_lexicon(make), ok=outcome == "ok",
                          big=name.endswith("MB")))
    for name, make, outcome in dictionary_inputs():
        if name in ("lexicon cut mid-word", "lexicon with BOM", "lexicon PNG"):
            cases.append(Case("segment", f"--dict {name[8:]}", with_lexicon(make, "--dict")))
    cases.append(Case("segment", "invalid UTF-8 on stdin", stdin_bad))
    cases += _output_cases("segment", lambda folder, out: [
        "segment", "--lexicon", str(lexicon(folder)), str(write(folder / "in.txt", CORPUS)),
        "-o", str(out), *QUIET])
    return cases


def evaluate_cases() -> list[Case]:
    """evaluate GOLD PRED [--words W] --json."""
    def as_pred(make: Callable, big_gold: bool) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            # the 10 MB prediction must match its gold up to the bad byte
            gold = big.invalid_utf8("gold")[0] if big_gold else write(folder / "gold.txt", GOLD)
            return Setup(["evaluate", str(gold), str(path), "--json"], names, where)
        return setup

    def as_gold(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            return Setup(["evaluate", str(path), str(write(folder / "pred.txt", PRED)), "--json"],
                         names, where)
        return setup

    cases = [Case("evaluate", f"pred: {name}", as_pred(make, name.endswith("MB")),
                  big=name.endswith("MB"))
             for name, make, _ in text_inputs("gold")]
    cases += [Case("evaluate", f"gold: {name}", as_gold(make))
              for name, make, _ in text_inputs("gold")
              if name in ("missing file", "folder without text", "UTF-16 with BOM",
                          "gzip named .txt", "PNG", "NUL bytes")]

    def both_empty(folder: Path, big: BigFiles) -> Setup:
        return Setup(["evaluate", str(write(folder / "gold.txt", b"")),
                      str(write(folder / "pred.txt", b"")), "--json"])

    def long_line(folder: Path, big: BigFiles) -> Setup:
        path = big.long_line("gold")
        return Setup(["evaluate", str(path), str(path), "--json"])

    def words(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            return Setup(["evaluate", str(write(folder / "gold.txt", GOLD)),
                          str(write(folder / "pred.txt", PRED)), "--words", str(path), "--json"],
                         names, where)
        return setup

    cases += [
        Case("evaluate", "both empty", both_empty, ok=True, check=_scores(0, 0.0)),
        Case("evaluate", "50 MB line", long_line, ok=True, check=_scores(1, 1.0), big=True,
             max_rss_mb=LONG_LINE_RSS_MB),
    ]
    for name, make, _ in dictionary_inputs():
        if name in ("missing lexicon", "lexicon PNG", "lexicon gzip", "lexicon UTF-16"):
            cases.append(Case("evaluate", f"--words {name[8:]}", words(make)))
    return cases


def new_words_cases() -> list[Case]:
    """new-words LEXICON --base BASE -o out/new.txt."""
    def run(make: Callable, role: str) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            other = write(folder / "other.dict", "中国 1\n人民 1\n")
            out = folder / "out" / "new.txt"
            out.parent.mkdir()
            lexicon, base = (path, other) if role == "lexicon" else (other, path)
            return Setup(["new-words", str(lexicon), "--base", str(base), "-o", str(out)],
                         names, where, out)
        return setup

    cases = [Case("new-words", name, run(make, "lexicon"), ok=outcome == "ok",
                  big=name.endswith("MB"))
             for name, make, outcome in dictionary_inputs()]
    cases += [Case("new-words", f"base: {name[8:]}", run(make, "base"), ok=outcome == "ok")
              for name, make, outcome in dictionary_inputs()
              if name in ("missing lexicon", "lexicon with BOM", "lexicon PNG",
                          "lexicon cut mid-word")]

    def tsv(folder: Path, big: BigFiles) -> tuple:
        return write(folder / "lex.tsv", TSV_LEXICON), [], []

    def long_line(folder: Path, big: BigFiles) -> tuple:
        path = big.long_line()
        return path, [path.name], ["line 1"]

    def text_file(make: Callable) -> Callable:
        return run(lambda folder, big: make(folder, big), "lexicon")

    cases += [
        Case("new-words", "TSV lexicon", run(tsv, "lexicon"), ok=True,
             check=_output_equals("经济 60\n")),
        Case("new-words", "50 MB line", text_file(long_line), big=True,
             max_rss_mb=LONG_LINE_RSS_MB),
    ]
    for name, make, _ in text_inputs():
        if name in ("folder without text", "gzip named .txt"):
            cases.append(Case("new-words", name, text_file(make)))
    cases += _output_cases("new-words", lambda folder, out: [
        "new-words", str(write(folder / "lex.dict", LEXICON)), "--base",
        str(write(folder / "base.dict", "中国 1\n")), "-o", str(out)])
    return cases


ALL_CASES: dict[str, Callable[[], list[Case]]] = {
    "build-lexicon": build_lexicon_cases,
    "segment": segment_cases,
    "evaluate": evaluate_cases,
    "new-words": new_words_cases,
}


def params(cases: list["Case"]) -> list:
    """pytest parameters of `cases`, the large ones marked slow."""
    import pytest

    return [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.big else []) for c in cases]


def wait_for_file(path: str, timeout: float) -> str:
    """A pool task: "seen" once `path` exists, "timeout" if it does not within `timeout` s."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return "seen"
        time.sleep(0.01)
    return "timeout"


def answer_after_file(marker: str, megabytes: int) -> bytes:
    """A pool task: writes `marker`, then answers `megabytes` MB (far more than a pipe holds,
    so the worker stays in the middle of sending until the parent reads)."""
    Path(marker).write_text("")
    return b"x" * (megabytes << 20)


def sleep_then(seconds: float, value: object) -> object:
    """A pool task: `value` after `seconds`."""
    import time

    time.sleep(seconds)
    return value
