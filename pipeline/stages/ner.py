"""NER: named entities of the clean text, OntoNotes labels (spaCy's English pipelines).

Uses the ``Doc`` that ``segment`` made; runs the model itself when ``segment``
is not in the pipeline. Span rules of the guidelines applied here: no leading
article, no citation markers.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from pipeline.config import Params
from pipeline.document import Document, Entity
from pipeline.registry import register
from pipeline.stages.base import Stage
from pipeline.stages.segment import get_nlp

LEADING_ARTICLE_RE = re.compile(r"^(?:the|a|an|The|A|An)\s+")
CITATION_RE = re.compile(r"^\[?\d+\]?$")


def fix_span(text: str, start: int, end: int, label: str) -> tuple[int, int] | None:
    """Apply the guidelines' span rules; ``None`` when the span is not an entity."""
    span = text[start:end]
    m = LEADING_ARTICLE_RE.match(span)
    if m and len(span) > m.end():
        start += m.end()
    if label == "CARDINAL" and CITATION_RE.match(text[max(0, start - 1):end + 1]) and text[start - 1:start] == "[":
        return None
    return start, end


class NerParams(Params):
    batch_size: int = 0


@register("ner.v1")
class Ner(Stage):
    Params = NerParams

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        nlp = get_nlp(self.ctx.config.run.model)
        for doc in docs:
            if doc.status == "ok":
                if doc.spacy_doc is None:
                    doc.spacy_doc = nlp(doc.text)
                self.process(doc)
            yield doc

    def process(self, doc: Document) -> None:
        ents = []
        for ent in doc.spacy_doc.ents:
            span = fix_span(doc.text, ent.start_char, ent.end_char, ent.label_)
            if span is None:
                self.counts["dropped_citation"] += 1
                continue
            ents.append(Entity(span[0], span[1], ent.label_, canonical=doc.text[span[0]:span[1]]))
        doc.ents = ents
        self.counts["entities"] += len(ents)
