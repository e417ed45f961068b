"""`mentropy build-lexicon` on bad input (issue 4): each case of badinput.build_lexicon_cases() fails with
one line naming the file (and line or byte), no traceback and no file left behind, or, where the
input is legitimately fine, succeeds as documented. The large cases run as real processes with
their peak memory measured; the others in-process."""
from __future__ import annotations

import pytest

import badinput as B


@pytest.mark.parametrize("case", B.params(B.build_lexicon_cases()))
def test_bad_input(case: B.Case, tmp_path, big):
    try:
        B.run_case(case, tmp_path / "case", big)
    finally:
        B.reset_permissions(tmp_path)


@pytest.mark.slow
def test_long_line_memory(big, tmp_path):
    """A 50 MB line costs no more memory than the same text in lines: reading holds a block,
    not the line (build-lexicon keeps the encoded corpus either way). The text repeats itself,
    so repeated lines are kept to compare equal corpora; the default (dropping repeated lines)
    streams a long line in pieces too: its memory is checked against the same bound."""
    one = B.run_subprocess(["build-lexicon", str(big.long_line()), "-o",
                            str(tmp_path / "line.dict"), "-q", "--keep-duplicates"])
    lines = B.run_subprocess(["build-lexicon", str(big.long_lines_reference()), "-o",
                              str(tmp_path / "lines.dict"), "-q", "--keep-duplicates"])
    deduped = B.run_subprocess(["build-lexicon", str(big.long_line()), "-o",
                                str(tmp_path / "line2.dict"), "-q"])
    assert one.code == 0 and lines.code == 0, one.stderr + lines.stderr
    assert one.max_rss_mb < 1.15 * lines.max_rss_mb + 30, (one.max_rss_mb, lines.max_rss_mb)
    assert deduped.code == 0, deduped.stderr
    assert deduped.max_rss_mb < 1.15 * lines.max_rss_mb + 30, deduped.max_rss_mb
    assert (tmp_path / "line2.dict").read_bytes() == (tmp_path / "line.dict").read_bytes()
