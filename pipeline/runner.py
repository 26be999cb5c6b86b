"""Run a validated config: chain the stages, stream the documents, write the manifest."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections import Counter
import tempfile
import time
from pathlib import Path
from importlib import metadata
from typing import Iterable, Iterator

from pipeline import __version__, registry
from pipeline.config import Config, read_config
from pipeline.errors import ConfigError
from pipeline.document import Document, Status, from_record
from pipeline.executors import run_body, split_stages
from pipeline.io import write_json
from pipeline.resume import ResumeCache, run_key
from pipeline.stages import factories  # noqa: F401  (registers the built-in stages)
from pipeline.stages.base import Context, Stage

log = logging.getLogger("irnlp")

SIGTERM_EXIT = 143  # 128 + SIGTERM, what a shell reports for a terminated command
_terminated = False


def exit_on_sigterm() -> None:
    """On SIGTERM, unwind the run as ``SystemExit(143)`` so that temporary files are removed; committed
    parts stay for the next run to reuse.

    The handler raises wherever the main thread is; library code that swallows the exception (a bare
    ``except:``, a Cython callback that cannot raise) would let the run go on, so the run loop raises it
    again at the next report (see :func:`_stop_if_terminated`).
    """
    def handler(signum, frame):
        global _terminated
        _terminated = True
        raise SystemExit(SIGTERM_EXIT)

    signal.signal(signal.SIGTERM, handler)


def _stop_if_terminated() -> None:
    if _terminated:
        raise SystemExit(SIGTERM_EXIT)


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read a run config and validate every part of it, the stage tables included.

    Args:
        path: the TOML file.
        overrides: ``section.key=value`` strings (``--set`` on the command line).

    Raises:
        ConfigError: missing file, TOML syntax error, unknown section/key/stage/factory, bad value.
    """
    return registry.resolve(read_config(path, overrides))


def build_stages(config: Config, ctx: Context) -> list[Stage]:
    return [registry.get(spec.factory)(spec.name, spec.params, ctx) for spec in config.stages]


def chain(stages: list[Stage], docs: Iterable[Document] = ()) -> Iterator[Document]:
    stream: Iterable[Document] = docs
    for stage in stages:
        stream = stage(stream)
    return iter(stream)


class _Timed:
    """Wrap an iterator and add up the time spent waiting for it."""

    def __init__(self, it: Iterator[Document]):
        self.it, self.seconds = it, 0.0

    def __iter__(self):
        return self

    def __next__(self) -> Document:
        t0 = time.perf_counter()
        try:
            return next(self.it)
        finally:
            self.seconds += time.perf_counter() - t0


def chain_with_resume(stages: list[Stage], ctx: Context) -> Iterator[Document]:
    """Chain ``stages``; right after the source stage, reports done by an earlier run are swapped
    for their stored annotations (status ``"cached"``), which the other stages pass through."""
    if not stages or not stages[0].factory.startswith("ingest") or ctx.resume is None:
        return chain(stages)

    def reuse(docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            rec = ctx.resume.lookup(doc) if doc.status == Status.OK else None
            yield from_record(rec, doc) if rec is not None else doc

    return chain(stages[1:], reuse(stages[0]([])))


def own_times(stages: list[Stage], timings: dict[str, float], upstream: float = 0.0) -> dict[str, float]:
    """Each stage's own seconds from the cumulative times of a chain of nested generators."""
    out, prev = {}, upstream
    for s in stages:
        out[s.name] = round(timings.get(s.name, 0.0) - prev, 4)
        prev = timings.get(s.name, 0.0)
    return out


def _progress(stream: Iterator[Document], mode: str) -> Iterator[Document]:
    """A bar per document on a terminal; plain log lines otherwise."""
    if mode == "off":
        yield from stream
        return
    if mode == "bar" or (mode == "auto" and sys.stderr.isatty()):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        # On stderr, like the log lines: stdout stays for what a user pipes on.
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed} reports"),
                      TimeElapsedColumn(), transient=False, console=Console(stderr=True)) as bar:
            task = bar.add_task("annotating", total=None)
            for doc in stream:
                bar.update(task, advance=1, description=f"annotating {doc.id[:40]}")
                yield doc
        return
    for n, doc in enumerate(stream, 1):
        log.info("report %d done: %s (%s)", n, doc.id, doc.status)
        yield doc


TRIM_EVERY = 100  # reports between two malloc_trim calls (one call takes about a millisecond)


