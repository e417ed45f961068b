"""Start-up: the caches that make a second run fast (timings live in benchmarks/bench_startup.py).

numba's on-disk cache must serve an installed package whose folder is read-only: pip installs
mentropy where the user often cannot write (a system site-packages); numba then cannot cache
next to the source and falls back to a user-wide folder (~/.cache/numba). The test checks that
the fallback really happens: the first run compiles and writes nothing into the package, the
second run compiles nothing and gives the same result.

The trie of a large dictionary file is cached too (matcher.dictionary_trie): same answers as
a fresh build, invalidated by a change of the file, never changed by add_word, and any problem
with the cache means building as before.
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
from mentropy import matcher
from mentropy.segment import Segmenter

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


@pytest.mark.slow
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


# --- the dictionary trie cache ----------------------------------------------------------------

DICT = "中国 50\n人民 40\n中国人 5\n银行 30\n人 20\n民 10\n国 10\n中 10\n"
TEXT = ["中国人民银行", "人民中国", "银行人民"]


@pytest.fixture
def cached(tmp_path, monkeypatch):
    """A dictionary file and a cache folder in tmp_path; every dictionary is cached."""
    monkeypatch.setattr(matcher, "CACHE_MIN_BYTES", 0)
    monkeypatch.setenv("MENTROPY_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "words.dict"
    path.write_text(DICT, encoding="utf-8")
    return path


def _no_parsing(monkeypatch):
    import mentropy.dictionary

    def fail(path):
        raise AssertionError("parsed the dictionary instead of loading the cache")

    monkeypatch.setattr(mentropy.dictionary, "read_dictionary_arrays", fail)


def test_cached_trie_segments_as_a_fresh_build(cached, monkeypatch, tmp_path):
    fresh = Segmenter.from_lexicon(cached)  # builds and writes the cache
    assert len(list((tmp_path / "cache").glob("trie-*/table.npy"))) == 1
    with monkeypatch.context() as m:
        _no_parsing(m)
        again = Segmenter.from_lexicon(cached)
    assert again.cut_many(TEXT) == fresh.cut_many(TEXT) == [["中国", "人民", "银行"],
                                                            ["人民", "中国"], ["银行", "人民"]]
    assert (len(again), again.total) == (len(fresh), fresh.total) == (8, 175)
    assert again.entries()[0] == fresh.entries()[0]


def test_add_word_never_reaches_the_cache(cached):
    Segmenter.from_lexicon(cached)
    seg = Segmenter.from_lexicon(cached)
    seg.add_word("民银", 1000)
    seg.del_word("中国")
    assert seg.lcut("中国人民银行") == ["中国人", "民银", "行"]
    assert Segmenter.from_lexicon(cached).lcut("中国人民银行") == ["中国", "人民", "银行"]


def test_a_changed_file_is_read_again(cached):
    assert Segmenter.from_lexicon(cached).lcut("人民银行") == ["人民", "银行"]
    cached.write_text(DICT + "人民银行 1000\n", encoding="utf-8")
    st = cached.stat()
    os.utime(cached, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert Segmenter.from_lexicon(cached).lcut("人民银行") == ["人民银行"]


def test_a_broken_or_unwritable_cache_is_ignored(cached, tmp_path, monkeypatch):
    Segmenter.from_lexicon(cached)
    table = next((tmp_path / "cache").glob("trie-*/table.npy"))
    table.write_bytes(table.read_bytes()[:100])  # truncated
    assert Segmenter.from_lexicon(cached).lcut("中国人民银行") == ["中国", "人民", "银行"]
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("MENTROPY_CACHE_DIR", str(blocked / "cache"))
    assert Segmenter.from_lexicon(cached).lcut("中国人民银行") == ["中国", "人民", "银行"]
    monkeypatch.setenv("MENTROPY_CACHE_DIR", "")  # off
    assert matcher.cache_dir() is None
    assert Segmenter.from_lexicon(cached).lcut("中国人民银行") == ["中国", "人民", "银行"]


def test_small_dictionaries_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTROPY_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "words.dict"
    path.write_text(DICT, encoding="utf-8")
    assert path.stat().st_size < matcher.CACHE_MIN_BYTES
    Segmenter.from_lexicon(path)
    assert not (tmp_path / "cache").exists()


# --- what a first `segment` compiles -------------------------------------------------------

FIRST_SEGMENT = r"""
import json, sys
from numba.core import event

