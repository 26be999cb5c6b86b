"""Segment: split the clean text into sentences (units) with spaCy.

The spaCy pipeline runs once per document here, through ``nlp.pipe`` in
batches; the ``Doc`` is kept on the document for the ``ner`` stage so the model
is not run twice. The boundary rules of the guidelines are a spaCy component
(:mod:`pipeline.nlp.boundaries`) placed before the parser.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from spacy.tokens import Doc

from pipeline.config import Params
from pipeline.document import Document, Status
from pipeline.stages.base import Stage
from pipeline.nlp.boundaries import ABBREVIATIONS, SPEECH_VERBS
from pipeline.nlp.entities import NER_PIPES
from pipeline.nlp.load import get_nlp, sentences_of


class SegmentParams(Params):
    """``[stages.segment]``.

    Attributes:
        batch_size: documents per ``nlp.pipe`` call (0: use run.batch_size).
        abbreviations: tokens after which a sentence never ends (empty: the built-in list).
        speech_verbs: verbs of an attribution ``…, the minister said.`` (empty: the built-in list).
        quotations: apply the quotation rule of the guidelines.
        unquoted_attribution: treat a paragraph ending in an attribution as one quotation.
        piece_chars: a longer text is parsed in pieces of at most this many characters, cut at
            paragraph breaks (else at whitespace), and the pieces' Docs are joined with
            ``Doc.from_docs`` (spaCy's parser needs about 1 GB per 100,000 characters).
        max_chars: a longer report fails with a clear message instead of exhausting memory.
    """

    batch_size: int = 0
    piece_chars: int = 100_000
    max_chars: int = 20_000_000
    abbreviations: list[str] = []
    speech_verbs: list[str] = []
    quotations: bool = True
    unquoted_attribution: bool = True

    def boundary_config(self) -> dict:
        return {"abbreviations": self.abbreviations or list(ABBREVIATIONS),
                "speech_verbs": self.speech_verbs or list(SPEECH_VERBS),
                "quotations": self.quotations, "unquoted_attribution": self.unquoted_attribution}


def pieces(text: str, size: int) -> list[str]:
    """Cut ``text`` into consecutive pieces of at most ``size`` characters whose concatenation
    is ``text``: after a paragraph break where possible, else after whitespace, else anywhere."""
    out, start = [], 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = window.rfind("\n\n")
        cut = cut + 2 if cut > 0 else max(window.rfind(" "), window.rfind("\n")) + 1
        if cut <= 0:
            cut = size
        out.append(text[start:start + cut])
        start += cut
    out.append(text[start:])
    return out


class Segment(Stage):
    """``segment.v1``: sentence units of the clean text (``doc.sents``), the spaCy ``Doc`` for later stages.

    Params: :class:`SegmentParams`. Method: spaCy's dependency parser (``en_core_web_sm``) with the
    boundary component of :mod:`pipeline.nlp.boundaries` placed before it; the entity components are
    left to the ner stage.
    """

    Params = SegmentParams
    requires = ("text",)
    assigns = ("sents", "spacy_doc")

    def __init__(self, name, params, ctx):
        super().__init__(name, params, ctx)
        self.nlp = get_nlp(ctx.config.run.model, **params.boundary_config())

    def parse_long(self, doc: Document):
        """Parse a text longer than ``piece_chars`` piece by piece; fail it above ``max_chars``."""
        if len(doc.text) > self.params.max_chars:
            self.fail(doc, ValueError(
                f"{len(doc.text):,} characters after cleaning, more than stages.segment.max_chars = "
                f"{self.params.max_chars:,}; split the report into smaller files or raise the limit"))
            return None

        self.counts["parsed_in_pieces"] += 1
        chars = self.ctx.config.run.batch_chars
        per_batch = (max(1, chars // self.params.piece_chars) if chars
                     else self.params.batch_size or self.ctx.config.run.batch_size)
        parts = [sdoc for sdoc, _ in self.pipe_guarded(self.nlp, [(p, doc) for p in pieces(doc.text, self.params.piece_chars)],
                                                        batch_size=per_batch, disable=self.ner_pipes())]
        if doc.status != Status.OK:
            return None
        return Doc.from_docs(parts, ensure_whitespace=False)

    def ner_pipes(self) -> list[str]:
        """The entity components, run by the ner stage (see :data:`pipeline.nlp.entities.NER_PIPES`)."""
        return [p for p in NER_PIPES if p in self.nlp.pipe_names]

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        size = self.params.batch_size or self.ctx.config.run.batch_size
        limit = self.params.piece_chars
        for batch in self.batches(docs, size, self.ctx.config.run.batch_chars):
            pairs = [(d.text if d.status == Status.OK and len(d.text) <= limit else "", d) for d in batch]
            for sdoc, doc in self.pipe_guarded(self.nlp, pairs, batch_size=size, disable=self.ner_pipes()):
                if doc.status == Status.OK and len(doc.text) > limit:
                    sdoc = self.parse_long(doc)
                if doc.status == Status.OK:
                    doc.spacy_doc = sdoc
                    doc.sents = sentences_of(sdoc)
                    self.counts["sentences"] += len(doc.sents)
                else:
                    self.counts["skipped"] += 1
                yield doc
