"""Commands that cut or match text with a lexicon: segment, grep, evaluate."""
from __future__ import annotations

from typing import Iterator

import click

from mentropy.cli.common import input_options, main, setup_logging, user_errors


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
