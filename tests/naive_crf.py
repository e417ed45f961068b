"""Plain-Python oracles of the CRF kernels: every BMES tag sequence enumerated.

No numpy, no numba, nothing from mentropy: a bug in a kernel cannot hide in its oracle.
Tags B=0, M=1, E=2, S=3.
"""
from __future__ import annotations

import itertools
import math

ALLOWED = {(0, 1), (0, 2), (1, 1), (1, 2), (2, 0), (2, 3), (3, 0), (3, 3)}


def valid(tags, masks=None) -> bool:
    """Whether a tag sequence obeys BMES (start in B/S, end in E/S) and the masks."""
    if not tags or tags[0] not in (0, 3) or tags[-1] not in (2, 3):
        return False
    if any((a, b) not in ALLOWED for a, b in zip(tags, tags[1:])):
        return False
    return masks is None or all((m >> y) & 1 for m, y in zip(masks, tags))


def path_score(h, trans, tags) -> float:
    """sum_t h[t][y_t] + sum_t trans[y_t][y_t+1]."""
    return sum(h[t][y] for t, y in enumerate(tags)) + sum(
        trans[a][b] for a, b in zip(tags, tags[1:]))


def paths(n, masks=None):
    """Every valid tag sequence of length n."""
    return [p for p in itertools.product(range(4), repeat=n) if valid(p, masks)]


def log_z(h, trans, masks=None) -> float:
    """ln of the sum over valid paths of exp(score) (-inf when none)."""
    scores = [path_score(h, trans, p) for p in paths(len(h), masks)]
    if not scores:
        return -math.inf
    m = max(scores)
    return m + math.log(sum(math.exp(s - m) for s in scores))


def marginals(h, trans, masks=None):
    """P(y_t = y) for every t and y."""
    lz = log_z(h, trans, masks)
    out = [[0.0] * 4 for _ in h]
    for p in paths(len(h), masks):
        pr = math.exp(path_score(h, trans, p) - lz)
        for t, y in enumerate(p):
            out[t][y] += pr
    return out


def best_path(h, trans, masks=None):
    """The highest-scoring valid path (first in enumeration order on ties)."""
    best, arg = -math.inf, None
    for p in paths(len(h), masks):
        s = path_score(h, trans, p)
        if s > best:
            best, arg = s, p
    return list(arg)


def tags_of_words(words) -> list[int]:
    """BMES tags of a segmentation given as words (strings or lengths)."""
    out = []
    for w in words:
        n = w if isinstance(w, int) else len(w)
        out.extend([3] if n == 1 else [0] + [1] * (n - 2) + [2])
    return out
