"""The shallow parse: nested templates over a line, chosen by code length (DESIGN §5).

``Parser(templates, segmenter).parse(text)`` cuts the text into words and finds the reading of
least code length: every word plain (the flat reading, always a candidate), or template blocks
whose placeholders hold words and further blocks. A template is used only where it compresses.
Blocks are at most ``templates.options.max_span`` words long, so a line of any length parses in
time linear in its length; a line where a clause is longer than that is marked ``capped``.

Tree JSON (one object per line)::

    {"text": ..., "words": [...], "tree": NODE}       (+ "capped": true when the cap applied)
    NODE = {"start": s, "end": e, "template": [fixed words and null] or null,
            "children": [NODE, ...]}

`start`/`end` are character offsets into the text. A leaf is one word (no children). A template
node has one child per template element, in order: the fixed word, or what fills the
placeholder (a word, a template node, or a node with template null holding several items). The
root holds the line's top items, unless one template node covers the whole line. Leaves
concatenate to the text.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from mentropy.errors import MentropyError
from mentropy.templates import LAT, NUM, Templates, as_segmenter, lexicon_digest, mark_class

STATES_PER_POSITION = 256
WORD, BLOCK, GAP = 0, 1, 2


@dataclass
class Node:
    """A node of a parse tree: character span, template (None for a word or a group) and
    children."""

    start: int
    end: int
    template: tuple[str | None, ...] | None = None
    children: list["Node"] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The NODE object of the JSON output."""
        return {"start": self.start, "end": self.end,
                "template": None if self.template is None else list(self.template),
                "children": [c.to_json() for c in self.children]}


@dataclass
class ParseTree:
    """The parse of one line: its text, words and tree."""

    text: str
    words: list[str]
    tree: Node
    capped: bool = False

    def to_json(self) -> dict[str, Any]:
        """``{"text", "words", "tree"}`` (and ``"capped": true`` where the span cap applied)."""
        out: dict[str, Any] = {"text": self.text, "words": self.words, "tree": self.tree.to_json()}
        if self.capped:
            out["capped"] = True
        return out

    def to_brackets(self) -> str:
        """Bracketed text: every block and every placeholder's content in parentheses, e.g.
        ``(苹果)的(颜色)是(什么)呢``; a block that is the whole line is not wrapped."""
        return _brackets(self.text, self.tree, top=True)

    def pretty(self) -> str:
        """A readable indented drawing, one node per line."""
        lines: list[str] = []
        _draw(self.text, self.tree, "", True, lines, root=True)
        return "\n".join(lines)

    def blocks(self) -> list[tuple[int, int, tuple[str | None, ...]]]:
        """(start, end, template) of every template node, in pre-order."""
        out: list[tuple[int, int, tuple[str | None, ...]]] = []
        stack = [self.tree]
        while stack:
            node = stack.pop()
            if node.template is not None:
                out.append((node.start, node.end, node.template))
            stack.extend(reversed(node.children))
        return out


def _brackets(text: str, node: Node, top: bool = False) -> str:
    if not node.children:
        return text[node.start:node.end]
    if node.template is not None:
        inner = "".join(_brackets(text, c) if t is not None else f"({_gap(text, c)})"
                        for c, t in zip(node.children, node.template))
        return inner if top else f"({inner})"
    return "".join(_brackets(text, c) for c in node.children)


def _gap(text: str, node: Node) -> str:
    """A placeholder's content: its own parentheses already mark it."""
    return _brackets(text, node, top=True)


def _draw(text: str, node: Node, prefix: str, last: bool, lines: list[str],
          root: bool = False) -> None:
    label = text[node.start:node.end]
    if node.template is not None:
        pattern = "".join("X" if t is None else t for t in node.template)
        label = f"[{pattern}] {label}"
    elif node.children:
        label = f"· {label}"
    lines.append(label if root else f"{prefix}{'└─ ' if last else '├─ '}{label}")
    child_prefix = "" if root else prefix + ("   " if last else "│  ")
    for k, c in enumerate(node.children):
        _draw(text, c, child_prefix, k == len(node.children) - 1, lines)