compiled = event.RecordingListener()
event.register("numba:compile", compiled)
import mentropy.cli

assert mentropy.__file__.startswith(sys.argv[1]), mentropy.__file__
mentropy.cli.main(["segment", "--lexicon", sys.argv[2], "-q"], standalone_mode=False)
names = sorted({(ev.data["dispatcher"].py_func.__module__,
                 ev.data["dispatcher"].py_func.__qualname__) for _, ev in compiled.buffer
                if ev.is_start and ev.data.get("dispatcher") is not None})
print(json.dumps(names))
"""


@pytest.mark.slow
def test_a_first_segment_compiles_only_its_kernels(tmp_path):
    """With an empty numba cache, ``segment --lexicon`` compiles the kernels of matching and
    cutting only (none of the phrase level, the builder or the CRF) and none of numba's
    shape-error formatting, which a slice assignment in a kernel brings in (~1.5 s of a first
    run, mentropy/_kernels/__init__.py)."""
    words = tmp_path / "words.dict"
    words.write_text("中国 50\n人民 40\n银行 30\n", encoding="utf-8")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               MENTROPY_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=str(Path(mentropy.__file__).resolve().parent.parent))
    proc = subprocess.run([sys.executable, "-c", FIRST_SEGMENT, env["PYTHONPATH"], str(words)],
                          input="中国人民银行\n", capture_output=True, text=True, env=env,
                          cwd=str(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout.strip().splitlines()
    assert out[0] == "中国 人民 银行"
    compiled = json.loads(out[-1])
    ours = {module for module, _ in compiled if module.startswith("mentropy.")}
    assert ours == {"mentropy._kernels." + name for name in ("atoms", "dictfile", "trie",
                                                              "viterbi")}
    assert [name for _, name in compiled if "shape_context" in name] == []


# --- one specialisation per kernel ------------------------------------------------------------

SPECIALISATIONS = r"""
import json, sys
from mentropy import _kernels
from mentropy.lexicon import build_lexicon
from mentropy.segment import Segmenter
lex = build_lexicon(sys.argv[1], progress=False, stats=True)
for seg in (Segmenter.from_lexicon(lex), Segmenter.from_lexicon(sys.argv[2]),
            Segmenter.from_lexicon(lex, jieba_compatible=True)):
    seg.lcut("中国人民银行，iPhone 7 售价 3.14 万"); seg.cut_many(["中国人民", "", "ａｂｃ 1.5"])
    list(seg.segmented_blocks(["中国人民", "x"]))
import importlib, pkgutil
many = {}
for info in pkgutil.iter_modules(_kernels.__path__):
    module = importlib.import_module("mentropy._kernels." + info.name)
    for name, obj in vars(module).items():
        if hasattr(obj, "signatures") and len(obj.signatures) > 1:
            many[info.name + "." + name] = [str(s) for s in obj.signatures]
print(json.dumps(many))
"""


def test_each_kernel_is_compiled_for_one_signature(sample_lines, tmp_path):
    """The wrappers coerce every argument to one type (a read-only code point array or a
    literal flag used to add a second compilation of a kernel to every first run)."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(sample_lines[:200]), encoding="utf-8")
    words = tmp_path / "words.dict"
    words.write_text("中国 50\n人民 40\n银行 30\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", SPECIALISATIONS, str(corpus), str(words)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {}


def test_keep_freed_memory_respects_the_users_malloc_settings(monkeypatch):
    from mentropy import memory

    if memory._glibc() is None:
        pytest.skip("not glibc")
    import os

    for key in [k for k in os.environ if k.startswith("MALLOC_")]:
        monkeypatch.delenv(key)  # dask.distributed sets MALLOC_TRIM_THRESHOLD_ when imported
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1000")
    assert memory.keep_freed_memory() is False
    monkeypatch.delenv("GLIBC_TUNABLES")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    assert memory.keep_freed_memory() is False
    assert memory.keep_freed_memory(override=True) is True  # a process this run started
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert memory.keep_freed_memory() is True
