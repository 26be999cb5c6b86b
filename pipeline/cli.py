"""Command line: ``irnlp run | validate | evaluate``.

Every error a user can cause ends in one line that names the file, the
problem and the fix, and a non-zero exit code (see README, "When something goes wrong").
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

from pipeline.errors import PipelineError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="NLP pipeline for analytical reports: repair, deduplicate, find entities, "
                       "classify sentences by topic and stance, and score against gold sets.")


@app.callback()
def _root() -> None:
    """NLP pipeline for analytical reports: repair, deduplicate, find entities, classify
    sentences by topic and stance, and score the annotations against gold sets."""


def fail(err: PipelineError) -> None:
    typer.secho(f"error: {err}", fg="red", err=True)
    raise typer.Exit(err.exit_code)


@app.command()
def run(
    config: Path = typer.Argument(..., help="Run config (TOML), e.g. config/default.toml."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a config value: section.key=value "
                                             "(repeatable), e.g. --set run.name=test --set stages.ingest.paths='[\"a.txt\"]'."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Run the pipeline of CONFIG over its inputs; write outputs/<run-name>/annotations.jsonl and manifest.json.

    Exit codes: 0 all reports done; 1 some inputs failed (listed in the manifest);
    2 bad config; 3 unreadable input (strict mode); 4 model missing.
    """
    from pipeline.config import load_config
    from pipeline.runner import run as run_pipeline

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        cfg = load_config(config, [*(set_ or []), *(["run.progress=off"] if quiet else [])])
        manifest = run_pipeline(cfg)
    except PipelineError as e:
        fail(e)
    out = Path(cfg.run.output_dir) / cfg.run.name
    rep = manifest["reports"]
    typer.echo(f"{rep['ok']} reports annotated, {len(rep['skipped'])} skipped, {len(manifest['failed'])} failed "
               f"-> {out}/")
    for f in manifest["failed"]:
        typer.secho(f"failed: {f['error']}", fg="yellow", err=True)
    raise typer.Exit(1 if manifest["failed"] else 0)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
