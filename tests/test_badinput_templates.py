"""`mentropy mine-templates` and `mentropy parse` on bad input (issue 9): each case of
badinput_templates fails with one line naming the file (and line or byte), no traceback and no
file left behind, or, where the input is legitimately fine, succeeds as documented."""
from __future__ import annotations

import pytest

import badinput as B
import badinput_templates as T


@pytest.mark.parametrize("case", B.params(T.mine_templates_cases() + T.parse_cases()))
def test_bad_input(case: B.Case, tmp_path, big):
    try:
        B.run_case(case, tmp_path / "case", big)
    finally:
        B.reset_permissions(tmp_path)
