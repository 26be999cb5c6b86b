"""Write: the run's outputs, each a writer of :mod:`pipeline.writers` switched on in ``[stages.write]``.

Always ``annotations.jsonl`` (the format of the annotation guidelines, section
4: one line per annotated report; reports a stage skipped are listed in the
manifest instead). On request: key terms (``meta.keyterms`` and
``keyterms.json``), ``docbin/`` (spaCy ``DocBin`` files), ``sentences.csv``
and ``entities.csv`` (and Parquet with pyarrow), and the HTML report in
``report/``. docs/outputs.md describes each file and how to open it.

Every file is written under a temporary name and renamed when the stream
ends, so an interrupted run never leaves a truncated file. The spaCy ``Doc``
made by the segment stage is used, then freed; without one (no segment stage,
or segment ran in a worker process) the segment stage's spaCy pipeline runs
here, as far as the writers need it.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Iterable, Iterator

from pydantic import Field, field_validator

from pipeline.config import Params
from pipeline.document import Document, Status
from pipeline.stages.base import Stage
from pipeline.writers import Writer


class WriteParams(Params):
    """``[stages.write]``.

    Attributes:
        jsonl: file name of the JSONL output inside the run folder.
        part_size: reports per committed part file (what an interrupted run keeps; see pipeline.resume).
        edits: include the full edit log in each record's ``meta.edits``.
        keyterms: key terms per report and per topic (textacy SGRank); 0 switches them off.
        docbin: write ``docbin/`` (spaCy ``DocBin`` files with every annotation).
        docbin_shard_size: reports per ``.spacy`` file of ``docbin/`` (memory grows with it, not with the run).
        tables: write ``sentences.csv`` and ``entities.csv`` (and ``.parquet`` when pyarrow is installed).
        html: write the HTML report (``report/index.html`` and a page per report).
    """

    jsonl: str = "annotations.jsonl"
    part_size: int = Field(16, ge=1)
    edits: bool = True
    keyterms: int = Field(0, ge=0)
    docbin: bool = False
    docbin_shard_size: int = Field(250, ge=1)
    tables: bool = False
    html: bool = False

    @field_validator("jsonl")
    @classmethod
    def _own_file(cls, v: str) -> str:
        taken = {"manifest.json", "sentences.csv", "entities.csv", "keyterms.json",
                 "sentences.parquet", "entities.parquet"}
        if v in taken or "/" in v or not v.endswith(".jsonl"):
            raise ValueError(f"must be a *.jsonl file name of its own, not one of {sorted(taken)}")
        return v


def build_writers(params: WriteParams, stage: "Write") -> list[Writer]:
    """The writers ``params`` switches on, in the order they must run (key terms first, HTML last)."""
    from pipeline.writers.jsonl import JsonlWriter

    common = (stage.ctx.out_dir, stage.counts, {})
    writers: list[Writer] = []
    if params.keyterms > 0:
        from pipeline.writers.keyterms import KeytermWriter

        writers.append(KeytermWriter(*common, topn=params.keyterms))
    writers.append(JsonlWriter(*common, name=params.jsonl, part_size=params.part_size, resume=stage.ctx.resume))
    from pipeline.writers.languages import OtherLanguageWriter

    writers.append(OtherLanguageWriter(*common, edits=params.edits))
    if params.docbin:
        from pipeline.writers.docbin import DocBinWriter

        writers.append(DocBinWriter(*common, shard_size=params.docbin_shard_size))
    if params.tables:
        from pipeline.writers.tables import TableWriter

        writers.append(TableWriter(*common))
    if params.html:
        from pipeline.writers.html import HtmlWriter

        writers.append(HtmlWriter(*common, run=stage.ctx.config.run.name))
    return writers


class Write(Stage):
    """``write.v1``: the outputs of a run (JSONL, DocBin, tables, key terms, HTML; docs/outputs.md).

    Params: :class:`WriteParams`. Methods: spaCy ``DocBin``; key terms by SGRank (Danesh et al. 2015;
    textacy).
    """

    Params = WriteParams
    requires = ("text",)
    # Files, the DocBin and the HTML index gather every report: run once, in the driver.
    parallel_safe = False
    sink = True

    def spacy_doc(self, doc: Document, tags: bool):
        """The segment stage's ``Doc`` of ``doc.text``, or one made here (parsed only if ``tags``).

        A ``Doc`` is missing when no segment stage ran, or when it ran in a
        worker process (the ``Doc`` stays there). It is then made with the
        segment stage's own pipeline (``load_nlp`` plus its boundary
        component), so key terms and the DocBin are the same whichever executor ran.
        """
        sdoc = doc.spacy_doc
        if sdoc is not None and sdoc.text == doc.text and (sdoc.has_annotation("POS") or not tags):
            return sdoc
        from pipeline.nlp.load import get_nlp

        nlp = get_nlp(self.ctx.config.run.model)
        self.counts["spacy_docs_made"] += 1
        return nlp(doc.text) if tags else nlp.make_doc(doc.text)

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        writers = build_writers(self.params, self)
        needs_doc = any(w.needs_doc for w in writers)
        needs_tags = any(w.needs_tags for w in writers)
        with ExitStack() as stack:
            for w in writers:
                w.open(stack)
            for doc in docs:
                if doc.status in Status.ANNOTATED:
                    cached = doc.status == Status.CACHED  # annotated by an earlier run (pipeline.resume)
                    sdoc = self.spacy_doc(doc, needs_tags and not cached) if needs_doc else None
                    if not cached:
                        for w in writers:
                            w.annotate(doc, sdoc)
                    record = doc.cached_record if cached else doc.to_record(with_edits=self.params.edits)
                    self.counts["from_earlier_run"] += cached
                    for w in writers:
                        w.add(doc, record, sdoc)
                else:
                    self.counts[f"not_written_{doc.status}"] += 1
                    for w in writers:
                        w.skip(doc)
                doc.spacy_doc = None  # free the Doc once written
                yield doc
            for w in writers:
                w.finish()
