"""Options of each stage: the one home of their defaults, ranges and help texts.

The command line builds its options from these fields (cli/common.py `option_for`), so `--min-count 5`
and ``min_count=5`` cannot drift apart. Cheap to import: no numpy, no numba.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mentropy.errors import MentropyError


@dataclass(frozen=True)
class LexiconOptions:
    """Knobs of build_lexicon. The defaults are meant to be left alone; they adapt to size.

    Each field's metadata holds its command-line help (and range): the CLI builds its options
    from these fields, so the API and the CLI share one set of defaults.
    """

    max_n: int = field(default=4, metadata={
        "range": (2, 4), "help": "longest n-gram of the cohesion seed"})
    min_count: int | None = field(default=None, metadata={
        "range": (1, None), "help": "n-gram and word count floor [default: 3, growing slowly "
                                    "with corpus size]"})
    thresholds: tuple[float, ...] = (1.0, 4.5, 7.0)  # cohesion theta for n = 2, 3, 4 (nats)
    max_word_len: int = field(default=8, metadata={
        "range": (2, 16), "help": "longest word, in characters (atoms count as one)"})
    prune_lambda: float = 1.0  # weight of an entry's spelling cost (nats)
    min_pmi: float = field(default=3.5, metadata={
        "help": "nats each use of a multi-char word must earn over its best split"})
    max_rounds: int = 10  # description-length refinement rounds at most
    time_atoms: bool = True  # 1998年, 十二月, 三十一日 are atoms
    number_atoms: bool = True  # ３万, 第十五 are atoms
    keep_duplicates: bool = field(default=False, metadata={
        "help": "count repeated lines every time (by default an exact repeat of an earlier "
                "line is dropped)"})

    def validate(self) -> "LexiconOptions":
        """Raise MentropyError for out-of-range values; return self."""
        if not 2 <= self.max_n <= 4:
            raise MentropyError(f"max_n must be 2..4, got {self.max_n}")
        if self.min_count is not None and self.min_count < 1:
            raise MentropyError(f"min_count must be >= 1, got {self.min_count}")
        if len(self.thresholds) < self.max_n - 1:
            raise MentropyError(f"need {self.max_n - 1} cohesion thresholds (n = 2..{self.max_n})")
        if not self.max_n <= self.max_word_len <= 16:
            raise MentropyError(f"max_word_len must be {self.max_n}..16, got {self.max_word_len}")
        if self.prune_lambda < 0 or self.max_rounds < 0:
            raise MentropyError("prune_lambda and max_rounds must be >= 0")
        return self
