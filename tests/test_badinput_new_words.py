"""`mentropy new-words` on bad input (issue 4): each case of badinput.new_words_cases() fails with
one line naming the file (and line or byte), no traceback and no file left behind, or, where the
input is legitimately fine, succeeds as documented. The large cases run as real processes with
their peak memory measured; the others in-process."""
from __future__ import annotations

import pytest

import badinput as B


@pytest.mark.parametrize("case", B.params(B.new_words_cases()))
def test_bad_input(case: B.Case, tmp_path, big):
    try:
        B.run_case(case, tmp_path / "case", big)
    finally:
        B.reset_permissions(tmp_path)
