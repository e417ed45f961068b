"""Command line: a thin click layer over the API, one module per group of commands (heavy
imports happen inside each command)."""
from mentropy.cli import corpora, crf, lexicon, segment, templates  # noqa: F401  (registers)
from mentropy.cli.common import main

__all__ = ["main"]
