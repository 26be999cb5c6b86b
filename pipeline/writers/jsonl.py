"""JSONL: one record per annotated report, the format of the annotation guidelines (section 4)."""

from __future__ import annotations

import json
from contextlib import ExitStack

from pipeline.document import Document
from pipeline.io import atomic_open
from pipeline.writers import Writer


class JsonlWriter(Writer):
    """``annotations.jsonl``: one line per report with status ``ok``.

    The file is written under a temporary name and renamed when the stream
    ends, so an interrupted run never leaves a truncated file.
    """

    def __init__(self, *args, name: str = "annotations.jsonl", **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name

    def open(self, stack: ExitStack) -> None:
        self.fh = stack.enter_context(atomic_open(self.out_dir / self.name))

    def add(self, doc: Document, record: dict, sdoc) -> None:
        self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.counts["written"] += 1
