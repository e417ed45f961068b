"""`mentropy train-crf` and `mentropy segment --model` on bad input (issue 10): each case of
badinput_crf fails with one line naming the file (and line where it applies), no traceback and
no file left behind, or, where the input is legitimately fine, succeeds as documented."""
from __future__ import annotations

import pytest

import badinput as B
import badinput_crf as C


@pytest.mark.parametrize("case", B.params(C.train_crf_cases() + C.segment_model_cases()))
def test_bad_input(case: B.Case, tmp_path, big):
    try:
        B.run_case(case, tmp_path / "case", big)
    finally:
        B.reset_permissions(tmp_path)
