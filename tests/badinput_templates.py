"""Bad-input cases of mine-templates and parse, in the form of tests/badinput.py (so that
``ALL_CASES.update(badinput_templates.ALL_CASES)`` adds them to the matrix)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import badinput as B
from badinput import BigFiles, Case, Outcome, Setup, write

LONG_CHARS = 10_000


def lexicon(folder: Path) -> Path:
    return write(folder / "lex.dict", B.LEXICON)


def templates(folder: Path, lex: Path) -> Path:
    """A templates file mined from the matrix corpus with `lex`."""
    out = folder / "t.jsonl"
    outcome = B.run_in_process(["mine-templates", "--lexicon", str(lex),
                                str(write(folder / "mine.txt", B.CORPUS)), "-o", str(out), "-q"])
    assert outcome.code == 0, outcome.stderr
    return out


def _lossless(outcome: Outcome, setup: Setup) -> None:
    """The parse output holds one JSON object per input line whose text is the line."""
    source = setup.source.read_text(encoding="utf-8").splitlines() if setup.source else []
    rows = [json.loads(x) for x in setup.out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == source
    for r in rows:
        assert "".join(r["words"]) == r["text"] and r["tree"]["end"] == len(r["text"])


def _templates_file(outcome: Outcome, setup: Setup) -> None:
    rows = setup.out.read_text(encoding="utf-8").splitlines()
    assert json.loads(rows[0])["format"] == "mentropy-templates"


def mine_templates_cases() -> list[Case]:
    """mine-templates --lexicon lex.dict CORPUS -o out/t.jsonl."""
    def run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "t.jsonl"
            out.parent.mkdir()
            return Setup(["mine-templates", "--lexicon", str(lexicon(folder)), str(path), "-o",
                          str(out), *B.QUIET], names, where, out, source=path)
        return setup

    cases = []
    for name, make, outcome in B.text_inputs():
        ok = outcome != "error"
        cases.append(Case("mine-templates", name, run(make), ok=ok,
                          check=_templates_file if ok else None, big=name.endswith("MB")))

    def long_line(folder: Path, big: BigFiles) -> Setup:
        text = (B.CORPUS.replace("\n", "").replace("，", "").replace("。", "") * 200)
        path = write(folder / "long.txt", text[:LONG_CHARS] + "\n")
        out = folder / "t.jsonl"
        return Setup(["mine-templates", "--lexicon", str(lexicon(folder)), str(path), "-o",
                      str(out), *B.QUIET], out=out, source=path)

    def bad_lexicon(folder: Path, big: BigFiles) -> Setup:
        lex = write(folder / "bad.dict", "中国 50\n人民 x\n")
        out = folder / "t.jsonl"
        return Setup(["mine-templates", "--lexicon", str(lex),
                      str(write(folder / "in.txt", B.CORPUS)), "-o", str(out), *B.QUIET],
                     ["bad.dict"], ["line 2"], out)

    cases.append(Case("mine-templates", f"{LONG_CHARS:,}-char line", long_line, ok=True,
                      check=_templates_file))
    cases.append(Case("mine-templates", "broken lexicon", bad_lexicon))
    cases += B._output_cases("mine-templates", lambda folder, out: [
        "mine-templates", "--lexicon", str(lexicon(folder)),
        str(write(folder / "in.txt", B.CORPUS)), "-o", str(out), *B.QUIET])
    return cases


def parse_cases() -> list[Case]:
    """parse --lexicon lex.dict --templates t.jsonl INPUT -o out/p.jsonl."""
    def argv(folder: Path, path: Path, out: Path, tpl: Path | None = None,
             lex: Path | None = None) -> list[str]:
        lex = lex or lexicon(folder)
        tpl = tpl or templates(folder, lex)
        return ["parse", "--lexicon", str(lex), "--templates", str(tpl), str(path), "-o",
                str(out), *B.QUIET]

    def run(make: Callable) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            path, names, where = make(folder, big)
            out = folder / "out" / "p.jsonl"
            out.parent.mkdir()
            return Setup(argv(folder, path, out), names, where, out, source=path)
        return setup

    cases = []
    for name, make, outcome in B.text_inputs():
        ok = outcome != "error"
        cases.append(Case("parse", name, run(make), ok=ok, check=_lossless if ok else None,
                          big=name.endswith("MB")))

    def long_line(folder: Path, big: BigFiles) -> Setup:
        text = (B.CORPUS.replace("\n", "").replace("，", "").replace("。", "") * 200)
        path = write(folder / "long.txt", text[:LONG_CHARS] + "\n\n。。\n")
        out = folder / "p.jsonl"
        return Setup(argv(folder, path, out), out=out, source=path)

    def capped(outcome: Outcome, setup: Setup) -> None:
        _lossless(outcome, setup)
        first = json.loads(setup.out.read_text(encoding="utf-8").splitlines()[0])
        assert first["capped"] is True

    def bad_templates(content: Callable[[Path], str], names: list[str],
                      where: list[str]) -> Callable[[Path, BigFiles], Setup]:
        def setup(folder: Path, big: BigFiles) -> Setup:
            good = templates(folder, lexicon(folder))
            tpl = write(folder / "bad.jsonl", content(good))
            out = folder / "p.jsonl"
            return Setup(argv(folder, write(folder / "in.txt", B.CORPUS), out, tpl=tpl),
                         names, where, out)
        return setup

    def lines(good: Path) -> list[str]:
        return good.read_text(encoding="utf-8").splitlines()

    def newer(good: Path) -> str:
        meta = json.loads(lines(good)[0])
        meta["version"] = 99
        return "\n".join([json.dumps(meta)] + lines(good)[1:]) + "\n"

    def other_lexicon(folder: Path, big: BigFiles) -> Setup:
        tpl = templates(folder, lexicon(folder))
        other = write(folder / "other.dict", "中国 5\n人民 4\n")
        out = folder / "p.jsonl"
        return Setup(argv(folder, write(folder / "in.txt", B.CORPUS), out, tpl=tpl, lex=other),
                     ["t.jsonl"], ["line 1", "another lexicon"], out)

    cases += [
        Case("parse", f"{LONG_CHARS:,}-char line", long_line, ok=True, check=capped),
        Case("parse", "templates corrupt JSON",
             bad_templates(lambda g: "\n".join(lines(g)[:1] + ['{"template": [']) + "\n",
                           ["bad.jsonl"], ["line 2", "not JSON"])),
        Case("parse", "templates newer format", bad_templates(newer, ["bad.jsonl"],
                                                              ["line 1", "newer"])),
        Case("parse", "templates not JSON lines",
             bad_templates(lambda g: "我 5\n", ["bad.jsonl"], ["line 1"])),
        Case("parse", "templates empty", bad_templates(lambda g: "", ["bad.jsonl"], ["empty"])),
        Case("parse", "templates of another lexicon", other_lexicon),
    ]
    cases += B._output_cases("parse", lambda folder, out: argv(
        folder, write(folder / "in.txt", B.CORPUS), out))
    return cases


ALL_CASES: dict[str, Callable[[], list[Case]]] = {
    "mine-templates": mine_templates_cases,
    "parse": parse_cases,
}
