"""Plain-Python oracles for the skip-gram counts, the template matcher and the span DP."""
from __future__ import annotations

import functools
import math
from collections import Counter
from typing import Sequence

SEP, OPEN = 1, 2


def skip_pairs(lines: Sequence[Sequence[int]], window: int) -> Counter:
    """Counter of (u, v, gapped) over every line: v 1..window tokens after u."""
    out: Counter = Counter()
    for line in lines:
        for i, u in enumerate(line):
            for d in range(1, window + 1):
                if i + d < len(line):
                    out[(u, line[i + d], int(d > 1))] += 1
    return out


def matches(template: Sequence[int], toks: Sequence[int]) -> bool:
    """Does `template` (-1 placeholder) match all of `toks`? A fixed token matches only itself,
    a placeholder one or more tokens."""
    if not template:
        return not toks
    head, rest = template[0], template[1:]
    if head >= 0:
        return bool(toks) and toks[0] == head and matches(rest, toks[1:])
    return any(matches(rest, toks[k:]) for k in range(1, len(toks) + 1))


def all_matches(templates: Sequence[Sequence[int]], toks: Sequence[int],
                max_span: int) -> list[tuple[int, int, int]]:
    """Every (start, end, template) with an exact match, sorted."""
    return sorted((i, j, t) for i in range(len(toks)) for j in range(i + 1, min(len(toks),
                  i + max_span) + 1) for t, tp in enumerate(templates) if matches(tp, toks[i:j]))


def best_parse(templates: Sequence[Sequence[int]], tlp: Sequence[float], toks: Sequence[int],
               wlp: Sequence[float], flp: Sequence[float], sep: Sequence[int], gap_cost: float,
               max_span: int) -> float:
    """The best log-probability of a line by brute force over all nested readings."""
    n = len(toks)

    @functools.lru_cache(maxsize=None)
    def seq(i: int, j: int) -> float:
        if i == j:
            return 0.0
        best = seq(i, j - 1) + wlp[j - 1]
        for k in range(i, j):
            b = block(k, j)
            if b > -math.inf:
                best = max(best, seq(i, k) + b)
        return best

    @functools.lru_cache(maxsize=None)
    def block(i: int, j: int) -> float:
        if j - i > max_span:
            return -math.inf
        best = -math.inf
        for t, tp in enumerate(templates):
            best = max(best, tlp[t] + place(tuple(tp), 0, i, j))
        return best

    def place(tp: tuple[int, ...], e: int, p: int, j: int) -> float:
        """Best score of elements tp[e:] over toks[p:j]."""
        if e == len(tp):
            return 0.0 if p == j else -math.inf
        el = tp[e]
        if el >= 0:
            if p < j and toks[p] == el:
                return flp[p] + place(tp, e + 1, p + 1, j)
            return -math.inf
        free = 0 < e < len(tp) - 1 and p > 0 and sep[p - 1] == OPEN
        best = -math.inf
        for q in range(p + 1, j + 1):
            if not free and SEP in sep[p:q]:
                break
            rest = place(tp, e + 1, q, j)
            if rest > -math.inf:
                best = max(best, seq(p, q) - gap_cost * (q - p) + rest)
        return best

    return seq(0, n)


def pieces(n: int, sep: Sequence[int], chunk: int, max_span: int) -> list[tuple[int, int]]:
    """The pieces a line of n tokens is parsed in (see spans._piece_end)."""
    out, lo = [], 0
    while lo < n:
        end = lo + chunk
        if end >= n:
            hi = n
        else:
            hi = next((k for k in range(end, max(lo + 1, end - max_span), -1)
                       if sep[k - 1] == SEP), end)
        out.append((lo, hi))
        lo = hi
    return out
