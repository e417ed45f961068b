"""Start-up: numba's on-disk cache serves an installed package whose folder is read-only.

pip installs mentropy where the user often cannot write (a system site-packages). numba then
cannot cache next to the source and falls back to a user-wide folder (~/.cache/numba); this
test checks that the fallback really happens: the first run compiles and writes nothing into
the package, the second run compiles nothing and gives the same result. Timings live in
benchmarks/bench_startup.py, not here.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import mentropy

pytestmark = pytest.mark.slow

NOBODY = 65534

CHILD = r"""
import json, sys
from numba.core import event

compiled = event.RecordingListener()
event.register("numba:compile", compiled)
import mentropy
from mentropy.lexicon import build_lexicon
from mentropy.segment import Segmenter

assert mentropy.__file__.startswith(sys.argv[1]), mentropy.__file__
lex = build_lexicon(sys.argv[2], progress=False)
words = Segmenter.from_lexicon(lex).lcut("中国人民银行今天宣布，1998年经济增长8%。")
ours = sorted({ev.data["dispatcher"].py_func.__qualname__ for _, ev in compiled.buffer
               if ev.is_start and ev.data.get("dispatcher") is not None
               and ev.data["dispatcher"].py_func.__module__.startswith("mentropy.")})
print(json.dumps({"compiled": ours, "words": words, "entries": len(lex)}))
"""


def _drop_privileges() -> list[str] | None:
    """The command prefix that runs a child as a user who cannot write the copy, or None.

    As root, file modes do not stop writes: the child runs as `nobody` (setpriv). Otherwise
    the read-only modes suffice.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def _run(prefix: list[str], site: Path, home: Path, corpus: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")}
    env.update(HOME=str(home), PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([*prefix, sys.executable, "-c", CHILD, str(site), str(corpus)],
                          capture_output=True, text=True, env=env, cwd=str(home), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_read_only_package_caches_in_the_user_folder(sample_lines):
    prefix = _drop_privileges()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make the package unwritable")
    # under /tmp with open modes: the unprivileged child must reach it (pytest's tmp_path is
    # private to this user)
    top = Path(tempfile.mkdtemp(prefix="mentropy-readonly-"))
    try:
        top.chmod(0o755)
        site = top / "site"
        package = Path(mentropy.__file__).resolve().parent
        shutil.copytree(package, site / "mentropy",
                        ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
        corpus = top / "corpus.txt"
        corpus.write_text("".join(sample_lines[:300]), encoding="utf-8")
        home = top / "home"
        home.mkdir()
        if os.geteuid() == 0:
            os.chown(home, NOBODY, NOBODY)
        for path in [site, *site.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        corpus.chmod(0o444)

        first = _run(prefix, site, home, corpus)
        assert "segment_lines" in first["compiled"] and first["entries"] > 100
        written = [p for p in site.rglob("*") if p.suffix in (".nbi", ".nbc")]
        assert written == []  # nothing went next to the read-only source
        cached = list((home / ".cache" / "numba").rglob("*.nbi"))
        assert len(cached) >= len(first["compiled"]) // 2

        second = _run(prefix, site, home, corpus)
        assert second["compiled"] == []  # every kernel came from the user-wide cache
        assert second["words"] == first["words"] and second["entries"] == first["entries"]
    finally:
        for path in [top, *top.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)
