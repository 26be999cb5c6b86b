"""Where the per-document stages run: this process, a process pool, or a Dask cluster.

The stages of a config are split in three (:func:`split_stages`): the driver
runs the *head* (sources and stages with cross-document state, such as
``ingest`` and ``clean``'s corpus-wide deduplication) and the *tail* (sinks:
writers); the *body* (``segment``, ``ner``, ``classify``: per-document and
costly) runs on workers, a chunk of reports at a time. Each worker builds its
stages, and so loads its models, once. Chunks come back in submission order,
so every executor writes the same output as the local one.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter, deque
from typing import Any, Callable, Iterable, Iterator

from pipeline.config import Config
from pipeline.document import Document
from pipeline import registry
from pipeline.stages import factories  # noqa: F401  (registers the built-in stages in a worker)
from pipeline.stages.base import Context, Stage

_WORKER: dict[str, Any] = {}


def split_stages(stages: list[Stage]) -> tuple[list[Stage], list[Stage], list[Stage]]:
    """``(head, body, tail)``: the body is the longest per-document run after the last stateful stage."""
    last_stateful = max((i for i, s in enumerate(stages) if not s.parallel_safe and not s.sink), default=-1)
    head = stages[:last_stateful + 1]
    rest = stages[last_stateful + 1:]
    n_body = next((i for i, s in enumerate(rest) if s.sink or not s.parallel_safe), len(rest))
    return head, rest[:n_body], rest[n_body:]


def chunks(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _init_worker(config: Config, names: list[str]) -> None:
    """Build the body stages once per worker process (models load here, once)."""
    ctx = Context(config=config, out_dir=None)  # type: ignore[arg-type]  # body stages write nothing
    specs = [s for s in config.stages if s.name in names]
    _WORKER["key"] = (id(config), tuple(names))
    _WORKER["ctx"] = ctx
    _WORKER["stages"] = [registry.get(s.factory)(s.name, s.params, ctx) for s in specs]


def _run_chunk(docs: list[Document], config: Config | None = None, names: list[str] | None = None):
    """Run the body stages over one chunk; return the documents and this chunk's counters."""
    if config is not None and _WORKER.get("names") != names:
        _init_worker(config, names or [])
        _WORKER["names"] = names
    ctx: Context = _WORKER["ctx"]
    before = {k: Counter(v) for k, v in ctx.stats.items()}
    t_before = dict(ctx.timings)
    stream: Iterable[Document] = docs
    for stage in _WORKER["stages"]:
        stream = stage(stream)
    out = list(stream)
    stats = {k: dict(Counter(v) - before.get(k, Counter())) for k, v in ctx.stats.items()}
    timings = {k: v - t_before.get(k, 0.0) for k, v in ctx.timings.items()}
    return out, stats, timings, os.getpid()


def _merge(ctx: Context, stats: dict, timings: dict) -> None:
    for name, counts in stats.items():
        ctx.stats.setdefault(name, Counter()).update(counts)
    for name, t in timings.items():
        ctx.worker_timings[name] = ctx.worker_timings.get(name, 0.0) + t


def _ordered(submit: Callable[[list[Document]], Any], result: Callable[[Any], Any], docs: Iterable[Document],
             size: int, window: int, ctx: Context) -> Iterator[Document]:
    """Keep ``window`` chunks in flight and yield their documents in input order (bounded memory)."""
    pending: deque = deque()
    for chunk in chunks(docs, size):
        pending.append(submit(chunk))
        if len(pending) >= window:
            yield from _collect(result(pending.popleft()), ctx)
    while pending:
        yield from _collect(result(pending.popleft()), ctx)


def _collect(res, ctx: Context) -> list[Document]:
    out, stats, timings, _pid = res
    _merge(ctx, stats, timings)
    return out


def run_body(body: list[Stage], docs: Iterable[Document], config: Config, ctx: Context) -> Iterator[Document]:
    """Send ``docs`` through the body stages with the configured executor."""
    run = config.run
    if run.executor == "local" or not body:
        stream: Iterable[Document] = docs
        for stage in body:
            stream = stage(stream)
        yield from stream
        return
    names = [s.name for s in body]
    if run.executor == "processes":
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # "spawn" keeps workers free of the driver's threads and loaded state.
        with ProcessPoolExecutor(run.workers, mp_context=mp.get_context("spawn"),
                                 initializer=_init_worker, initargs=(config, names)) as pool:
            yield from _ordered(lambda c: pool.submit(_run_chunk, c), lambda f: f.result(), docs,
                                run.chunk_size, 2 * run.workers, ctx)
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if run.scheduler:
        client = Client(run.scheduler)
    else:
        cluster = LocalCluster(n_workers=run.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        yield from _ordered(lambda c: client.submit(_run_chunk, c, config, names, pure=False),
                            lambda f: f.result(), docs, run.chunk_size, 2 * run.workers, ctx)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
