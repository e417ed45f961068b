"""Sentence templates ("飞象过河", DESIGN §5): fixed words with placeholders, mined from
skip-gram links and kept only where they compress the corpus.

A template is a sequence of fixed tokens and placeholders (``None``), e.g. ``(None, "的", None,
"是", "什么")``. Punctuation may be fixed (``X：“X”``); numbers and latin runs match the class
tokens ``<NUM>`` and ``<LAT>``. A placeholder absorbs one or more consecutive words and a fixed
token matches only itself (see :mod:`mentropy._kernels.spans`).

Mining (:func:`mentropy.mining.mine_templates`):

1. cut the corpus into words; count ordered skip-gram pairs (u, v), v 1..window tokens after u
   in a line; a link is strong when its count >= min_count, count / T > min_proba and
   PMI_skip = ln N_uv - ln T + 2 ln N - ln N_u - ln N_v > min_pmi (T pair slots, N tokens);
2. candidates: from each token, for each strong successor within the window, the chain that
   continues through nearest strong successors, and its prefixes of 2..max_fixed tokens (so at
   most window * (max_fixed - 1) candidates per token: a long line cannot explode); a gap in
   the chain is a placeholder, and so is the end when a word ends the chain and another
   follows (never the start: a leading gap took one unrelated word far more often than a
   constituent); at least two fixed tokens, min_words (2) of them words, not marks (so “X”
   or 说：“X” alone are not templates, 行者X道：“ is); separators (，。、；！？) may be
   fixed only inside; candidates seen at least min_count times are kept;
3. hard EM: parse the corpus with the span DP (a template is used only where it beats the flat
   reading), re-estimate the template probabilities from the uses, drop every template whose
   gain (uses x nats saved per use) does not pay for its description (cost x lam) and every
   template with a placeholder that one filler fills in 60 % of its uses (a word or phrase cut
   apart, not a template); repeat until a round would drop under 0.5 % (at most `rounds`
   parses). The last parse gives the counts and the slot fillers.

The code is a mixture: a unit is a template with probability λ (then one template by its use
count), a plain word with probability 1 - λ (then the lexicon's unigram). Code lengths per word
are reported before and after each round (`Templates.report`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from dataclasses import asdict, dataclass
from typing import IO, Any, Iterable, Iterator, Sequence

import numpy as np

from mentropy.errors import FormatError, MentropyError

log = logging.getLogger(__name__)

FORMAT_NAME = "mentropy-templates"
FORMAT_VERSION = 1
NUM, LAT = "<NUM>", "<LAT>"
SEPARATORS = frozenset("，。、；！？,.;!?")
OPENERS = frozenset("“‘《（『「【〈([{")


def mark_class(word: str) -> int:
    """0 for a word, 1 (SEP) for a separator run (，。、；！？ or space), 2 (OPEN) for an
    opening mark: the `sep` codes of :mod:`mentropy._kernels.spans`."""
    if not word.strip() or all(ch in SEPARATORS for ch in word):
        return 1
    return 2 if all(ch in OPENERS for ch in word) else 0


@dataclass(frozen=True)
class TemplateOptions:
    """Options of `mine_templates` (the CLI uses the same names)."""

    window: int = 5  # skip-gram window (words after u)
    min_count: int | None = None  # link and candidate count floor [default: scales with size]
    min_pmi: float = 2.0  # nats a strong link needs
    min_proba: float = 1e-6  # share of pair slots a strong link needs
    max_fixed: int = 5  # fixed tokens in one candidate chain
    min_words: int = 2  # fixed tokens that are words (not punctuation) in a template
    max_span: int = 40  # longest block (words) the parser considers
    gap_cost: float = 0.05  # nats per word a placeholder absorbs: ties go to short gaps
    lam: float = 1.0  # a template must save lam x its description
    rounds: int = 8  # parses of the corpus (hard-EM rounds) at most
    top_fillers: int = 10  # fillers kept per placeholder
    classes: bool = True  # numbers and latin runs as <NUM>/<LAT>
    keep_duplicates: bool = False  # mine every copy of a repeated line (else one)

    def validate(self) -> "TemplateOptions":
        """Raise MentropyError naming the first option out of range."""
        checks = [("window", 1 <= self.window <= 16), ("max_fixed", 2 <= self.max_fixed <= 16),
                  ("min_words", 1 <= self.min_words <= self.max_fixed),
                  ("max_span", 4 <= self.max_span <= 512), ("rounds", 1 <= self.rounds <= 100),
                  ("min_pmi", math.isfinite(self.min_pmi)),
                  ("min_proba", 0 <= self.min_proba < 1),
                  ("gap_cost", 0 <= self.gap_cost < 10), ("lam", 0 <= self.lam < 1e6),
                  ("top_fillers", 0 <= self.top_fillers <= 10_000),
                  ("min_count", self.min_count is None or self.min_count >= 1)]
        for name, ok in checks:
            if not ok:
                raise MentropyError(f"template option {name}={getattr(self, name)!r} is out of "
                                    "range")
        return self


@dataclass(frozen=True)
class Template:
    """One template: fixed tokens and placeholders (None), its uses in the final parse, its
    gain (bits saved over the corpus, net of its description) and the top fillers of each
    placeholder as (text, count) pairs."""

    tokens: tuple[str | None, ...]
    count: int
    gain: float
    slots: tuple[tuple[tuple[str, int], ...], ...] = ()

    @property
    def n_fixed(self) -> int:
        """Number of fixed tokens."""
        return sum(t is not None for t in self.tokens)

    def pattern(self) -> str:
        """The template as text, a placeholder written X: ``X的X是什么``."""
        return "".join("X" if t is None else t for t in self.tokens)


@dataclass
class RoundReport:
    """Code lengths (bits per word) of one hard-EM round: the corpus alone, and with the
    templates' descriptions."""

    round: int
    n_templates: int
    uses: int
    bits_per_word: float
    model_bits_per_word: float
    dropped: int


