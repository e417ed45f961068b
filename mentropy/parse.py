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

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from mentropy.errors import MentropyError
from mentropy.templates import LAT, NUM, Templates, as_segmenter, lexicon_digest, mark_class

STATES_PER_POSITION = 256
CHUNK_TOKENS = 4096  # a longer line is parsed in pieces (bounded memory)
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


class ParseTree:
    """The parse of one line: its text, words and tree (built on first use)."""

    def __init__(self, text: str, words: list[str], nodes: tuple[np.ndarray, ...] | None,
                 tokens: Sequence[tuple[str | None, ...]], capped: bool = False,
                 names: Sequence[str] | None = None) -> None:
        """`nodes`: this line's (kind, start, end, tmpl, parent) arrays from the kernel, word
        offsets, parents local (None: no words); `tokens`: the templates; `names`: their JSON
        texts (made when needed)."""
        self.text = text
        self.words = words
        self.capped = capped
        self._nodes = nodes  # (kind, start, end, tmpl, parent) of this line, parent local
        self._tokens = tokens
        self._names = names
        self._tree: Node | None = None

    def __repr__(self) -> str:
        return f"ParseTree({self.to_brackets()!r})"

    def _build(self, make: Any, children: Any) -> Any:
        """The tree made of make(start, end, template) objects; children(obj) is the list
        their children go into."""
        pos = [0]
        for w in self.words:
            pos.append(pos[-1] + len(w))
        root = make(0, len(self.text), None)
        if self._nodes is None:
            return root
        kind, start, end, tmpl, parent = (a.tolist() for a in self._nodes)
        made = []
        tokens = self._tokens
        top = children(root)
        for k, a, b, t, p in zip(kind, start, end, tmpl, parent):
            node = make(pos[a], pos[b], tokens[t] if k == BLOCK else None)
            made.append(node)
            (top if p < 0 else children(made[p])).append(node)
        if len(top) == 1 and kind[0] == BLOCK:
            return top[0]
        return root

    @property
    def tree(self) -> Node:
        """The root node."""
        if self._tree is None:
            self._tree = self._build(Node, lambda n: n.children)
        return self._tree

    def to_json(self) -> dict[str, Any]:
        """``{"text", "words", "tree"}`` (and ``"capped": true`` where the span cap applied)."""
        def make(a: int, b: int, t: tuple | None) -> dict[str, Any]:
            return {"start": a, "end": b, "template": None if t is None else list(t),
                    "children": []}

        tree = self._build(make, lambda n: n["children"])
        out: dict[str, Any] = {"text": self.text, "words": self.words, "tree": tree}
        if self.capped:
            out["capped"] = True
        return out

    def to_json_line(self) -> str:
        """``json.dumps(self.to_json(), ensure_ascii=False)``, written directly (faster)."""
        dumps = json.dumps
        head = f'{{"text": {dumps(self.text, ensure_ascii=False)}, "words": ' \
            f'{dumps(self.words, ensure_ascii=False)}, "tree": '
        tail = ', "capped": true}' if self.capped else "}"
        n = len(self.text)
        if self._nodes is None:
            return f'{head}{{"start": 0, "end": {n}, "template": null, "children": []}}{tail}'
        pos = [0]
        for w in self.words:
            pos.append(pos[-1] + len(w))
        kind, start, end, tmpl, parent = (a.tolist() for a in self._nodes)
        names = self._names
        if names is None:
            names = [json.dumps(list(t), ensure_ascii=False) for t in self._tokens]
        single = kind[0] == BLOCK and parent.count(-1) == 1
        out = [head]
        if not single:
            out.append(f'{{"start": 0, "end": {n}, "template": null, "children": [')
        stack: list[int] = []
        first = True
        for k in range(len(kind)):
            p = parent[k]
            while stack and stack[-1] != p:
                stack.pop()
                out.append("]}")
                first = False
            if not first:
                out.append(", ")
            t = names[tmpl[k]] if kind[k] == BLOCK else "null"
            out.append(f'{{"start": {pos[start[k]]}, "end": {pos[end[k]]}, "template": {t}, '
                       '"children": [')
            stack.append(k)
            first = True
        out.append("]}" * len(stack))
        if not single:
            out.append("]}")
        out.append(tail)
        return "".join(out)

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
        """`templates`: a Templates object or the path of a templates file; `segmenter`: a
        Segmenter, a Lexicon or a lexicon path. It must be the lexicon the templates were mined
        with (their digests must agree)."""
        self.segmenter = as_segmenter(segmenter)
        digest = lexicon_digest(self.segmenter)
        if isinstance(templates, (str, os.PathLike)):
            templates = Templates.load(templates, lexicon_digest=digest)
        if not isinstance(templates, Templates):
            raise MentropyError("Parser needs a Templates object or a templates file path")
        self.templates = templates
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
        self._names = [json.dumps(list(t), ensure_ascii=False) for t in self._tokens]
        self._log_total = math.log(max(self.segmenter.total, 1))
        self._unk = math.log(self.segmenter.unknown_count)
        self._index: dict[str, int] = {}
        self._rows = (np.zeros(0, np.int32), np.zeros(0), np.zeros(0), np.zeros(0, np.int8))
        self.max_span = templates.options.max_span
        self.gap_cost = templates.options.gap_cost

    def _add_words(self, words: Iterable[str]) -> None:
        """Give each new word its row: token id, plain and fixed log-probability, mark."""
        from mentropy import atoms
        from mentropy.wordcorpus import LATIN, NUMBER, PUNCT, word_kinds

        new = sorted(set(words).difference(self._index))
        if not new:
            return
        kinds = word_kinds(new).tolist()
        classes = self.templates.options.classes
        rows = []
        for w, kind in zip(new, kinds):
            count = self.segmenter.count(atoms.normalise_text(w))
            lp = (math.log(count) if count > 0 else self._unk) - self._log_total
            cls = {NUMBER: NUM, LATIN: LAT}.get(kind) if classes else None
            tok = self._vocab.get(cls if cls is not None else w, -1)
            mark = mark_class(w) if kind == PUNCT else 0
            rows.append((tok, self._flat + lp, lp if cls is not None else 0.0, mark))
            self._index[w] = len(self._index)
        tok, wlp, flp, mark = zip(*rows)
        self._rows = (np.concatenate([self._rows[0], np.array(tok, np.int32)]),
                      np.concatenate([self._rows[1], np.array(wlp, np.float64)]),
                      np.concatenate([self._rows[2], np.array(flp, np.float64)]),
                      np.concatenate([self._rows[3], np.array(mark, np.int8)]))

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
        lengths = np.fromiter(map(len, word_lists), dtype=np.int64, count=len(word_lists))
        flat = [w for ws in word_lists for w in ws]
        self._add_words(flat)
        index = self._index
        rows = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
        toks, wlp, flp, sep = (a[rows] for a in self._rows)
        offsets = np.zeros(len(texts) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        kind, start, end, tmpl, parent, line, _, overflow = KS.parse_lines(
            toks, wlp, flp, sep, offsets, *self._trie, self._tlp, self._ptr, self._elems,
            self.gap_cost, self.max_span, STATES_PER_POSITION, CHUNK_TOKENS)
        bounds = np.searchsorted(line, np.arange(len(texts) + 1), side="left").tolist()
        clause = _longest_clauses(sep, offsets)
        capped = (overflow | (clause > self.max_span)).tolist()
        trees = []
        for i, (text, words) in enumerate(zip(texts, word_lists)):
            a, b = bounds[i], bounds[i + 1]
            nodes = None if a == b else (kind[a:b], start[a:b], end[a:b], tmpl[a:b],
                                         np.where(parent[a:b] >= 0, parent[a:b] - a, -1))
            trees.append(ParseTree(text, words, nodes, self._tokens, capped[i], self._names))
        return trees


def _longest_clauses(sep: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The most tokens between two separators (or line ends) in each line."""
    n_lines = offsets.shape[0] - 1
    out = np.zeros(n_lines, np.int64)
    cuts = np.flatnonzero(sep == 1)
    # clause boundaries: separators and line starts/ends, each with its line
    edges = np.concatenate([cuts, offsets[:-1] - 1, offsets[1:]])
    lines = np.concatenate([np.searchsorted(offsets, cuts, side="right") - 1,
                            np.arange(n_lines), np.arange(n_lines)])
    order = np.lexsort((edges, lines))
    edges, lines = edges[order], lines[order]
    gaps = np.diff(edges) - 1
    same = lines[1:] == lines[:-1]
    np.maximum.at(out, lines[1:][same], gaps[same])
    return out


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
