"""JSONL: one record per annotated report, the format of the annotation guidelines (section 4)."""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack

from pipeline.document import Document
from pipeline.io import atomic_open
from pipeline.writers import Writer

PARTS = "parts"  # folder of the committed part files (read back by pipeline.resume)


class JsonlWriter(Writer):
    """``annotations.jsonl``: one line per report with status ``ok`` (or reused from an earlier run).

    Records are committed every ``part_size`` reports as a part file of this
    run's generation (``parts/<generation>/part-NNNNN.jsonl``, each written
    atomically), so a run killed at any moment keeps every completed part and
    a re-run reuses them (:mod:`pipeline.resume`). When the stream ends the
    parts are joined into ``annotations.jsonl`` (also atomically), in input order.
    """

    def __init__(self, *args, name: str = "annotations.jsonl", part_size: int = 16, resume=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.name, self.part_size, self.resume = name, part_size, resume
        self.gen = self.out_dir / PARTS / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        self.buffer: list[str] = []
        self.parts: list = []

    def open(self, stack: ExitStack) -> None:
        self.gen.mkdir(parents=True, exist_ok=True)

    def _commit(self) -> None:
        if not self.buffer:
            return
        path = self.gen / f"part-{len(self.parts):05d}.jsonl"
        with atomic_open(path) as fh:
            fh.writelines(self.buffer)
        self.parts.append(path)
        self.buffer = []

    def add(self, doc: Document, record: dict, sdoc) -> None:
        self.buffer.append(json.dumps(record, ensure_ascii=False) + "\n")
        self.counts["written"] += 1
        if len(self.buffer) >= self.part_size:
            self._commit()

    def finish(self) -> None:
        self._commit()
        with atomic_open(self.out_dir / self.name) as out:
            for part in self.parts:
                with open(part, encoding="utf-8") as fh:
                    out.writelines(fh)
        if self.resume is not None:
            self.resume.drop_old()
