"""mentropy: learn the words, phrasings and a segmenter of a Chinese corpus from raw text alone.

The public API is imported lazily so that ``import mentropy`` (and ``mentropy --help``) stays fast
and does not compile or load numba kernels until they are needed.
"""
from __future__ import annotations

import logging
from typing import Any

__version__ = "0.1.0"

logging.getLogger("mentropy").addHandler(logging.NullHandler())

_LAZY = {
    "MentropyError": "mentropy.errors",
    "InputError": "mentropy.errors",
    "FormatError": "mentropy.errors",
    "NgramCounts": "mentropy.counts",
    "count_ngrams": "mentropy.counts",
    "Lexicon": "mentropy.lexicon",
    "build_lexicon": "mentropy.lexicon",
    "Segmenter": "mentropy.segment",
    "cut": "mentropy.segment",
    "lcut": "mentropy.segment",
    "tokenize": "mentropy.segment",
    "set_default": "mentropy.segment",
    "get_default": "mentropy.segment",
    "score": "mentropy.evaluate",
    "evaluate_files": "mentropy.evaluate",
    "Scores": "mentropy.evaluate",
    "LexiconOptions": "mentropy.options",
    "WordCorpus": "mentropy.wordcorpus",
    "encode_words": "mentropy.wordcorpus",
    "build_phrases": "mentropy.phrases",
    "PhraseOptions": "mentropy.phrases",
    "mine_templates": "mentropy.mining",
    "Templates": "mentropy.templates",
    "Template": "mentropy.templates",
    "TemplateOptions": "mentropy.templates",
    "Parser": "mentropy.parse",
    "ParseTree": "mentropy.parse",
    "parse_features": "mentropy.parse",
    "CRFSegmenter": "mentropy.crf",
    "FeatureOptions": "mentropy.crf_features",
    "TrainOptions": "mentropy.crf_train",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mentropy' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
