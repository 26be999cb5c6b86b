"""``other_languages.jsonl``: the reports the language stage did not let through (status ``other_language``),
with their clean text and meta (``language``, ``languages``, ``removed``, ``edits``), not annotated."""

from __future__ import annotations

import json
from contextlib import ExitStack

from pipeline.document import Document, Status
from pipeline.io import atomic_open
from pipeline.writers import Writer


class OtherLanguageWriter(Writer):
    """One JSON line per report in a language outside ``stages.language.allowed``; the file is made only
    when there is one. Lines: ``{"id", "source", "text", "meta", "ents": [], "sents": []}``."""

    NAME = "other_languages.jsonl"

    def __init__(self, *a, edits: bool = True, **kw):
        super().__init__(*a, **kw)
        self.edits, self.stack, self.fh = edits, None, None

    def open(self, stack: ExitStack) -> None:
        self.stack = stack

    def add(self, doc: Document, record: dict, sdoc) -> None:
        pass  # annotated reports go to annotations.jsonl

    def skip(self, doc: Document) -> None:
        if doc.status != Status.OTHER_LANGUAGE:
            return
        if self.fh is None:
            self.fh = self.stack.enter_context(atomic_open(self.out_dir / self.NAME))
        self.fh.write(json.dumps(doc.to_record(with_edits=self.edits), ensure_ascii=False) + "\n")
        self.counts["other_language_written"] += 1
