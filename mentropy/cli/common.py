"""The command group and what every command shares: errors as one line, logging, the input
options, options made from the API's dataclass fields, sizes for humans."""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator

import click

from mentropy import __version__


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into one-line click errors (exit 1) and Ctrl-C or SIGTERM into
    `Interrupted` (exit 130 or 143)."""
    from mentropy.errors import MentropyError
    from mentropy.interrupts import Interrupted, Terminated, interruption

    try:
        yield
    except MentropyError as exc:
        raise click.ClickException(str(exc)) from None
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc.filename}: no such file") from None
    except PermissionError as exc:
        raise click.ClickException(f"{exc.filename}: permission denied") from None
    except IsADirectoryError as exc:
        raise click.ClickException(f"{exc.filename}: is a folder, not a file") from None
    except MemoryError:
        raise click.ClickException("out of memory") from None
    except KeyboardInterrupt as exc:
        raise Interrupted(isinstance(exc, Terminated)) from None
    except Exception as exc:
        # a signal that lands while numba's runtime calls back into Python comes out as a
        # SystemError caused by the KeyboardInterrupt
        cause = interruption(exc)
        if cause is None:
            raise
        raise Interrupted(isinstance(cause, Terminated)) from None


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
@click.pass_context
def main(ctx: click.Context) -> None:
    """Learn the words, phrasings and a segmenter of a Chinese corpus from raw text alone."""
    from mentropy.interrupts import handle_signals

    handle_signals(ctx)
    from mentropy._startup import tune_process

    tune_process()


def input_options(f):
    """--encoding and --errors, shared by every command that reads a corpus."""
    f = click.option("--errors", type=click.Choice(["strict", "replace", "ignore"]),
                     default="strict", show_default=True,
                     help="what to do with bytes that are not valid in --encoding")(f)
    return click.option("--encoding", default="utf-8", show_default=True,
                        help="text encoding of the input files")(f)


def dask_options(tasks: str, workers_need: str):
    """--backend and --scheduler: `tasks` run on a dask.distributed cluster, whose workers
    need `workers_need` (e.g. "--tmp-dir readable")."""
    def decorate(f):
        f = click.option("--scheduler", default=None, metavar="ADDRESS",
                         help="Dask scheduler, e.g. tcp://host:8786 [default: a local cluster "
                              f"of 2 workers]; {workers_need} by the workers")(f)
        return click.option("--backend", type=click.Choice(["local", "dask"]), default="local",
                            show_default=True,
                            help=f"dask: {tasks} on a dask.distributed cluster (pip install "
                                 "'mentropy[dask]')")(f)
    return decorate


def option_for(cls: type, name: str, *flags: str, **extra):
    """A click option whose default, range and help come from the dataclass field `name` of
    `cls` (mentropy.options): the API and the CLI share one set of defaults."""
    import dataclasses

    f = {x.name: x for x in dataclasses.fields(cls)}[name]
    meta = dict(f.metadata)
    if f.type in ("bool", bool):
        return click.option(*flags, is_flag=True, default=f.default, help=meta["help"], **extra)
    kind = None
    if "range" in meta:
        kind = click.IntRange(*meta["range"])
    elif isinstance(f.default, float):
        kind = float
    show = f.default is not None
    return click.option(*flags, type=kind, default=f.default, show_default=show,
                        help=meta["help"], **extra)


def human_size(n: int) -> str:
    """Bytes as 512 B, 3.4 MB, 1.2 GB."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
