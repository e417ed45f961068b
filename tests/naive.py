"""Slow, obviously-correct versions of the kernels: the oracles the tests compare against.

Plain Python only (no numpy, no numba, nothing from mentropy), so that a bug in a kernel cannot
hide in its own oracle. Natural logarithms throughout, as in DESIGN §3.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Callable, Hashable, Iterable, Sequence

HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
HAN_ZEROS = "〇○"


def is_han(ch: str) -> bool:
    """Whether one character is a Han character for mentropy (DESIGN §2)."""
    cp = ord(ch)
    return ch in HAN_ZEROS or any(lo <= cp <= hi for lo, hi in HAN_RANGES)


def han_runs(text: str) -> list[str]:
    """Maximal runs of Han characters (every other character is a boundary)."""
    runs, cur = [], []
    for ch in text:
        if is_han(ch):
            cur.append(ch)
        elif cur:
            runs.append("".join(cur))
            cur = []
    if cur:
        runs.append("".join(cur))
    return runs


def fragments_of_atoms(atoms: Iterable[str]) -> list[str]:
    """Maximal runs of atoms that are one Han character each (a longer atom is a boundary)."""
    runs, cur = [], []
    for a in atoms:
        if len(a) == 1 and is_han(a):
            cur.append(a)
        elif cur:
            runs.append("".join(cur))
            cur = []
    if cur:
        runs.append("".join(cur))
    return runs


def split_rare(fragments: Iterable[Sequence], keep: Callable[[object], bool]) -> list[list]:
    """Fragments cut at (and without) every symbol for which keep() is false."""
    out = []
    for frag in fragments:
        cur: list = []
        for s in frag:
            if keep(s):
                cur.append(s)
            elif cur:
                out.append(cur)
                cur = []
        if cur:
            out.append(cur)
    return out


def ngram_counts(fragments: Iterable[Sequence[Hashable]], max_n: int) -> Counter:
    """Counter of every 1..max_n-gram inside each fragment.

    A fragment given as a str gives str keys; any other sequence gives tuple keys.
    """
    out: Counter = Counter()
    for frag in fragments:
        for i in range(len(frag)):
            for n in range(1, max_n + 1):
                if i + n > len(frag):
                    break
                gram = frag[i:i + n]
                out[gram if isinstance(gram, str) else tuple(gram)] += 1
    return out


def ngrams_in_order(fragments: Iterable[Sequence[int]], max_n: int) -> list[tuple[int, ...]]:
    """Every 1..max_n-gram as a tuple: by fragment, then start position, then length."""
    out = []
    for frag in fragments:
        for i in range(len(frag)):
            for n in range(1, max_n + 1):
                if i + n <= len(frag):
                    out.append(tuple(frag[i:i + n]))
    return out


def segmentations(n: int) -> Iterable[list[tuple[int, int]]]:
    """Every way of cutting range(n) into consecutive non-empty spans [(start, end), ...]."""
    for cuts in itertools.product((False, True), repeat=max(n - 1, 0)):
        spans, start = [], 0
        for i, cut in enumerate(cuts, start=1):
            if cut:
                spans.append((start, i))
                start = i
        if n:
            spans.append((start, n))
        yield spans


def token_score(seq: Sequence[int], start: int, end: int, log_p: dict, unk_log_p: float,
                max_len: int) -> float:
    """Score of seq[start:end] as one token: its word log-prob, or the unknown-char penalty for a
    single char that is not a word; -inf when it cannot be a token."""
    word = tuple(seq[start:end])
    if word in log_p and len(word) <= max_len:
        return log_p[word]
    if len(word) == 1:
        return unk_log_p
    return -math.inf


def best_segmentation(seq: Sequence[int], log_p: dict, unk_log_p: float = -math.inf,
                      max_len: int = 1 << 30) -> tuple[float, list[tuple[int, ...]]]:
    """Brute force: the segmentation of `seq` maximising the sum of token scores.

    log_p maps word tuples to log-probabilities; a single char that is not a word costs
    unk_log_p. Enumerates all 2^(n-1) segmentations. Returns (score, words); ties keep the
    first segmentation found.
    """
    best, best_words = -math.inf, []
    for spans in segmentations(len(seq)):
        score = sum(token_score(seq, a, b, log_p, unk_log_p, max_len) for a, b in spans)
        if score > best:
            best, best_words = score, [tuple(seq[a:b]) for a, b in spans]
    return best, best_words


def segmentation_score(seq: Sequence[int], lengths: Sequence[int], log_p: dict,
                       unk_log_p: float = -math.inf, max_len: int = 1 << 30) -> float:
    """Score of the segmentation of `seq` into tokens of the given lengths."""
    assert sum(lengths) == len(seq)
    score, pos = 0.0, 0
    for n in lengths:
        score += token_score(seq, pos, pos + n, log_p, unk_log_p, max_len)
        pos += n
    return score


def cohesion(counts: Counter, word: str, total: int) -> float:
    """coh(w) = min over split points k of ln N_w + ln T - ln N_{w[:k]} - ln N_{w[k:]}.

    A part absent from `counts` counts as T (the convention of mentropy.lexicon.cohesion).
    """
    n_w = counts[word]
    best = math.inf
    for k in range(1, len(word)):
        n_a = counts.get(word[:k], 0) or total
        n_b = counts.get(word[k:], 0) or total
        best = min(best, math.log(n_w) + math.log(total) - math.log(n_a) - math.log(n_b))
    return best


def pmi(n_w: float, parts: Sequence[float], total: float) -> float:
    """ln p_w - sum ln p_part with p = N / total."""
    return math.log(n_w / total) - sum(math.log(n / total) for n in parts)


def entropy(counter: Counter) -> float:
    """-sum p ln p of a Counter of outcomes (0 for an empty one)."""
    total = sum(counter.values())
    if total == 0:
        return 0.0
    return -sum(c / total * math.log(c / total) for c in counter.values() if c)


def branching_entropy(fragments: Sequence[Sequence[Hashable]], word: tuple) -> tuple[float, float]:
    """Left and right branching entropy of `word` over segmented fragments.

    fragments : each a list of tokens (tuples of chars); the neighbour of a token is the char
    just before (after) it in its fragment, or None at the fragment's edge.
    """
    left: Counter = Counter()
    right: Counter = Counter()
    for tokens in fragments:
        flat = [c for t in tokens for c in t]
        pos = 0
        for t in tokens:
            if tuple(t) == tuple(word):
                left[flat[pos - 1] if pos > 0 else None] += 1
                end = pos + len(t)
                right[flat[end] if end < len(flat) else None] += 1
            pos += len(t)
    return entropy(left), entropy(right)


def unit_entropy_per_char(counts: dict[str, int]) -> float:
    """L = H / l in bits: H = -sum p ln p over units, l = sum p len(unit) (DESIGN §3)."""
    total = sum(counts.values())
    h = -sum(c / total * math.log(c / total) for c in counts.values() if c)
    length = sum(c / total * len(w) for w, c in counts.items())
    return h / length / math.log(2)


# -- jieba's cut with HMM off, from its published algorithm ----------------------------------

def _jieba_block_char(ch: str) -> bool:
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FD5 or (ch.isascii() and (ch.isalnum() or ch in "+#&._%-"))


def jieba_cut_no_hmm(text: str, freq: dict[str, int]) -> list[str]:
    """``jieba.cut(text, HMM=False)`` with dictionary `freq`, re-derived: blocks of
    [\u4E00-\u9FD5a-zA-Z0-9+#&._%-]; in a block, the DAG of dictionary words (a character
    with no word starting at it is a word of count 1), the best route right to left with ties to
    the larger end, then runs of one-character [a-zA-Z0-9] words glued; outside blocks every
    character is a word, "\\r\\n" one word."""
    prefixes = {w[:k] for w in freq for k in range(1, len(w) + 1)}
    log_total = math.log(sum(freq.values()))
    out: list[str] = []
    i = 0
    while i < len(text):
        if not _jieba_block_char(text[i]):
            j = i + 2 if text[i:i + 2] == "\r\n" else i + 1
            out.append(text[i:j])
            i = j
            continue
        j = i
        while j < len(text) and _jieba_block_char(text[j]):
            j += 1
        block = text[i:j]
        n = len(block)
        dag = {}
        for k in range(n):
            ends = [e for e in range(k + 1, n + 1)
                    if block[k:e] in prefixes and all(block[k:m] in prefixes for m in range(k + 1, e))
                    and freq.get(block[k:e], 0) > 0]
            dag[k] = ends or [k + 1]
        route = {n: (0.0, n)}
        for k in range(n - 1, -1, -1):
            route[k] = max((math.log(freq.get(block[k:e]) or 1) - log_total + route[e][0], e)
                           for e in dag[k])
        buf = ""
        k = 0
        while k < n:
            e = route[k][1]
            word = block[k:e]
            if len(word) == 1 and word.isascii() and word.isalnum():
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            k = e
        if buf:
            out.append(buf)
        i = j
    return out


# -- marks after which a long line may be cut for segmentation -------------------------------

MARK_FORMS = {"，": "，,", "！": "！!", "？": "？?", "；": "；;", " ": " \u3000"}  # normalised too


def cut_marks(words: Iterable[str], marks: str) -> str:
    """The marks of `marks` that no word holds followed by more of the word (a mark matches
    its full-width and half-width forms)."""
    import re

    text = "\n".join(words)
    return "".join(m for m in marks
                   if re.search(f"[{re.escape(MARK_FORMS.get(m, m))}][^\n]", text) is None)


def seed_pieces(fragments: Sequence[Sequence[int]], kept: set, max_n: int,
                max_word_len: int) -> tuple[Counter, Counter]:
    """The seed's pieces by definition: neighbours glued when some kept n-gram (a tuple of
    2..max_n ids) covers both, fragments cut elsewhere; (Counter of the 2..max_word_len-id
    pieces as tuples, Counter of the one-id pieces by id)."""
    multi, single = Counter(), Counter()
    for frag in fragments:
        join = [False] * len(frag)
        for i in range(len(frag)):
            for n in range(2, max_n + 1):
                if tuple(frag[i:i + n]) in kept and i + n <= len(frag):
                    for j in range(i, i + n - 1):
                        join[j] = True
        start = 0
        for i in range(len(frag)):
            if i == len(frag) - 1 or not join[i]:
                piece = tuple(frag[start:i + 1])
                if len(piece) == 1:
                    single[piece[0]] += 1
                elif len(piece) <= max_word_len:
                    multi[piece] += 1
                start = i + 1
    return multi, single