def _libc_trim():
    """glibc's ``malloc_trim`` if this process has it (Linux with glibc), else None."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # macOS, musl, Windows: nothing to call
        return None


def _trimmed(stream: Iterator[Document]) -> Iterator[Document]:
    """Pass ``stream`` through, handing freed heap pages back to the OS every :data:`TRIM_EVERY` reports.

    Each report's spaCy ``Doc`` and parse take tens of MB that are freed once it
    is written, but glibc keeps freed pages mapped when live objects sit among
    them, so resident memory ratchets up with the run; ``malloc_trim(0)``
    releases every free page (not only the top of the heap). The environment
    variable ``IRNLP_NO_TRIM=1`` switches it off (to measure what it saves).
    """
    trim = _libc_trim() if os.environ.get("IRNLP_NO_TRIM") != "1" else None
    for n, doc in enumerate(stream, 1):
        yield doc
        if trim is not None and n % TRIM_EVERY == 0:
            trim(0)


def prepare_out_dir(out_dir: Path) -> Path:
    """Create the run folder and check that files can be written there, before any work.

    Raises:
        ConfigError: the folder cannot be created or written.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-check-"):
            pass
    except OSError as e:
        raise ConfigError(f"{out_dir}: output folder is not writable ({e.strerror or e}); "
                          "set run.output_dir (or --set run.output_dir=...) to a folder you can write") from None
    return out_dir


def versions(model: str) -> dict[str, str]:
    out = {"irnlp": __version__}
    for pkg in ("spacy", "scikit-learn", "textacy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        from pipeline.nlp.load import load_nlp

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
    target = Path(config.run.output_dir) / config.run.name
    existed = target.exists()
    out_dir = prepare_out_dir(target)
    ctx = Context(config=config, out_dir=out_dir)
    try:
        stages = build_stages(config, ctx)  # checks inputs, patterns and models before any work
    except Exception:
        if not existed and not any(out_dir.iterdir()):
            out_dir.rmdir()  # leave no empty run folder behind a config or input error
        raise
    vers = versions(config.run.model)
    ctx.resume = ResumeCache(out_dir, run_key(config, vers), enabled=config.run.resume)
    head, body, tail = split_stages(stages) if config.run.executor != "local" else (stages, [], [])
    t0 = time.perf_counter()
    statuses: Counter = Counter()
    skipped: dict[str, str] = {}  # only the skipped reports are named in the manifest
    not_replayable: list[str] = []  # contact details redacted in the edit log (stages.clean.redact_contacts)
    clusters: dict[str, list[dict]] = {}  # kept report -> its syndicated copies and their similarity
    body_stream = _Timed(run_body(body, chain_with_resume(head, ctx), config, ctx))
    for doc in _trimmed(_progress(chain(tail, body_stream), config.run.progress)):
        _stop_if_terminated()
        statuses[doc.status] += 1
        if doc.status not in Status.ANNOTATED:
            skipped[doc.id] = doc.status
        if doc.meta.get("redacted_contacts"):
            not_replayable.append(doc.id)
        if doc.status == Status.DUPLICATE and doc.meta.get("duplicate_of"):
            clusters.setdefault(doc.meta["duplicate_of"], []).append(
                {"id": doc.id, "similarity": doc.meta.get("duplicate_similarity")})
    elapsed = time.perf_counter() - t0
    own = own_times(head, ctx.timings)
    if body:
        own.update(own_times(body, ctx.worker_timings))
        own.update(own_times(tail, ctx.timings, upstream=body_stream.seconds))
    manifest = {
        "run": config.run.name,
        "config_file": str(config.path),
        "config": config.raw,
        "stages": [{"name": s.name, "factory": s.factory} for s in stages],
        "versions": vers,
        "inputs": ctx.inputs,
        "reports": {"total": sum(statuses.values()), "ok": statuses[Status.OK] + statuses[Status.CACHED],
                    "from_earlier_run": statuses[Status.CACHED], "skipped": skipped,
                    "not_replayable": not_replayable, "duplicate_clusters": clusters},
        "counts": {name: dict(c) for name, c in ctx.stats.items()},
        "executor": {"kind": config.run.executor, "workers": config.run.workers if body else 1,
                     "in_workers": [s.name for s in body]},
        "timings_s": {"total": round(elapsed, 4), **own},
        "failed": ctx.failures,
    }
    _stop_if_terminated()
    write_json(out_dir / "manifest.json", manifest)
    return manifest
