"""CRF training by shards on a real Dask LocalCluster of 2 worker processes: the model of one
process, byte for byte, and nothing left behind on the workers or in the temporary folder."""
from __future__ import annotations

import os

import pytest

distributed = pytest.importorskip("distributed")

from mentropy import crf_data  # noqa: E402
from mentropy.crf import CRFSegmenter  # noqa: E402

pytestmark = pytest.mark.dask


def test_dask_trains_the_model_of_one_process(dask_client, repo_root, tmp_path, monkeypatch):
    gold = repo_root / "corpora" / "sample_gold.txt"
    if not gold.is_file():
        pytest.skip(f"{gold} is missing")
    monkeypatch.setattr(crf_data, "SHARD_CHARS", 30_000)
    opts = dict(max_iterations=4, progress=False, tmp_dir=str(tmp_path))
    one = CRFSegmenter().train_gold(gold, **opts)
    on_dask = CRFSegmenter().train_gold(gold, client=dask_client, **opts)
    assert one.report.shards == on_dask.report.shards >= 4
    assert on_dask.report.workers == 2 and one.report.workers == 1
    one.save(tmp_path / "one.crf")
    on_dask.save(tmp_path / "dask.crf")
    assert (tmp_path / "one.crf").read_bytes() == (tmp_path / "dask.crf").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["dask.crf", "one.crf"]

    def params():
        return len(crf_data._PARAMS)
    assert set(dask_client.run(params).values()) == {0}  # the user's cluster keeps no parameters
