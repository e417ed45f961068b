"""Shared fixtures: the repository's sample corpus and the shared reference corpora."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# cut_many and segment --workers N start their process pool on small test inputs too
os.environ["MENTROPY_MIN_POOL_CHARS"] = "0"

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "corpora" / "sample.txt"


@pytest.fixture(scope="session", autouse=True)
def private_dictionary_cache(tmp_path_factory):
    """Dictionary tries are cached under this session's temporary folder, not in ~/.cache
    (child processes inherit the setting)."""
    old = os.environ.get("MENTROPY_CACHE_DIR")
    os.environ["MENTROPY_CACHE_DIR"] = str(tmp_path_factory.mktemp("mentropy-cache"))
    yield
    if old is None:
        os.environ.pop("MENTROPY_CACHE_DIR", None)
    else:
        os.environ["MENTROPY_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return REPO


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """corpora/sample.txt: 1,392 paragraphs of the People's Daily, January 1998."""
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is missing")
    return SAMPLE


@pytest.fixture(scope="session")
def sample_lines(sample_path) -> list[str]:
    """The lines of corpora/sample.txt, line ends kept."""
    return sample_path.read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The shared corpora folder: $MENTROPY_SHARED/corpora, else the repo's ../shared/corpora.

    Skips the test when neither exists.
    """
    candidates = []
    if os.environ.get("MENTROPY_SHARED"):
        base = Path(os.environ["MENTROPY_SHARED"])
        candidates += [base / "corpora", base]
    candidates.append(REPO.parent / "shared" / "corpora")
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("*.txt")):
            return folder
    pytest.skip("shared corpora not found (set MENTROPY_SHARED to the shared folder)")


@pytest.fixture(scope="session")
def big(tmp_path_factory):
    """The large bad inputs, written once per session (shared by the test_badinput_* modules)."""
    import badinput

    return badinput.BigFiles(tmp_path_factory.getbasetemp() / "badinput-big")


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 1 MB tmpfs mounted at tmp_path / "tiny" (a real full disk), unmounted afterwards;
    skipped unless this runs as root and may mount."""
    import subprocess

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(tiny)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield tiny
    finally:
        subprocess.run(["umount", str(tiny)], capture_output=True)


@pytest.fixture(scope="module")
def dask_client():
    """A client of a real dask.distributed LocalCluster of 2 worker processes (one per
    module that asks); a task whose worker dies fails at once instead of being retried."""
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
        client = distributed.Client(cluster)
        yield client
        client.close()
        cluster.close()
