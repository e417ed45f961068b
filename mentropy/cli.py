"""Command line: a thin click layer over the API. Heavy imports happen inside each command."""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator

import click

from mentropy import __version__


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into one-line click errors (exit 1) and Ctrl-C into click's Abort."""
    from mentropy.errors import MentropyError

    try:
        yield
    except MentropyError as exc:
        raise click.ClickException(str(exc)) from None
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc.filename}: no such file") from None
    except PermissionError as exc:
        raise click.ClickException(f"{exc.filename}: permission denied") from None
    except IsADirectoryError as exc:
        raise click.ClickException(f"{exc.filename}: is a folder") from None
    except MemoryError:
        raise click.ClickException("out of memory") from None
    except KeyboardInterrupt:
        raise click.Abort() from None


def setup_logging(verbose: int, quiet: bool) -> None:
    """Log to stderr: warnings by default, INFO with -v, DEBUG with -vv, errors only with --quiet."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mentropy: %(message)s"))
    root = logging.getLogger("mentropy")
    root.handlers[:] = [h for h in root.handlers if isinstance(h, logging.NullHandler)] + [handler]
    root.setLevel(level)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mentropy")
def main() -> None:
    """Learn the words, phrasings and a segmenter of a Chinese corpus from raw text alone."""