class Templates:
    """A set of templates with the statistics the parser needs, bound to one lexicon."""

    def __init__(self, templates: Sequence[Template], *, lexicon_digest: str, n_units: int,
                 options: TemplateOptions | None = None,
                 report: Sequence[RoundReport] = ()) -> None:
        self.templates: list[Template] = list(templates)
        self.lexicon_digest = lexicon_digest
        self.n_units = int(n_units)
        self.options = options or TemplateOptions()
        self.report = list(report)
        self._arrays: dict | None = None

    def __len__(self) -> int:
        return len(self.templates)

    def __iter__(self) -> Iterator[Template]:
        return iter(self.templates)

    def __getitem__(self, i: int) -> Template:
        return self.templates[i]

    def __repr__(self) -> str:
        return f"<Templates: {len(self)} templates, lexicon {self.lexicon_digest[:12]}>"

    @property
    def uses(self) -> int:
        """Template uses in the final parse of the mining corpus."""
        return sum(t.count for t in self.templates)

    def summary(self) -> str:
        """Bits per word before and after, per round."""
        lines = [f"round {r.round}: {r.n_templates:,} templates, {r.uses:,} uses, "
                 f"{r.bits_per_word:.4f} bits/word (with descriptions "
                 f"{r.model_bits_per_word:.4f}), dropped {r.dropped:,}" for r in self.report]
        return "\n".join(lines)

    # -- files ----------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """The metadata line of the JSON-lines file."""
        from mentropy import __version__

        return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "mentropy": __version__,
                "lexicon_digest": self.lexicon_digest, "n_units": self.n_units,
                "n_templates": len(self), "options": asdict(self.options),
                "report": [asdict(r) for r in self.report]}

    def write(self, f: IO[str]) -> None:
        """Write as JSON lines: the metadata, then one template per line."""
        f.write(json.dumps(self.meta(), ensure_ascii=False, sort_keys=True) + "\n")
        for t in self.templates:
            f.write(json.dumps({"template": list(t.tokens), "count": t.count,
                                "gain": round(t.gain, 3),
                                "slots": [[list(x) for x in s] for s in t.slots]},
                               ensure_ascii=False) + "\n")

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically to `path` ('-' = stdout)."""
        from mentropy.io import atomic_output

        with atomic_output(path) as f:
            self.write(f)

    @classmethod
    def load(cls, path: str | os.PathLike, *, lexicon_digest: str | None = None) -> "Templates":
        """Read a file written by `save`; with `lexicon_digest`, refuse a file made with
        another lexicon. Errors name the file and line."""
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                return cls.from_lines(f, path, lexicon_digest=lexicon_digest)
        except UnicodeDecodeError as exc:
            raise FormatError(path, f"not UTF-8 ({exc.reason})") from None

    @classmethod
    def from_lines(cls, lines: Iterable[str], path: str = "<templates>", *,
                   lexicon_digest: str | None = None) -> "Templates":
        """Templates from the lines of a templates file (as :meth:`load`; errors name `path`)."""
        templates: list[Template] = []
        meta: dict | None = None
        for no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(path, f"not JSON ({exc.msg}, column {exc.colno})",
                                  line=no) from None
            if meta is None:
                meta = _check_meta(path, obj, no)
                continue
            templates.append(_template_from(path, obj, no))
        if meta is None:
            raise FormatError(path, "empty: no metadata line")
        if len(templates) != meta.get("n_templates", len(templates)):
            raise FormatError(path, f"truncated: {len(templates)} templates, the metadata "
                              f"says {meta['n_templates']}")
        if lexicon_digest is not None and meta["lexicon_digest"] != lexicon_digest:
            raise FormatError(path, "made with another lexicon (digest "
                              f"{meta['lexicon_digest'][:12]}, this lexicon "
                              f"{lexicon_digest[:12]})", line=1)
        known = {f.name for f in TemplateOptions.__dataclass_fields__.values()}
        opts = TemplateOptions(**{k: v for k, v in meta.get("options", {}).items()
                                  if k in known})
        report = [RoundReport(**r) for r in meta.get("report", [])]
        return cls(templates, lexicon_digest=meta["lexicon_digest"], n_units=meta["n_units"],
                   options=opts, report=report)

    # -- arrays for the kernels ------------------------------------------------------------

    def arrays(self) -> dict:
        """Token vocabulary and trie arrays (cached): ``vocab`` (token -> id), ``ptr`` /
        ``elems`` (CSR elements, -1 placeholder), the trie, and ``tlp`` (log-probabilities)."""
        if self._arrays is None:
            vocab_list = sorted({t for tp in self.templates for t in tp.tokens if t is not None})
            vocab = {t: i for i, t in enumerate(vocab_list)}
            elements = [tuple(-1 if t is None else vocab[t] for t in tp.tokens)
                        for tp in self.templates]
            ptr, elems = _csr(elements)
            counts = np.array([max(t.count, 1) for t in self.templates], dtype=np.float64)
            tlp = np.log(counts / max(self.n_units, 1)) if counts.size else counts
            self._arrays = {"vocab": vocab, "ptr": ptr, "elems": elems,
                            "trie": build_trie(elements), "tlp": tlp,
                            "flat_lp": math.log(max(self.n_units - self.uses, 1)
                                                / max(self.n_units, 1))}
        return self._arrays


def _check_meta(path: str, obj: Any, no: int) -> dict:
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
        raise FormatError(path, f"not a templates file (no {FORMAT_NAME!r} metadata)", line=no)
    version = obj.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FormatError(path, f"format version {version!r} is newer than this mentropy "
                          f"reads ({FORMAT_VERSION}): upgrade mentropy", line=no)
    for key, kind in (("lexicon_digest", str), ("n_units", int)):
        if not isinstance(obj.get(key), kind):
            raise FormatError(path, f"metadata lacks {key!r}", line=no)
    return obj


def _template_from(path: str, obj: Any, no: int) -> Template:
    try:
        tokens = obj["template"]
        if (not isinstance(tokens, list) or not tokens
                or not all(t is None or (isinstance(t, str) and t) for t in tokens)
                or not any(t is not None for t in tokens)):
            raise ValueError("template must be a list of words and nulls")
        if any(a is None and b is None for a, b in zip(tokens, tokens[1:])):
            raise ValueError("two placeholders in a row")
        count = obj["count"]
        if not isinstance(count, int) or count < 0:
            raise ValueError("count must be a non-negative integer")
        slots = tuple(tuple((str(w), int(c)) for w, c in s) for s in obj.get("slots", []))
        return Template(tuple(tokens), count, float(obj.get("gain", 0.0)), slots)
    except (KeyError, TypeError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"bad template entry ({exc!r})"
        raise FormatError(path, reason, line=no) from None


def _csr(elements: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(elements) + 1, np.int64)
    np.cumsum([len(e) for e in elements], out=ptr[1:])
    elems = np.fromiter((x for e in elements for x in e), dtype=np.int32, count=int(ptr[-1]))
    return ptr, elems


def build_trie(elements: Sequence[Sequence[int]]) -> tuple[np.ndarray, ...]:
    """Trie arrays (edge_ptr, edge_tok, edge_child, x_child, final) of templates given as
    element sequences (token id >= 0, -1 placeholder); see :mod:`mentropy._kernels.spans`.
    A template repeated keeps its first index."""
    children: list[dict[int, int]] = [{}]
    final = [-1]
    for t, elems in enumerate(elements):
        node = 0
        for x in elems:
            nxt = children[node].get(x)
            if nxt is None:
                nxt = len(children)
                children[node][x] = nxt
                children.append({})
                final.append(-1)
            node = nxt
        if final[node] < 0:
            final[node] = t
    n = len(children)
    x_child = np.array([c.get(-1, -1) for c in children], dtype=np.int32)
    edge_ptr = np.zeros(n + 1, np.int64)
    toks, kids = [], []
    for s, c in enumerate(children):
        fixed = sorted((k, v) for k, v in c.items() if k >= 0)
        toks.extend(k for k, _ in fixed)
        kids.extend(v for _, v in fixed)
        edge_ptr[s + 1] = len(toks)
    return (edge_ptr, np.array(toks, dtype=np.int32), np.array(kids, dtype=np.int32), x_child,
            np.array(final, dtype=np.int32))


def match_spans(templates: Sequence[Sequence[str | None]], words: Sequence[str], *,
                max_span: int = 64) -> list[tuple[int, int, int]]:
    """Every (start, end, template index) such that the template matches words[start:end]
    exactly: fixed tokens match only themselves, a placeholder (None) absorbs one or more
    words, nothing is skipped. Sorted."""
    from mentropy._kernels import spans as KS

    vocab: dict[str, int] = {}
    elements = [tuple(-1 if t is None else vocab.setdefault(t, len(vocab)) for t in tp)
                for tp in templates]
    toks = np.array([vocab.get(w, -1) for w in words], dtype=np.int32)
    trie = build_trie(elements)
    # a repeated template is found under its first index; report every copy
    first = {}
    for i, e in enumerate(elements):
        first.setdefault(e, []).append(i)
    s, e, t, _ = KS.match_spans(toks, *trie, max_span, 4096)
    out = {(int(a), int(b), k) for a, b, x in zip(s, e, t) for k in first[elements[int(x)]]}
    return sorted(out)


def lexicon_digest(segmenter: Any) -> str:
    """sha256 (hex) of a segmenter's lexicon: `word count` lines, count desc then word."""
    words, counts = segmenter.entries()
    h = hashlib.sha256()
    for w, c in zip(words, counts.tolist()):
        h.update(f"{w} {c}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def as_segmenter(segmenter_or_lexicon: Any) -> Any:
    """A Segmenter from a Segmenter, a Lexicon or a lexicon path."""
    from mentropy.segment import Segmenter

    if isinstance(segmenter_or_lexicon, Segmenter):
        return segmenter_or_lexicon
    return Segmenter.from_lexicon(segmenter_or_lexicon)


def word_log_p(segmenter: Any, words: Sequence[str]) -> np.ndarray:
    """ln p(w) under the segmenter's unigram for each word (unknown words: its unknown count)."""
    from mentropy import atoms

    total = max(segmenter.total, 1)
    unk = segmenter.unknown_count
    counts = np.array([max(segmenter.count(atoms.normalise_text(w)), unk) for w in words],
                      dtype=np.float64)
    return np.log(counts) - math.log(total)