class Parser:
    """Parses lines with a set of templates and the segmenter of the lexicon they were mined
    with."""

    def __init__(self, templates: Templates, segmenter: Any) -> None:
        """`segmenter`: a Segmenter, a Lexicon or a lexicon path; it must be the lexicon the
        templates were mined with (their digests must agree)."""
        if not isinstance(templates, Templates):
            raise MentropyError("Parser needs a Templates object (Templates.load(path))")
        self.templates = templates
        self.segmenter = as_segmenter(segmenter)
        digest = lexicon_digest(self.segmenter)
        if digest != templates.lexicon_digest:
            raise MentropyError("the templates were mined with another lexicon (digest "
                                f"{templates.lexicon_digest[:12]}, this lexicon {digest[:12]})")
        arrays = templates.arrays()
        self._vocab = arrays["vocab"]
        self._trie = arrays["trie"]
        self._tlp = np.ascontiguousarray(arrays["tlp"], dtype=np.float64)
        self._ptr = arrays["ptr"]
        self._elems = arrays["elems"]
        self._flat = arrays["flat_lp"]
        self._tokens = [tp.tokens for tp in templates]
        self._log_total = math.log(max(self.segmenter.total, 1))
        self._unk = math.log(self.segmenter.unknown_count)
        self._cache: dict[str, tuple[int, float, float, int]] = {}
        self.max_span = templates.options.max_span
        self.gap_cost = templates.options.gap_cost

    def _word(self, w: str) -> tuple[int, float, float, int]:
        """(token id, plain log-probability, fixed log-probability, separator) of a word."""
        got = self._cache.get(w)
        if got is None:
            from mentropy import atoms
            from mentropy.wordcorpus import LATIN, NUMBER, PUNCT, word_kinds

            kind = int(word_kinds([w])[0])
            count = self.segmenter.count(atoms.normalise_text(w))
            lp = (math.log(count) if count > 0 else self._unk) - self._log_total
            cls = {NUMBER: NUM, LATIN: LAT}.get(kind) if self.templates.options.classes else None
            tok = self._vocab.get(cls if cls is not None else w, -1)
            sep = mark_class(w) if kind == PUNCT else 0
            got = (tok, self._flat + lp, lp if cls is not None else 0.0, sep)
            self._cache[w] = got
        return got

    def parse(self, text: str) -> ParseTree:
        """The parse tree of one line of text."""
        return self.parse_many([text])[0]

    def parse_many(self, texts: Iterable[str]) -> list[ParseTree]:
        """The parse trees of many lines (one kernel call for all of them)."""
        from mentropy._kernels import spans as KS

        if isinstance(texts, (str, bytes)):
            raise MentropyError("parse_many expects an iterable of lines, not a single string")
        texts = list(texts)
        word_lists = self.segmenter.cut_many(texts)
        flat = [w for ws in word_lists for w in ws]
        info = [self._word(w) for w in flat]
        toks = np.fromiter((x[0] for x in info), dtype=np.int32, count=len(info))
        wlp = np.fromiter((x[1] for x in info), dtype=np.float64, count=len(info))
        flp = np.fromiter((x[2] for x in info), dtype=np.float64, count=len(info))
        sep = np.fromiter((x[3] for x in info), dtype=np.int8, count=len(info))
        offsets = np.zeros(len(texts) + 1, np.int64)
        np.cumsum([len(ws) for ws in word_lists], out=offsets[1:])
        kind, start, end, tmpl, parent, line, _, overflow = KS.parse_lines(
            toks, wlp, flp, sep, offsets, *self._trie, self._tlp, self._ptr, self._elems,
            self.gap_cost, self.max_span, STATES_PER_POSITION)
        bounds = np.searchsorted(line, np.arange(len(texts) + 1), side="left")
        trees = []
        for i, (text, words) in enumerate(zip(texts, word_lists)):
            a, b = int(bounds[i]), int(bounds[i + 1])
            tree = self._tree(text, words, kind[a:b], start[a:b], end[a:b], tmpl[a:b],
                              parent[a:b] - a)
            capped = bool(overflow[i]) or _longest_clause(sep[offsets[i]:offsets[i + 1]]) \
                > self.max_span
            trees.append(ParseTree(text, list(words), tree, capped))
        return trees

    def _tree(self, text: str, words: Sequence[str], kind: np.ndarray, start: np.ndarray,
              end: np.ndarray, tmpl: np.ndarray, parent: np.ndarray) -> Node:
        pos = [0]
        for w in words:
            pos.append(pos[-1] + len(w))
        root = Node(0, len(text))
        nodes: list[Node] = []
        for k, s, e, t, p in zip(kind.tolist(), start.tolist(), end.tolist(), tmpl.tolist(),
                                 parent.tolist()):
            node = Node(pos[s], pos[e], self._tokens[t] if k == BLOCK else None)
            nodes.append(node)
            (root if p < 0 else nodes[p]).children.append(node)
        if len(root.children) == 1 and root.children[0].template is not None:
            return root.children[0]
        return root


def _longest_clause(sep: np.ndarray) -> int:
    """The most tokens between two separators."""
    if sep.shape[0] == 0:
        return 0
    cuts = np.flatnonzero(sep == 1)
    edges = np.concatenate([[-1], cuts, [sep.shape[0]]])
    return int(np.max(np.diff(edges)) - 1)


def parse_features(tree: ParseTree) -> dict[str, np.ndarray]:
    """Per-character features of a parse for the CRF (one value per character of the text):

    ``fixed``    uint8: 1 inside a fixed word of a template block, else 0;
    ``boundary`` uint8: bit 1 where a block or a placeholder's content starts at this
                 character, bit 2 where one ends at it (so 3: a one-character block);
    ``depth``    int8: the number of template blocks enclosing the character (capped at 127).
    """
    n = len(tree.text)
    fixed = np.zeros(n, np.uint8)
    boundary = np.zeros(n, np.uint8)
    depth = np.zeros(n, np.int16)
    stack: list[tuple[Node, int, bool]] = [(tree.tree, 0, False)]
    while stack:
        node, d, is_fixed = stack.pop()
        if is_fixed:
            fixed[node.start:node.end] = 1
        if node.template is not None:
            depth[node.start:node.end] += 1
        if (node.template is not None or node.children) and node is not tree.tree \
                and node.end > node.start:
            boundary[node.start] |= 1
            boundary[node.end - 1] |= 2
        if node.template is not None:
            for c, t in zip(node.children, node.template):
                if t is None and c.end > c.start:
                    boundary[c.start] |= 1
                    boundary[c.end - 1] |= 2
                stack.append((c, d + 1, t is not None))
        else:
            stack.extend((c, d, False) for c in node.children)
    return {"fixed": fixed, "boundary": boundary,
            "depth": np.minimum(depth, 127).astype(np.int8)}
