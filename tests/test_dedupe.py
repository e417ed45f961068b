"""Repeated lines are counted once (dedupe.py), checked against a plain-Python oracle, and
build_lexicon drops them by default (issue: copies turned whole clauses into words)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import mentropy.dedupe as D
from mentropy.dedupe import DuplicateStats, unique_lines


def oracle(text: str) -> tuple[list[str], int, int]:
    kept, seen, n, dropped = [], set(), 0, 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        n += 1
        if line.strip() in seen:
            dropped += 1
            continue
        seen.add(line.strip())
        kept.append(line)
    return kept, n, dropped


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["中文", "分词", " 中文", "a", "", "\n", "中文\n"]), max_size=30),
       st.lists(st.integers(1, 5), min_size=1, max_size=30), st.integers(1, 40))
def test_unique_lines_matches_oracle_for_any_piece_boundaries(parts, cuts, chunk):
    text = "".join(parts)
    pieces, i, k = [], 0, 0
    while i < len(text):  # cut the text anywhere: pieces continue each other's lines
        step = cuts[k % len(cuts)]
        pieces.append((text[i:i + step], i == 0))
        i, k = i + step, k + 1
    stats = DuplicateStats()
    got = "\n".join(unique_lines(pieces, stats, chunk)).split("\n")
    kept, n, dropped = oracle(text)
    assert [x for x in got if x.strip()] == kept
    assert (stats.n_lines, stats.n_dropped) == (n, dropped)


def test_a_new_piece_that_starts_a_line_closes_the_open_one():
    stats = DuplicateStats()
    out = list(unique_lines([("中文", True), ("中文", True), ("中", True), ("文", False)], stats))
    assert out == ["中文"] and stats.n_dropped == 2


def test_long_lines_pass_through_in_pieces(monkeypatch):
    monkeypatch.setattr(D, "LONG_LINE", 8)
    stats = DuplicateStats()
    pieces = [("短句\n" + "长" * 6, True), ("长" * 6 + "\n短句\n", False), ("长" * 12, True)]
    out = list(unique_lines(pieces, stats))
    assert "".join(out).count("长") == 24  # never dropped, even when repeated
    assert out[0] == "短句" and stats.n_dropped == 1  # the second 短句


def test_build_lexicon_counts_repeated_lines_once(sample_path):
    from mentropy import build_lexicon

    lines = sample_path.read_text(encoding="utf-8").splitlines()[:300]
    once = build_lexicon(texts=lines, progress=False)
    copies = build_lexicon(texts=lines * 8, progress=False)
    assert copies.most_common() == once.most_common()
    nonblank = [x.strip() for x in lines if x.strip()]
    assert copies.report.n_duplicate_lines == 8 * len(nonblank) - len(set(nonblank))
    assert "dropped as repeats" in copies.report.summary()
    kept = build_lexicon(texts=lines * 8, progress=False, keep_duplicates=True)
    assert kept.report.n_duplicate_lines == 0 and kept.most_common() != once.most_common()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["中文", "分词", " 中文", "a", "", "  "]), max_size=30))
def test_distinct_lines_matches_oracle(lines):
    stats = DuplicateStats()
    got = list(D.distinct_lines(iter(lines), stats))
    kept, n, dropped = oracle("\n".join(lines))
    assert got == kept and (stats.n_lines, stats.n_dropped) == (n, dropped)

