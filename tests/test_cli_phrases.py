"""CLI of phrases: build-phrases, build-lexicon --phrases, segment --phrases/--level, new-words."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mentropy.cli import main
from test_phrases import FIXED, PLANTED, VOCAB, synthetic_lines


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A synthetic corpus and its word lexicon (every vocabulary word, no phrase)."""
    folder = tmp_path_factory.mktemp("phrases-cli")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(synthetic_lines(2000, seed=3)) + "\n", encoding="utf-8")
    lexicon = folder / "words.dict"
    words = VOCAB + FIXED
    lexicon.write_text("".join(f"{w} {1000 // (i % 200 + 1) + 5}\n" for i, w in enumerate(words)),
                       encoding="utf-8")
    return folder, corpus, lexicon


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_build_phrases(files):
    folder, corpus, lexicon = files
    out = folder / "p.dict"
    result = run("build-phrases", "--lexicon", str(lexicon), str(corpus), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    rows = [line.split(" ") for line in out.read_text(encoding="utf-8").splitlines()]
    found = {w: int(c) for w, c in rows}
    assert set(PLANTED) <= set(found) and "".join(FIXED) in found
    keys = [(-int(c), w) for w, c in rows]
    assert keys == sorted(keys)
    again = run("build-phrases", "--lexicon", str(lexicon), str(corpus), "-q")
    assert again.exit_code == 0 and again.output == out.read_text(encoding="utf-8")
    # segment at the phrase level (the default with --phrases) and at the word level
    text = "".join(FIXED) + "，" + PLANTED[1] + "。\n"
    seg = run("segment", "--lexicon", str(lexicon), "--phrases", str(out), input=text)
    assert seg.exit_code == 0, seg.output
    assert seg.output == f"{''.join(FIXED)} ， {PLANTED[1]} 。\n"
    words = run("segment", "--lexicon", str(lexicon), "--phrases", str(out), "--level", "word",
                input=text)
    plain = run("segment", "--lexicon", str(lexicon), input=text)
    assert words.output == plain.output and " ".join(FIXED) in plain.output
    # new-words lists phrases on request
    base = folder / "base.dict"
    base.write_text(f"{VOCAB[0]} 5\n", encoding="utf-8")
    listed = run("new-words", "--base", str(base), str(lexicon), "--phrases", str(out))
    assert listed.exit_code == 0 and f"\n{PLANTED[0]} " in "\n" + listed.output
    without = run("new-words", "--base", str(base), str(lexicon))
    assert f"\n{PLANTED[0]} " not in "\n" + without.output


def test_build_lexicon_writes_phrases(files):
    folder, corpus, _ = files
    lex, phr = folder / "l.dict", folder / "l.phr"
    result = run("build-lexicon", str(corpus), "-o", str(lex), "--phrases", str(phr), "-q")
    assert result.exit_code == 0, result.output
    assert lex.stat().st_size > 0 and phr.exists()
    alone = run("build-phrases", "--lexicon", str(lex), str(corpus), "-q")
    assert alone.output == phr.read_text(encoding="utf-8")
    stdin = run("build-lexicon", "-", "-o", str(folder / "s.dict"), "--phrases",
                str(folder / "s.phr"), "-q", input=corpus.read_text(encoding="utf-8"))
    assert stdin.exit_code != 0 and "stdin" in stdin.output
    assert not (folder / "s.phr").exists()


@pytest.mark.parametrize("case", ["missing-lexicon", "empty-corpus", "missing-corpus",
                                  "no-han", "level-without-phrases", "missing-phrases"])
def test_bad_input_gives_one_line(files, tmp_path, case):
    _, corpus, lexicon = files
    out = tmp_path / "out.dict"
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    latin = tmp_path / "latin.txt"
    latin.write_text("abc 123\n,,,\n", encoding="utf-8")
    args = {
        "missing-lexicon": ["build-phrases", "--lexicon", str(tmp_path / "nope.dict"),
                            str(corpus), "-o", str(out)],
        "empty-corpus": ["build-phrases", "--lexicon", str(lexicon), str(empty), "-o", str(out)],
        "missing-corpus": ["build-phrases", "--lexicon", str(lexicon), str(tmp_path / "no.txt"),
                           "-o", str(out)],
        "no-han": ["build-phrases", "--lexicon", str(lexicon), str(latin), "-o", str(out)],
        "level-without-phrases": ["segment", "--lexicon", str(lexicon), "--level", "phrase",
                                  str(corpus), "-o", str(out)],
        "missing-phrases": ["segment", "--lexicon", str(lexicon), "--phrases",
                            str(tmp_path / "nope.phr"), str(corpus), "-o", str(out)],
    }[case]
    result = run(*args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    message = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(message) == 1
    expected = {"missing-lexicon": "nope.dict", "empty-corpus": "empty.txt",
                "missing-corpus": "no.txt", "no-han": "latin.txt",
                "level-without-phrases": "--phrases", "missing-phrases": "nope.phr"}[case]
    assert expected in message[0]
    assert not out.exists()


def test_help():
    for cmd in ("build-phrases", "segment", "build-lexicon", "new-words"):
        result = run(cmd, "--help")
        assert result.exit_code == 0 and "--phrases" in result.output


def _cli(args: list[str], hash_seed: str, cwd) -> bytes:
    """mentropy in a fresh process with a given hash seed; its stdout."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run([sys.executable, "-m", "mentropy", *args, "-q"], capture_output=True,
                          env=env, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def test_byte_identical_across_processes_and_hash_seeds(sample_path, tmp_path):
    """Phrases of the People's Daily sample and its phrase-level segmentation do not depend on
    the process or the hash seed."""
    lexicon = tmp_path / "sample.dict"
    lexicon.write_bytes(_cli(["build-lexicon", str(sample_path)], "0", tmp_path))
    first = _cli(["build-phrases", "--lexicon", str(lexicon), str(sample_path)], "1", tmp_path)
    second = _cli(["build-phrases", "--lexicon", str(lexicon), str(sample_path)], "2", tmp_path)
    assert len(first.splitlines()) > 100 and first == second
    phrases = tmp_path / "sample.phr"
    phrases.write_bytes(first)
    cut = [_cli(["segment", "--lexicon", str(lexicon), "--phrases", str(phrases),
                 str(sample_path), "--workers", w], seed, tmp_path)
           for w, seed in (("1", "3"), ("2", "4"))]
    assert cut[0] == cut[1]
    text = sample_path.read_text(encoding="utf-8").splitlines()
    assert [line.replace(" ", "") for line in cut[0].decode().splitlines()] == \
        [line.replace(" ", "") for line in text]
