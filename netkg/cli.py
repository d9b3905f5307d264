"""The `netkg` command line: curation (validate, fmt, build, diff, stats, query) and serving."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="netkg",
    help="Curate, validate, build and serve the NET treatment knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
)

# --- validate, fmt: owned by the validation module's engineer --------------------------------

# --- build, diff, stats, query: owned by the release module's engineer -----------------------

# --- serve, load: owned by the service engineer -----------------------------------------------


if __name__ == "__main__":
    app()
