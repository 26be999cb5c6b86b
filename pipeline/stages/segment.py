"""Segment: split the clean text into sentences (units) with spaCy.

The spaCy pipeline runs once per document here, through ``nlp.pipe`` in
batches; the ``Doc`` is kept on the document for the ``ner`` stage so the model
is not run twice. A small component placed before the parser makes paragraph
breaks (so titles and headings) sentence boundaries and forbids boundaries
after initials and common abbreviations (``A. Lukashenko``, ``Mr. Putin``).
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from spacy.language import Language

from pipeline.config import Params
from pipeline.document import Document, Sentence
from pipeline.registry import register
from pipeline.stages.base import Stage, load_nlp

BOUNDARY_COMPONENT = "irnlp_boundaries"
INITIAL_RE = re.compile(r"^[A-Z]\.$")
ABBREVIATIONS = {"Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "St.", "Gen.", "Col.", "Lt.", "No.", "vs.", "e.g.", "i.e.", "Jr.", "Sr."}


@Language.component(BOUNDARY_COMPONENT)
def boundaries(doc):
    """Set ``is_sent_start`` before the parser: True after a line break, False after initials."""
    for i, tok in enumerate(doc[1:], 1):
        prev = doc[i - 1]
        if "\n" in prev.text or "\n" in prev.whitespace_:
            tok.is_sent_start = True
        elif prev.is_space:
            continue
        elif INITIAL_RE.match(prev.text) or prev.text in ABBREVIATIONS:
            tok.is_sent_start = False
    return doc


def get_nlp(model: str):
    """The shared spaCy pipeline with the boundary component added once."""
    nlp = load_nlp(model)
    if BOUNDARY_COMPONENT not in nlp.pipe_names:
        before = "parser" if "parser" in nlp.pipe_names else None
        nlp.add_pipe(BOUNDARY_COMPONENT, before=before) if before else nlp.add_pipe(BOUNDARY_COMPONENT, first=True)
    return nlp


def sentences_of(sdoc) -> list[Sentence]:
    """Sentence spans of a spaCy Doc, trimmed of outer whitespace; whitespace-only ones dropped."""
    out = []
    text = sdoc.text
    for sent in sdoc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append(Sentence(start, end))
    return out


class SegmentParams(Params):
    """``[stages.segment]``: ``batch_size`` documents per ``nlp.pipe`` call (0: use run.batch_size)."""

    batch_size: int = 0


@register("segment.v1")
class Segment(Stage):
    Params = SegmentParams

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        nlp = get_nlp(self.ctx.config.run.model)
        batch = self.params.batch_size or self.ctx.config.run.batch_size
        pairs = ((d.text if d.status == "ok" else "", d) for d in docs)
        for sdoc, doc in nlp.pipe(pairs, as_tuples=True, batch_size=batch):
            if doc.status == "ok":
                doc.spacy_doc = sdoc
                doc.sents = sentences_of(sdoc)
                self.counts["sentences"] += len(doc.sents)
            yield doc
