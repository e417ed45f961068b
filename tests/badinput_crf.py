"""Bad-input cases of train-crf and segment --model, in the form of tests/badinput.py (so that
``ALL_CASES.update(badinput_crf.ALL_CASES)`` adds them to the matrix), and the damaged model
files they share with tests/test_crf.py."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

import badinput as B
from badinput import BigFiles, Case, Outcome, Setup, write

FAST = ["--iterations", "10", "--hash-bits", "14", *B.QUIET]
GOLD_LINES = 300  # lines of corpora/sample_gold.txt in the gold training file


def gold(folder: Path) -> Path:
    """A small gold training file (words separated by spaces)."""
    lines = B.SAMPLE_GOLD.read_text(encoding="utf-8").splitlines()[:GOLD_LINES]
    return write(folder / "gold.txt", "".join(x + "\n" for x in lines))


def model(big: BigFiles) -> Path:
    """A CRF model trained on :func:`gold` (once per session, in the shared folder)."""
    path = big.root / "crf-model.crf"
    if not path.exists():
        out = B.run_in_process(["train-crf", "--gold", str(gold(big.root / "crf-gold")),
                                "-o", str(path), *FAST])
        assert out.code == 0, out.stderr
    return path


# -- damaged model files (shared with tests/test_crf.py) --------------------------------------


def rewrite_model(src: Path, dst: Path, change: Callable[[dict, dict], None]) -> Path:
    """Copy the model `src` to `dst` after change(meta, arrays) edited its metadata and arrays."""
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["meta"].tobytes())
    change(meta, arrays)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(dst, "wb") as f:
        np.savez(f, **arrays)
    return dst


def damaged_model(src: Path, dst: Path, damage: str) -> Path:
    """Write `src` damaged to `dst`: truncated (half), garbage, empty, no_meta (the metadata
    array left out) or pickle (an object array, which must never be unpickled)."""
    data = src.read_bytes()
    if damage == "truncated":
        dst.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        dst.write_bytes(b"not a model at all\n" * 10)
    elif damage == "empty":
        dst.write_bytes(b"")
    elif damage == "no_meta":
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for name in zin.namelist():
                if name != "meta.npy":
                    zout.writestr(name, zin.read(name))
    elif damage == "pickle":
        with open(dst, "wb") as f:
            np.savez(f, meta=np.array([{"kind": "crf-segmenter"}], dtype=object))
    else:
        raise ValueError(damage)
    return dst


DAMAGES = ("truncated", "garbage", "empty", "no_meta", "pickle")


# -- train-crf ---------------------------------------------------------------------------------


def _loads(outcome: Outcome, setup: Setup) -> None:
    """The model written loads and cuts losslessly."""
    from mentropy.crf import CRFSegmenter

    crf = CRFSegmenter.load(setup.out)
    assert "".join(crf.lcut("中国人民银行今天宣布")) == "中国人民银行今天宣布"


def train_crf_cases() -> list[Case]:
    """train-crf --gold GOLD -o out/m.crf, and train-crf --lexicon LEX RAW -o out/m.crf."""
    def gold_run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "m.crf"
            out.parent.mkdir()
            return Setup(["train-crf", "--gold", str(path), "-o", str(out), *FAST], names,
                         where, out)
        return setup

    def raw_run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "m.crf"
            out.parent.mkdir()
            return Setup(["train-crf", "--lexicon", str(write(folder / "lex.dict", B.LEXICON)),
                          str(path), "-o", str(out), *FAST], names, where, out)
        return setup

    def text(name: str, data: str | bytes, where: list[str] | None = None) -> Callable:
        def make(folder: Path, big: BigFiles) -> tuple:
            return write(folder / name, data), [name], where or []
        return make

    cases = []
    # gold: every unreadable file fails; a file of one-"word" lines (marks, latin) trains
    for name, make, outcome in B.text_inputs("gold"):
        if outcome == "error":
            cases.append(Case("train-crf", f"gold: {name}", gold_run(make),
                              big=name.endswith("MB")))
    raw_text = "中国人民银行今天宣布下调存款利率经济发展需要稳定的金融环境银行要支持实体经济"
    cases += [
        Case("train-crf", "gold: empty file", gold_run(text("empty.txt", b"", [
            "empty training set"]))),
        Case("train-crf", "gold: blank lines only", gold_run(text("blank.txt", "\n  \n\n", [
            "empty training set"]))),
        Case("train-crf", "gold: one sentence", gold_run(text("one.txt", "中国  人民  银行\n", [
            "one training sentence"]))),
        Case("train-crf", "gold: raw text line", gold_run(text(
            "raw.txt", "中国  人民\n经济  发展\n" + raw_text + "\n",
            ["line 3", "not words separated by spaces"]))),
        Case("train-crf", "gold: PKU line without tag", gold_run(text(
            "pku.txt", "中国/ns  人民/n\n" * 6 + "经济/n  发展\n", ["line 7"]))),
        Case("train-crf", "gold: invalid UTF-8 on line 2", gold_run(text(
            "bad.txt", "中国  人民\n".encode() + b"\xe4\xb8\xff\n", ["line 2"]))),
        Case("train-crf", "gold: only punctuation", gold_run(text(
            "punct.txt", "，  。  ！\n“  ”\n" * 20)), ok=True, check=_loads),
    ]
    # silver: the raw text, then the lexicon
    for name, make, outcome in B.text_inputs():
        if outcome == "error" and not name.endswith("MB"):
            cases.append(Case("train-crf", f"raw: {name}", raw_run(make)))
    cases += [
        Case("train-crf", "raw: empty file", raw_run(text("empty.txt", b"", [
            "empty training set"]))),
        Case("train-crf", "raw: one sentence", raw_run(text("one.txt", raw_text + "\n", [
            "one training sentence"]))),
    ]

    def with_lexicon(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "m.crf"
            out.parent.mkdir()
            return Setup(["train-crf", "--lexicon", str(path),
                          str(write(folder / "raw.txt", B.CORPUS)), "-o", str(out), *FAST],
                         names, where, out)
        return setup

    for name, make, outcome in B.dictionary_inputs():
        if outcome == "error" and not name.endswith("MB"):
            cases.append(Case("train-crf", name, with_lexicon(make)))
    def parse_run(make: Callable[[Path], tuple[Path, Path, list[str], list[str]]]) -> Callable:
        def setup(folder: Path, big: BigFiles) -> Setup:
            tpl, lex, names, where = make(folder)
            out = folder / "out" / "m.crf"
            out.parent.mkdir()
            return Setup(["train-crf", "--gold", str(gold(folder)), "--parse-features", str(tpl),
                          "--parse-lexicon", str(lex), "-o", str(out), *FAST], names, where, out)
        return setup

    def lexicon(folder: Path) -> Path:
        return write(folder / "lex.dict", B.LEXICON)

    def parse_missing(folder: Path) -> tuple:
        return folder / "none.jsonl", lexicon(folder), ["none.jsonl", "no such file"], []

    def parse_not_json(folder: Path) -> tuple:
        return write(folder / "bad.jsonl", "我 5\n"), lexicon(folder), ["bad.jsonl"], ["line 1"]

    def parse_other_lexicon(folder: Path) -> tuple:
        import badinput_templates

        tpl = badinput_templates.templates(folder, lexicon(folder))
        other = write(folder / "other.dict", "中国 5\n人民 4\n")
        return tpl, other, ["t.jsonl"], ["line 1", "another lexicon"]

    cases += [
        Case("train-crf", "--parse-features missing", parse_run(parse_missing)),
        Case("train-crf", "--parse-features not templates", parse_run(parse_not_json)),
        Case("train-crf", "--parse-features of another lexicon", parse_run(parse_other_lexicon)),
    ]
    cases += B._output_cases("train-crf", lambda folder, out: [
        "train-crf", "--gold", str(gold(folder)), "-o", str(out), *FAST])
    return cases


# -- segment --model ---------------------------------------------------------------------------


def segment_model_cases() -> list[Case]:
    """segment --model MODEL in.txt -o out/seg.txt."""
    def run(make: Callable[[Path, Path], tuple[Path, list[str]]]) -> Callable:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, where = make(folder, model(big))
            out = folder / "out" / "seg.txt"
            out.parent.mkdir()
            return Setup(["segment", "--model", str(path), str(write(folder / "in.txt", B.CORPUS)),
                          "-o", str(out), *B.QUIET], [path.name], where, out)
        return setup

    def damaged(damage: str) -> Callable[[Path, Path], tuple[Path, list[str]]]:
        return lambda folder, good: (damaged_model(good, folder / "bad.crf", damage), [])

    def changed(change: Callable[[dict, dict], None], where: list[str]) -> Callable:
        return lambda folder, good: (rewrite_model(good, folder / "bad.crf", change), where)

    def scramble(meta: dict, arrays: dict) -> None:
        arrays["weights"] = np.random.default_rng(0).normal(0, 50, arrays["weights"].shape)

    cases = [Case("segment --model", f"model {d.replace('_', ' ')}", run(damaged(d)))
             for d in DAMAGES]
    cases += [
        Case("segment --model", "model of a newer format", run(changed(
            lambda m, a: m.update(format=99), ["newer"]))),
        Case("segment --model", "model of other feature templates", run(changed(
            lambda m, a: m["features"].update(templates=2), ["templates v2", "retrain"]))),
        Case("segment --model", "model with an unknown feature option", run(changed(
            lambda m, a: m["features"].update(shape_features=True), ["shape_features"]))),
        Case("segment --model", "model naming parse templates it lacks", run(changed(
            lambda m, a: m["features"].update(parse_features="ab" * 32), ["no templates"]))),
        Case("segment --model", "model of another kind", run(changed(
            lambda m, a: m.update(kind="lexicon"), ["not a mentropy CRF model"]))),
        Case("segment --model", "model weights corrupt", run(changed(scramble,
                                                                     ["self-test"]))),
        Case("segment --model", "model missing", run(
            lambda folder, good: (folder / "none.crf", ["no such file"]))),
        Case("segment --model", "model is a folder", run(
            lambda folder, good: ((folder / "m.crf").mkdir() or folder / "m.crf", []))),
    ]
    def output(make: Callable[[Path], tuple[Path, list[str]]]) -> Callable:
        def setup(folder: Path, big: BigFiles) -> Setup:
            out, names = make(folder)
            return Setup(["segment", "--model", str(model(big)),
                          str(write(folder / "in.txt", B.CORPUS)), "-o", str(out), *B.QUIET],
                         names, [], out)
        return setup

    cases += [Case("segment --model", f"model: {name}", output(make))
              for name, make in B.output_paths()]
    return cases


ALL_CASES: dict[str, Callable[[], list[Case]]] = {
    "train-crf": train_crf_cases,
    "segment --model": segment_model_cases,
}
