"""The public surface: every name in ``mentropy.__all__`` resolves, ``from mentropy import *``
works, and importing the package stays cheap (no numba until a name needs it)."""
from __future__ import annotations

import subprocess
import sys

import mentropy


def test_every_name_in_all_resolves():
    missing = [name for name in mentropy.__all__ if not hasattr(mentropy, name)]
    assert missing == []


def test_star_import_works():
    namespace: dict = {}
    exec("from mentropy import *", namespace)
    assert {"build_lexicon", "Segmenter", "count_ngrams", "set_default"} <= set(namespace)


def test_public_functions_have_docstrings_and_hints():
    import inspect

    undocumented = []
    for name in mentropy.__all__:
        obj = getattr(mentropy, name)
        if callable(obj) and not inspect.getdoc(obj):
            undocumented.append(name)
    assert undocumented == []


def test_import_does_not_load_numba():
    code = "import sys, mentropy, mentropy.cli; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_module_level_cut_needs_a_default_and_says_how(tmp_path):
    from mentropy.errors import MentropyError

    mentropy.set_default(None)
    try:
        mentropy.lcut("中文")
    except MentropyError as exc:
        assert "mentropy.set_default" in str(exc)
    else:
        raise AssertionError("lcut without a default segmenter must raise")
    lexicon = tmp_path / "words.dict"
    lexicon.write_text("中文 5\n分词 3\n", encoding="utf-8")
    mentropy.set_default(str(lexicon))  # a path is accepted too
    try:
        assert mentropy.lcut("中文分词") == ["中文", "分词"]
        assert mentropy.tokenize("中文") == [("中文", 0, 2)]
    finally:
        mentropy.set_default(None)
