"""Write: annotated reports as JSONL in the format of the annotation guidelines (section 4).

``annotations.jsonl`` in the run folder gets one line per report that was
annotated; reports skipped by a stage (empty, duplicate...) are listed in the
manifest instead. The file is written to a temporary name and renamed when
the stream ends, so an interrupted run never leaves a truncated file.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from pipeline.config import Params
from pipeline.document import Document
from pipeline.io import atomic_open
from pipeline.registry import register
from pipeline.stages.base import Stage


class WriteParams(Params):
    """``[stages.write]``.

    Attributes:
        jsonl: file name of the JSONL output inside the run folder.
        edits: include the full edit log in each record's ``meta.edits``.
    """

    jsonl: str = "annotations.jsonl"
    edits: bool = True


@register("write.v1")
class Write(Stage):
    Params = WriteParams

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        with atomic_open(self.ctx.out_dir / self.params.jsonl) as fh:
            for doc in docs:
                if doc.status == "ok":
                    fh.write(json.dumps(doc.to_record(with_edits=self.params.edits), ensure_ascii=False) + "\n")
                    self.counts["written"] += 1
                else:
                    self.counts[f"not_written_{doc.status}"] += 1
                doc.spacy_doc = None  # free the Doc once written
                yield doc
