"""mine-templates and parse on the command line: outputs, bad input, byte-identical reruns."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import badinput as B


@pytest.fixture(scope="module")
def files(sample_path, tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-templates")
    lexicon = root / "sample.dict"
    templates = root / "sample.jsonl"
    out = B.run_in_process(["build-lexicon", str(sample_path), "-o", str(lexicon), "-q"])
    assert out.code == 0, out.stderr
    out = B.run_in_process(["mine-templates", "--lexicon", str(lexicon), str(sample_path),
                            "-o", str(templates), "-q"])
    assert out.code == 0, out.stderr
    return root, lexicon, templates


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_help():
    for cmd in ("mine-templates", "parse"):
        out = B.run_in_process([cmd, "--help"])
        assert out.code == 0 and b"--lexicon" in out.stdout


def test_mine_templates_output(files):
    _, _, templates = files
    rows = [json.loads(x) for x in lines_of(templates)]
    assert rows[0]["format"] == "mentropy-templates" and rows[0]["version"] == 1
    assert len(rows[0]["lexicon_digest"]) == 64
    assert rows[0]["n_templates"] == len(rows) - 1 > 20
    for row in rows[1:]:
        fixed = [t for t in row["template"] if t is not None]
        assert len(fixed) >= 2 and None in row["template"] and row["count"] > 0
        assert len(row["slots"]) == row["template"].count(None)


def test_mine_templates_summary_on_stderr(files, sample_path, tmp_path):
    _, lexicon, _ = files
    out = B.run_in_process(["mine-templates", "--lexicon", str(lexicon), str(sample_path),
                            "-o", str(tmp_path / "t.jsonl")])
    assert out.code == 0 and "bits/word" in out.stderr and "templates" in out.stderr


def test_parse_formats(files, tmp_path):
    root, lexicon, templates = files
    text = ["新华社北京一月五日电（记者张三）今天天气很好。", "", "。。。", "从北京到上海"]
    src = B.write(tmp_path / "in.txt", ("\n".join(text) + "\n").encode("utf-8"))
    args = ["parse", "--lexicon", str(lexicon), "--templates", str(templates), str(src), "-q"]
    js = B.run_in_process(args)
    assert js.code == 0, js.stderr
    rows = [json.loads(x) for x in js.stdout.decode("utf-8").splitlines()]
    assert [r["text"] for r in rows] == text
    for r in rows:
        assert "".join(r["words"]) == r["text"] and r["tree"]["end"] == len(r["text"])
    br = B.run_in_process(args + ["--format", "brackets"])
    got = br.stdout.decode("utf-8").splitlines()
    assert [x.replace("(", "").replace(")", "") for x in got] == text
    tree = B.run_in_process(args + ["--format", "tree"])
    assert tree.code == 0 and tree.stdout.decode("utf-8").count("\n\n") == len(text)


def test_parse_reads_stdin(files):
    _, lexicon, templates = files
    out = B.run_in_process(["parse", "--lexicon", str(lexicon), "--templates", str(templates),
                            "--format", "brackets"], stdin="从北京到上海\n".encode("utf-8"))
    assert out.code == 0 and out.stdout.decode("utf-8").replace("(", "").replace(")", "") \
        == "从北京到上海\n"


def test_long_line_is_capped(files, tmp_path):
    _, lexicon, templates = files
    src = B.write(tmp_path / "long.txt", ("经济发展和社会进步" * 1200)[:10_000].encode("utf-8"))
    out = B.run_in_process(["parse", "--lexicon", str(lexicon), "--templates", str(templates),
                            str(src), "-q"])
    assert out.code == 0, out.stderr
    row = json.loads(out.stdout)
    assert row["capped"] is True and len(row["text"]) == 10_000


@pytest.mark.parametrize("case", ["corrupt", "newer", "other-lexicon", "missing", "no-corpus",
                                  "bad-utf8"])
def test_bad_input_one_line_no_output(files, tmp_path, case, sample_path):
    root, lexicon, templates = files
    out_path = tmp_path / "out.txt"
    src = B.write(tmp_path / "in.txt", "从北京到上海\n".encode("utf-8"))
    tpl = templates
    lex = lexicon
    cmd = "parse"
    if case == "corrupt":
        rows = lines_of(templates)
        tpl = B.write(tmp_path / "t.jsonl", "\n".join(rows[:3] + ['{"template": [']).encode())
        expect = [tpl.name, "line 4", "not JSON"]
    elif case == "newer":
        rows = lines_of(templates)
        meta = json.loads(rows[0])
        meta["version"] = 99
        tpl = B.write(tmp_path / "t.jsonl",
                      "\n".join([json.dumps(meta)] + rows[1:]).encode("utf-8"))
        expect = [tpl.name, "line 1", "newer"]
    elif case == "other-lexicon":
        lex = B.write(tmp_path / "other.dict", "北京 10\n上海 9\n".encode("utf-8"))
        expect = [templates.name, "line 1", "another lexicon"]
    elif case == "missing":
        tpl = tmp_path / "nope.jsonl"
        expect = ["nope.jsonl"]
    elif case == "no-corpus":
        cmd = "mine-templates"
        src = tmp_path / "absent.txt"
        expect = ["absent.txt"]
    else:
        cmd = "mine-templates"
        src = B.write(tmp_path / "bad.txt", b"\xe4\xb8\xad\xff\n")
        expect = ["bad.txt", "byte 3"]
    args = [cmd, "--lexicon", str(lex), str(src), "-o", str(out_path), "-q"]
    if cmd == "parse":
        args[3:3] = ["--templates", str(tpl)]
    out = B.run_in_process(args)
    assert out.code == 1, out.stderr
    assert len(out.message.splitlines()) == 1 and "Traceback" not in out.stderr
    for part in expect:
        assert part in out.message
    assert not out_path.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mentropy-tmp-")]


def run(args, seed, cwd):
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-m", "mentropy", *args, "-q"], capture_output=True,
                          env=env, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def test_reruns_are_byte_identical_across_hash_seeds(files, sample_path, tmp_path):
    root, lexicon, templates = files
    mine = ["mine-templates", "--lexicon", str(lexicon), str(sample_path)]
    first = run(mine, "1", tmp_path)
    assert first == run(mine, "2", tmp_path) == templates.read_bytes()
    parse = ["parse", "--lexicon", str(lexicon), "--templates", str(templates),
             str(sample_path)]
    one = run(parse, "3", tmp_path)
    assert one == run(parse, "4", tmp_path)
    assert len(one.splitlines()) == len(sample_path.read_text(encoding="utf-8").splitlines())


def test_quiet_is_silent(files, sample_path, tmp_path):
    _, lexicon, templates = files
    mine = B.run_in_process(["mine-templates", "--lexicon", str(lexicon), str(sample_path), "-o",
                             str(tmp_path / "t.jsonl"), "-q"])
    parse = B.run_in_process(["parse", "--lexicon", str(lexicon), "--templates", str(templates),
                              str(sample_path), "-o", str(tmp_path / "p.jsonl"), "-q"])
    assert mine.code == parse.code == 0
    assert mine.stderr == parse.stderr == ""


def test_workers_and_tmp_dir(files, sample_path, tmp_path):
    """--workers 2 and --tmp-dir: the same file; the temporary word ids are gone after."""
    _, lexicon, templates = files
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "t.jsonl"
    got = subprocess.run([sys.executable, "-m", "mentropy", "mine-templates", "--lexicon",
                          str(lexicon), str(sample_path), "--workers", "2", "--tmp-dir", str(tmp),
                          "-o", str(out), "-q"], capture_output=True, timeout=300)
    assert got.returncode == 0, got.stderr.decode()
    assert out.read_bytes() == templates.read_bytes()
    assert list(tmp.iterdir()) == []
    missing = B.run_in_process(["mine-templates", "--lexicon", str(lexicon), str(sample_path),
                                "--tmp-dir", str(tmp_path / "absent"), "-o", str(out), "-q"])
    assert missing.code == 1 and "absent: no such folder" in missing.message
