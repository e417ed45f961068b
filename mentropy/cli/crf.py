"""The CRF segmenter's command: train-crf."""
from __future__ import annotations

import click

from mentropy.cli.common import dask_options, human_size, main, setup_logging, user_errors


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
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="processes that compute the gradient, one shard of about 2 M characters "
                   "of training text each (the model is the same for any number)")
@dask_options("compute the shards' gradients", "--tmp-dir must be readable and writable")
@click.option("--tmp-dir", type=click.Path(file_okay=False), default=None,
              help="folder for the features of a training text of more than one shard "
                   "(about 52 bytes per character) [default: the system's]; removed at the "
                   "end, on errors and on Ctrl-C too")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar and no summary")
@click.option("-v", "--verbose", count=True, help="log each stage")
def train_crf_cmd(raw: tuple[str, ...], gold: str | None, lexicon: str | None, output: str,
                  iterations: int, c2: float, c1: float, holdout: float, hash_bits: int,
                  lexicon_features: bool, pmi_features: bool, parse_templates: str | None,
                  parse_lexicon: str | None, rounds: int,
                  confident: float | None,
                  free_single_runs: float | None, lexicon_guided: bool, seed: int,
                  workers: int, backend: str, scheduler: str | None, tmp_dir: str | None,
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
    if scheduler is not None and backend != "dask":
        raise click.UsageError("--scheduler needs --backend dask")
    setup_logging(verbose, quiet)
    with user_errors():
        from mentropy.crf import CRFSegmenter
        from mentropy.crf_features import FeatureOptions

        crf = CRFSegmenter(FeatureOptions(hash_bits=hash_bits, lexicon_features=lexicon_features,
                                          pmi_features=pmi_features))
        if parse_templates is not None:
            crf.use_parse_features(parse_templates, parse_lexicon)
        options = dict(max_iterations=iterations, c2=c2, c1=c1, holdout=holdout, seed=seed,
                       progress=False if quiet else None, workers=workers, tmp_dir=tmp_dir,
                       backend=backend, scheduler=scheduler)
        if gold is not None:
            crf.train_gold(gold, **options)
        else:
            from mentropy.corpus import iter_lines

            texts = (t for _, t, _ in iter_lines(list(raw), progress=False if quiet else None))
            free = 0.5 if free_single_runs is None else free_single_runs
            crf.train_silver(texts, lexicon, rounds=rounds, confident=confident,
                             free_single_runs=free, lexicon_guided=lexicon_guided,
                             source=", ".join(raw), **options)
        crf.save(output)
    if not quiet:
        r = crf.report
        shards = (f"; {r.shards} shards, {human_size(r.temp_bytes)} of temporary files"
                  if r.shards > 1 else "")
        click.echo(f"mentropy: CRF trained on {r.n_sentences:,} sentences, {r.n_features:,} "
                   f"features, {r.iterations} iterations ({r.stopped}), loss {r.loss:,.1f}, "
                   f"{r.seconds:.1f} s, peak memory {human_size(r.peak_memory)} ({r.workers} "
                   f"process{'es + parent' if r.workers > 1 else ''}){shards}", err=True)
