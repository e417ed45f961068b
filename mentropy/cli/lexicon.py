"""Lexicon commands: build-lexicon (optionally with phrases), new-words, build-phrases."""
from __future__ import annotations

import click

from mentropy.cli.common import (dask_options, human_size, input_options, main, option_for,
                                 setup_logging, user_errors)
from mentropy.options import LexiconOptions


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
                   "[default: the cores this process may use, on inputs of 1 GB or more or "
                   "too large to build in a quarter of the RAM; smaller inputs are built in "
                   "one process, in memory]")
@dask_options("run the same tasks", "the input paths and --tmp-dir must be readable")
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
                   f"peak memory {human_size(peak)} ({r.workers} "
                   f"process{'es' if r.workers > 1 else ''}{' + parent' if r.workers > 1 else ''}"
                   f"), temporary files {human_size(r.temp_bytes)} ({human_size(r.spilled_bytes)} "
                   f"of count runs spilled)", err=True)


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
