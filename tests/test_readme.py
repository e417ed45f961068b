"""Every code block of README.md runs as written, so the README cannot drift from the code.

The blocks run in a fresh folder that holds what the README says it needs: `corpus.txt` (the
sample corpus), `gold.txt` (its gold segmentation), a folder `notes/` and `dict.txt` (jieba's
dictionary). Two kinds of step are left out, each for a stated reason: installing (`python3 -m
venv`, `. .venv/bin/activate`, `pip install`: this test already runs inside the installed
package) and running the test suite itself (`python -m pytest`: recursion); `mentropy corpora
get` downloads from the network, so it runs with `--help` instead (tests/test_datasets.py
covers the fetch with a local archive).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
SKIPPED_STEPS = ("python3 -m venv", ". .venv/bin/activate", "pip install", "python -m pytest")


def blocks(language: str) -> list[tuple[int, str]]:
    """(line number, code) of every fenced block of `language` in README.md."""
    text = README.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M):
        if m.group(1) == language:
            out.append((text.count("\n", 0, m.start()) + 1, m.group(2)))
    return out


def shell_steps(code: str) -> list[str]:
    """The commands of a bash block, less the installing and test-running steps."""
    steps = []
    for line in code.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" && ")]
        kept = [p for p in parts if not p.startswith(SKIPPED_STEPS)]
        if kept:
            steps.append(" && ".join(kept))
    return steps


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, repo_root) -> Path:
    jieba = pytest.importorskip("jieba")
    folder = tmp_path_factory.mktemp("readme")
    corpora = repo_root / "corpora"
    shutil.copy(corpora / "sample.txt", folder / "corpus.txt")
    shutil.copy(corpora / "sample_gold.txt", folder / "gold.txt")
    lines = (corpora / "sample.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "notes").mkdir()
    (folder / "notes" / "a.txt").write_text("".join(lines[:700]), encoding="utf-8")
    (folder / "notes" / "b.txt").write_text("".join(lines[700:]), encoding="utf-8")
    shutil.copy(Path(jieba.__file__).parent / "dict.txt", folder / "dict.txt")
    (folder / "corpora").symlink_to(corpora)
    return folder


def test_readme_has_the_blocks_this_test_runs():
    assert len(blocks("bash")) >= 2 and len(blocks("python")) >= 1
    setup = blocks("bash")[0][1]
    assert "mentropy build-lexicon corpora/sample.txt" in setup and "python -m pytest" in setup


@pytest.mark.parametrize("line,code", blocks("bash"), ids=lambda x: str(x)[:12])
def test_bash_block_runs(workdir, line, code):
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    for step in shell_steps(code):
        if "corpora get" in step:
            step = step.split("#")[0].strip() + " --help"
        done = subprocess.run(["bash", "-c", f"set -eo pipefail; {step}"], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"README line {line}: {step}\n{done.stderr}"
    for name in ("corpus.dict", "output.txt", "notes.tsv", "coarse.txt", "templates.jsonl",
                 "crf_output.txt"):
        if name in code:
            assert (workdir / name).stat().st_size > 0


@pytest.mark.parametrize("line,code", blocks("python"), ids=lambda x: str(x)[:12])
def test_python_block_runs(workdir, line, code, monkeypatch):
    monkeypatch.chdir(workdir)
    namespace: dict = {}
    exec(compile(code, f"README.md:{line}", "exec"), namespace)
    import mentropy

    # what the block claims: lossless cuts, the default segmenter set, the files written
    assert namespace["words"] == [namespace["seg"].lcut(x) for x in namespace["lines"]]
    assert mentropy.lcut("中文分词") == namespace["seg"].lcut("中文分词")
    assert (workdir / "output.txt").read_text(encoding="utf-8").count("\n") == \
        len(namespace["lines"])
    assert namespace["counts"].count("中国") > 0
    assert len(namespace["phrases"]) > 0 and len(namespace["templates"]) > 0
    tree = namespace["tree"]
    assert "".join(w for w in tree.to_json()["words"]) == namespace["lines"][0]
    crf = namespace["crf"]
    assert "".join(crf.lcut("他说的确实在理")) == "他说的确实在理"
    mentropy.set_default(None)
