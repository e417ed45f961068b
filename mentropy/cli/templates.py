"""Template commands (DESIGN §5): mine-templates, parse."""
from __future__ import annotations

import click

from mentropy.cli.common import input_options, main, option_for, setup_logging, user_errors
from mentropy.options import LexiconOptions


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
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="processes that parse the groups of lines of each hard-EM round (the "
                   "templates are the same for any number)")
@click.option("--tmp-dir", type=click.Path(file_okay=False), default=None,
              help="folder for the temporary word ids (4 bytes per token) [default: the "
                   "system's]; they are removed at the end, on errors and on Ctrl-C too")
@click.option("-q", "--quiet", is_flag=True, help="no progress bars and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage (-vv for more)")
def mine_templates_cmd(corpus: tuple[str, ...], lexicon: str, output: str, window: int,
                       min_count: int | None, min_pmi: float, max_fixed: int, min_words: int,
                       max_span: int,
                       lam: float, top_fillers: int, keep_duplicates: bool, encoding: str,
                       errors: str, workers: int, tmp_dir: str | None, quiet: bool,
                       verbose: int) -> None:
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
                               top_fillers=top_fillers, keep_duplicates=keep_duplicates,
                               tmp_dir=tmp_dir, workers=workers)
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
