"""Run a validated config: chain the stages, stream the documents, write the manifest."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from importlib import metadata
from typing import Iterable, Iterator

from pipeline import __version__, registry
from pipeline.config import Config
from pipeline.document import Document
from pipeline.io import write_json
from pipeline.stages.base import Context, Stage

log = logging.getLogger("irnlp")


def build_stages(config: Config, ctx: Context) -> list[Stage]:
    return [registry.get(spec.factory)(spec.name, spec.params, ctx) for spec in config.stages]


def chain(stages: list[Stage], docs: Iterable[Document] = ()) -> Iterator[Document]:
    stream: Iterable[Document] = docs
    for stage in stages:
        stream = stage(stream)
    return iter(stream)


def _progress(stream: Iterator[Document], mode: str) -> Iterator[Document]:
    """A bar per document on a terminal; plain log lines otherwise."""
    if mode == "off":
        yield from stream
        return
    if mode == "bar" or (mode == "auto" and sys.stderr.isatty()):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed} reports"),
                      TimeElapsedColumn(), transient=False) as bar:
            task = bar.add_task("annotating", total=None)
            for doc in stream:
                bar.update(task, advance=1, description=f"annotating {doc.id[:40]}")
                yield doc
        return
    for n, doc in enumerate(stream, 1):
        log.info("report %d done: %s (%s)", n, doc.id, doc.status)
        yield doc


def versions(model: str) -> dict[str, str]:
    out = {"irnlp": __version__}
    for pkg in ("spacy", "scikit-learn", "textacy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        from pipeline.stages.base import load_nlp

        nlp = load_nlp(model)
        out["model"] = f"{nlp.meta.get('name')} {nlp.meta.get('version')}"
    except Exception:  # the model may be absent when no spaCy stage runs
        out["model"] = "not loaded"
    return out


def run(config: Config) -> dict:
    """Run the pipeline of ``config`` and write ``manifest.json`` in the run folder.

    Returns:
        The manifest (also written to disk). ``manifest["failed"]`` lists inputs
        that could not be read.

    Raises:
        PipelineError: configuration, model or (with ``run.strict``) input errors.
    """
    out_dir = Path(config.run.output_dir) / config.run.name
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(config=config, out_dir=out_dir)
    stages = build_stages(config, ctx)
    t0 = time.perf_counter()
    statuses: dict[str, str] = {}
    for doc in _progress(chain(stages), config.run.progress):
        statuses[doc.id] = doc.status
    elapsed = time.perf_counter() - t0
    cumulative = [ctx.timings[s.name] for s in stages]
    own = {s.name: round(c - (cumulative[i - 1] if i else 0.0), 4) for i, (s, c) in enumerate(zip(stages, cumulative))}
    manifest = {
        "run": config.run.name,
        "config_file": str(config.path),
        "config": config.raw,
        "stages": [{"name": s.name, "factory": s.factory} for s in stages],
        "versions": versions(config.run.model),
        "inputs": ctx.inputs,
        "reports": {"total": len(statuses), "ok": sum(v == "ok" for v in statuses.values()),
                    "skipped": {k: v for k, v in statuses.items() if v != "ok"}},
        "counts": {name: dict(c) for name, c in ctx.stats.items()},
        "timings_s": {"total": round(elapsed, 4), **own},
        "failed": ctx.failures,
    }
    write_json(out_dir / "manifest.json", manifest)
    return manifest
