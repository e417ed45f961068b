"""Count bundles (NgramCounts npz) that are truncated, corrupt, from a newer format or not
bundles at all: FormatError naming the file, never a pickle loaded, never a traceback from
numpy or zipfile (issue 4)."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from mentropy.counts import FORMAT_VERSION, NgramCounts
from mentropy.fragments import encode_texts
from mentropy.errors import FormatError, MentropyError

TEXTS = ["中国人民银行今天宣布下调存款利率。", "经济发展需要稳定的金融环境。"] * 5


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """(path of a valid bundle, its bytes)."""
    path = tmp_path_factory.mktemp("counts") / "ok.npz"
    NgramCounts.from_corpus(encode_texts(TEXTS), 3).save(path)
    return path, path.read_bytes()


def rewrite(data: bytes, **changes) -> bytes:
    """The bundle with arrays replaced (meta given as a dict is JSON-encoded)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = np.array(json.dumps(value)) if key == "meta" else value
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def meta_of(data: bytes) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return json.loads(str(z["meta"]))


def test_valid_bundle_round_trips(bundle):
    counts = NgramCounts.load(bundle[0])
    assert counts.count("中国") == 5 and counts.max_n == 3


def cases(data: bytes) -> dict[str, tuple[bytes, str]]:
    meta = meta_of(data)
    keys = np.load(io.BytesIO(data))["keys"]
    objects = io.BytesIO()
    np.savez(objects, **{"meta": np.array(json.dumps(meta)), "keys": np.array([{"x": 1}]),
                         "counts": np.zeros(1), "vocab_cps": np.zeros(1),
                         "vocab_counts": np.zeros(1)})
    return {
        "empty": (b"", "not a mentropy counts file"),
        "truncated": (data[:len(data) // 2], "not a mentropy counts file"),
        "random bytes": (bytes(range(256)) * 8, "not a mentropy counts file"),
        "a zip of text": (_zip_of_text(), "not a mentropy counts file"),
        "newer format": (rewrite(data, meta={**meta, "format": FORMAT_VERSION + 1}),
                         f"unsupported counts format {FORMAT_VERSION + 1}"),
        "other kind": (rewrite(data, meta={**meta, "kind": "crf"}), "unsupported"),
        "no metadata": (rewrite(data, meta=None), "not a mentropy counts file"),
        "missing array": (rewrite(data, counts=None), "not a mentropy counts file"),
        "rows do not match": (rewrite(data, keys=keys[:-1]), "do not match the metadata"),
        "pickled objects": (objects.getvalue(), "not a mentropy counts file"),
    }


def _zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "中文")
    return out.getvalue()


CASE_NAMES = ["empty", "truncated", "random bytes", "a zip of text", "newer format",
              "other kind", "no metadata", "missing array", "rows do not match",
              "pickled objects"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_bundle_names_the_file(bundle, tmp_path, name):
    data, reason = cases(bundle[1])[name]
    path = tmp_path / "bad.npz"
    path.write_bytes(data)
    with pytest.raises(FormatError, match=reason) as info:
        NgramCounts.load(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_pickle_is_never_loaded(bundle, tmp_path, monkeypatch):
    """An object array in a bundle is refused before anything is unpickled."""
    import pickle

    def no_unpickling(*args, **kwargs):
        raise AssertionError("a pickle was loaded")

    monkeypatch.setattr(pickle, "loads", no_unpickling)
    monkeypatch.setattr(pickle, "load", no_unpickling)
    path = tmp_path / "objects.npz"
    path.write_bytes(cases(bundle[1])["pickled objects"][0])
    with pytest.raises(FormatError):
        NgramCounts.load(path)


def test_missing_bundle(tmp_path):
    with pytest.raises(FormatError, match="missing.npz"):
        NgramCounts.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("where", ["nowhere/out.npz", "plain.txt/out.npz"])
def test_save_to_an_unusable_folder(bundle, tmp_path, where):
    (tmp_path / "plain.txt").write_text("x")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(MentropyError, match="does not exist"):
        NgramCounts.load(bundle[0]).save(tmp_path / where)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
