"""The one stage shape, after datatrove's ``PipelineStep``.

A stage is a callable ``(docs: Iterable[Document]) -> Iterator[Document]``
that streams: it never holds the whole corpus. The base class owns the loop,
the counters and the timing, so a concrete stage only writes :meth:`process`.
Documents whose ``status`` is not ``"ok"`` pass through untouched.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator

from pipeline.config import Config, Params
from pipeline.document import Document, Status
from pipeline.errors import PipelineError
from pipeline.nlp.load import load_nlp


@dataclass
class Context:
    """What every stage of one run shares: the config, the run folder and the stats."""

    config: Config
    out_dir: Path
    stats: dict[str, Counter] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # path -> sha256 of its bytes
    failures: list[dict] = field(default_factory=list)  # inputs that could not be read
    worker_timings: dict[str, float] = field(default_factory=dict)  # seconds in worker processes
    resume: Any = None  # pipeline.resume.ResumeCache of this run

    @property
    def nlp(self):
        return load_nlp(self.config.run.model)


class Stage:
    """Base class of all stages.

    Subclasses set ``Params`` (a pydantic model of their config table) and
    implement :meth:`process` (one document) or override :meth:`run` (a stream,
    e.g. to batch documents through ``nlp.pipe``).
    """

    factory: ClassVar[str] = ""
    Params: ClassVar[type[Params]] = Params
    # What the stage reads from and writes on a Document (as spaCy's ``requires``/``assigns``):
    # ``text``, ``sents``, ``ents``, ``spacy_doc``, ``sents.topic``, ``meta.title``... The registry checks,
    # when a config is loaded, that every name a stage requires is assigned by an earlier stage.
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()
    # Whether documents can go through this stage in any worker, independently of
    # each other (False for sources and for stages with cross-document state).
    parallel_safe: ClassVar[bool] = True
    # A sink runs in the driver process after all workers (writers).
    sink: ClassVar[bool] = False

    def __init__(self, name: str, params: Params, ctx: Context):
        self.name, self.params, self.ctx = name, params, ctx
        self.counts: Counter = ctx.stats.setdefault(name, Counter())
        ctx.timings.setdefault(name, 0.0)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        it = iter(self.run(docs))
        while True:
            t0 = time.perf_counter()
            try:
                doc = next(it)
            except StopIteration:
                self.ctx.timings[self.name] += time.perf_counter() - t0
                return
            # Time spent inside this stage's generator, upstream stages included;
            # the runner subtracts upstream time to report each stage's own share.
            self.ctx.timings[self.name] += time.perf_counter() - t0
            self.counts["docs"] += 1
            yield doc

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            if doc.status == Status.OK:
                self.guarded(doc)
            else:
                self.counts["skipped"] += 1
            yield doc

    def guarded(self, doc: Document) -> None:
        """:meth:`process` one document; a bug or an input it cannot handle fails that
        report alone (status ``"failed"``, listed in the manifest), unless ``run.strict``."""
        try:
            self.process(doc)
        except PipelineError:
            raise
        except Exception as e:  # noqa: BLE001 - one bad report must not stop the corpus
            if self.ctx.config.run.strict:
                raise
            self.fail(doc, e)

    def batch_or_none(self, work: Callable[[], Any]) -> Any:
        """``work()`` over a whole batch; ``None`` when it breaks (the caller then goes report by report
        under the guard of :meth:`guarded`, so only the report that breaks fails), unless ``run.strict``."""
        try:
            return work()
        except PipelineError:
            raise
        except Exception:  # noqa: BLE001 - find the report that breaks the batch
            if self.ctx.config.run.strict:
                raise
            return None

    def pipe_guarded(self, nlp, pairs: list[tuple[Any, Document]], **pipe_kw) -> list[tuple[Any, Document]]:
        """``nlp.pipe(pairs, as_tuples=True)`` over one batch, with the guard of :meth:`guarded`.

        spaCy runs a batch at once, so one report that breaks a component would stop the run:
        the batch is then run again report by report, and only the report that fails again is
        marked ``failed`` (unless ``run.strict``), once even when several of its items (the pieces of a
        long report) break. Returns ``(spaCy Doc or None, document)`` pairs.
        """
        res = self.batch_or_none(lambda: list(nlp.pipe(pairs, as_tuples=True, **pipe_kw)))
        if res is not None:
            return res
        out, failed = [], set()
        for item, doc in pairs:
            if id(doc) in failed:  # another piece of this report broke already
                out.append((None, doc))
                continue
            try:
                out += list(nlp.pipe([(item, doc)], as_tuples=True, **pipe_kw))
            except PipelineError:
                raise
            except Exception as e:  # noqa: BLE001 - one bad report must not stop the corpus
                self.fail(doc, e)
                failed.add(id(doc))
                out.append((None, doc))
        return out

    @staticmethod
    def batches(docs: Iterable[Document], size: int, max_chars: int = 0) -> Iterator[list[Document]]:
        """Consecutive lists of at most ``size`` documents, in order; with ``max_chars``, a list also ends
        once its texts hold that many characters (a longer document is a list of its own)."""
        if not max_chars:
            it = iter(docs)
            while batch := list(itertools.islice(it, size)):
                yield batch
            return
        batch, chars = [], 0
        for doc in docs:
            if batch and chars + len(doc.text) > max_chars:
                yield batch
                batch, chars = [], 0
            batch.append(doc)
            chars += len(doc.text)
            if len(batch) == size:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    def fail(self, doc: Document, err: Exception) -> None:
        doc.status = Status.FAILED
        doc.spacy_doc = None
        self.counts["failed"] += 1
        self.ctx.failures.append({"path": doc.source, "id": doc.id, "stage": self.name,
                                  "error": f"{doc.source}: stage {self.name} failed ({type(err).__name__}: {err}); "
                                           "the report was skipped, the others went on"})

    def process(self, doc: Document) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
