"""mentropy train-crf and segment --model (issue 10): results, usage, Ctrl-C (bad input:
tests/test_badinput_crf.py)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentropy.cli import main

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "corpora" / "sample_gold.txt"
RAW = REPO / "corpora" / "sample.txt"
FAST = ["--iterations", "15", "--hash-bits", "16", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    if not GOLD.is_file() or not RAW.is_file():
        pytest.skip("corpora/sample*.txt missing")
    d = tmp_path_factory.mktemp("crfcli")
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    (d / "train.txt").write_text("\n".join(lines[:500]) + "\n", encoding="utf-8")
    (d / "test_gold.txt").write_text("\n".join(lines[500:600]) + "\n", encoding="utf-8")
    (d / "test_raw.txt").write_text("\n".join("".join(x.split()) for x in lines[500:600]) + "\n",
                                    encoding="utf-8")
    (d / "lex.dict").write_text("中国 50\n人民 40\n经济 60\n发展 25\n今天 20\n工作 15\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["train-crf", "--gold", str(d / "train.txt"), "-o",
                                       str(d / "m.crf"), *FAST])
    assert result.exit_code == 0, result.output
    return d


@pytest.mark.parametrize("command,option", [("train-crf", "--gold"), ("segment", "--model")])
def test_help(command, option):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and option in result.output


def test_train_segment_evaluate(files, tmp_path):
    out = tmp_path / "out.txt"
    r = CliRunner().invoke(main, ["segment", "--model", str(files / "m.crf"),
                                  str(files / "test_raw.txt"), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["evaluate", str(files / "test_gold.txt"), str(out), "--json"])
    assert r.exit_code == 0, r.output
    import json

    assert json.loads(r.output)["f1"] > 0.75


def test_pku_gold_and_stdout(files, tmp_path):
    pku = tmp_path / "pku.txt"
    pku.write_text("中国/ns  人民/n  银行/n\n经济/n  发展/vn  很/d  快/a\n" * 3, encoding="utf-8")
    r = CliRunner().invoke(main, ["train-crf", "--gold", str(pku), "-o", str(tmp_path / "p.crf"),
                                  *FAST])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["segment", "--model", str(tmp_path / "p.crf"), "-", "-q"],
                           input="中国人民银行\n\n经济发展很快\n")
    assert r.exit_code == 0 and r.stdout.splitlines()[1] == ""
    assert [x.replace(" ", "") for x in r.stdout.splitlines()] == ["中国人民银行", "", "经济发展很快"]


def test_silver(files, tmp_path):
    model = tmp_path / "s.crf"
    r = CliRunner().invoke(main, ["train-crf", "--lexicon", str(files / "lex.dict"),
                                  str(files / "test_raw.txt"), "-o", str(model),
                                  "--lexicon-features", "--rounds", "2", "--confident", "0.9",
                                  "--free-single-runs", "0.5", "--lexicon-guided", *FAST])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["segment", "--model", str(model), str(files / "test_raw.txt"),
                                  "-q"])
    assert r.exit_code == 0
    raw = (files / "test_raw.txt").read_text(encoding="utf-8")
    assert r.stdout.replace(" ", "") == raw


def test_silver_and_gold_with_parse_features(files, tmp_path):
    """--parse-features: templates mined with the lexicon (silver: --lexicon parses; gold:
    --parse-lexicon); the model segments alone, its options name the templates' sha256."""
    import hashlib

    tpl = tmp_path / "t.jsonl"
    r = CliRunner().invoke(main, ["mine-templates", "--lexicon", str(files / "lex.dict"),
                                  str(files / "test_raw.txt"), "-o", str(tpl), "-q"])
    assert r.exit_code == 0, r.output
    digest = hashlib.sha256(tpl.read_bytes()).hexdigest()
    raw = (files / "test_raw.txt").read_text(encoding="utf-8")
    for args in (["--lexicon", str(files / "lex.dict"), str(files / "test_raw.txt")],
                 ["--gold", str(files / "train.txt"), "--parse-lexicon",
                  str(files / "lex.dict")]):
        model = tmp_path / "p.crf"
        r = CliRunner().invoke(main, ["train-crf", *args, "--parse-features", str(tpl), "-o",
                                      str(model), *FAST])
        assert r.exit_code == 0, r.output
        from mentropy.crf import CRFSegmenter

        assert CRFSegmenter.load(model).features.parse_features == digest
        r = CliRunner().invoke(main, ["segment", "--model", str(model),
                                      str(files / "test_raw.txt"), "-q"])
        assert r.exit_code == 0 and r.stdout.replace(" ", "") == raw


@pytest.mark.parametrize("args,msg", [
    (["train-crf"], "exactly one of --gold and --lexicon"),
    (["train-crf", "--gold", "g", "--lexicon", "l"], "exactly one"),
    (["train-crf", "--lexicon", "l"], "needs RAW"),
    (["train-crf", "--gold", "g", "--rounds", "2"], "silver"),
    (["segment", "--model", "m", "--lexicon", "l", "x"], "exactly one of"),
    (["train-crf", "--gold", "g", "--parse-features", "t"], "needs --parse-lexicon"),
    (["train-crf", "--gold", "g", "--parse-lexicon", "l"], "goes with --parse-features"),
])
def test_usage_errors(args, msg):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and msg in r.output


# bad gold, training sets, models and output paths: tests/badinput_crf.py (the matrix)


def test_ctrl_c_during_training_leaves_no_model(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    gold = tmp_path / "gold.txt"
    gold.write_text(GOLD.read_text(encoding="utf-8") * 5, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "mentropy", "train-crf", "--gold", str(gold),
                             "-o", str(folder / "m.crf"), "--iterations", "100000",
                             "--c2", "0", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(3.0)
        assert proc.poll() is None, "training finished before the signal"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"interrupted" in err
    assert list(folder.iterdir()) == []
