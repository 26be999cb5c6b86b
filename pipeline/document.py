"""The one data model that flows through every stage.

A :class:`Document` starts as the raw text of a report. Stages change its
``text`` only through :meth:`Document.apply`, which records every change as an
:class:`Edit` with raw offsets, so that any span of the clean text maps back to
the raw input and nothing of the raw input is lost: replaying the edit log
backwards (:meth:`Document.reconstruct_raw`) gives the raw text back exactly.
"""

from __future__ import annotations

from array import array
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, NamedTuple

TOPICS = (
    "diplomacy", "economy_trade", "agriculture_food", "industry_technology", "energy",
    "defense_security", "reconstruction_infrastructure", "culture_society", "environment", "other",
)
STANCES = ("FAVOR", "AGAINST", "NONE")


class Status:
    """The values of ``Document.status``, named once (as datatrove's ``StatHints``).

    ``OK``: annotate it; ``CACHED``: annotated by an earlier run (``pipeline.resume``), passed
    through; the others say why the later stages skip the report.
    """

    OK = "ok"
    CACHED = "cached"
    EMPTY = "empty"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    OTHER_LANGUAGE = "other_language"  # not in stages.language.allowed: clean text kept, not annotated
    ANNOTATED = (OK, CACHED)  # written to the outputs
# The 18 OntoNotes 5 labels of spaCy's English pipelines.
ENT_LABELS = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
)


def outlet_of(rec: dict) -> str:
    """The outlet of a record: ``meta.outlet``, else the file name of its ``source`` without the
    extension (``../shared/corpus/unlabelled/tehrantimes.jsonl`` -> ``tehrantimes``), else ""."""
    outlet = (rec.get("meta") or {}).get("outlet")
    if outlet:
        return str(outlet)
    source = rec.get("source") or ""
    return source.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]


class _DocBytes(NamedTuple):
    data: bytes


_VOCAB = None


def _shared_vocab():
    """One English spaCy Vocab for Docs unpickled in this process.

    The strings come with each Doc; the language's lexical attributes (stop
    words, ``like_num``) come from the Vocab, so a bare ``Vocab()`` would change
    what e.g. textacy's key-term extraction sees.
    """
    global _VOCAB
    if _VOCAB is None:
        import spacy

        _VOCAB = spacy.blank("en").vocab
    return _VOCAB


# The offset index marks characters put in by an ``insert`` edit with its top bit (raw offsets stay below 2**31).
INSERTED = 1 << 31
RAW_MASK = INSERTED - 1


@dataclass
class Edit:
    """One change to the text.

    Attributes:
        stage: name of the stage that made it (``"repair"``, ``"clean"``...).
        op: ``"replace"`` (a repair), ``"remove"`` (text dropped from the clean text) or ``"insert"`` (text the
            raw lacks, put in from the input's metadata: the title, see ``stages.clean.title_from_meta``).
        start, end: the changed span in the *raw* text (``end`` exclusive).
        before: the text that was there (in the text as it was at that stage).
        after: the text put in its place (``""`` for a removal).
        reason: why, in a short machine-readable word (``"mojibake"``, ``"navigation"``...).
        at: offset of ``after`` in the text right after the edit's batch; used to
            replay the log backwards.
    """

    stage: str
    op: str
    start: int
    end: int
    before: str
    after: str
    reason: str
    at: int


class Change(NamedTuple):
    """A change requested by a stage, in offsets of the *current* text."""

    start: int
    end: int
    after: str
    reason: str


@dataclass
class Entity:
    """An entity span of the clean text (``end`` exclusive)."""

    start: int
    end: int
    label: str
    canonical: str | None = None
    source: str = "model"  # "model" or "rule": who proposed the span


@dataclass
class Sentence:
    """A sentence (unit) of the clean text with its labels.

    ``probs`` maps every label to its probability (empty for methods without
    probabilities); ``targets`` holds ``{"start", "end", "stance"}`` dicts.
    """

    start: int
    end: int
    topic: str = "other"
    stance: str = "NONE"
    topic_probs: dict[str, float] = field(default_factory=dict)
    stance_probs: dict[str, float] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    low_confidence: bool = False


@dataclass
class Document:
    """A report on its way through the pipeline.

    Attributes:
        id: stable identifier (the file name without extension, or the JSONL ``id``).
        source: path of the input file, as given.
        raw: the text as read and decoded; never changed.
        text: the current text; the clean text once ``clean`` has run.
        meta: title, date, references, removed blocks... (JSON-serialisable).
        edits: the edit log, in the order the edits were made.
        sents, ents: annotations over ``text``.
        status: ``"ok"``, or why later stages skip it (``"duplicate"``, ``"empty"``...).
        spacy_doc: the spaCy ``Doc`` of ``text`` while the NLP stages run (not serialised).
    """

    id: str
    source: str
    raw: str
    text: str = None  # type: ignore[assignment]
    meta: dict[str, Any] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    sents: list[Sentence] = field(default_factory=list)
    ents: list[Entity] = field(default_factory=list)
    status: str = Status.OK
    spacy_doc: Any = field(default=None, repr=False, compare=False)
    cached_record: Any = field(default=None, repr=False, compare=False)  # set when resumed from an earlier run
    _index: array = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.text is None:
            self.text = self.raw
        if self._index is None:
            if self.text != self.raw:
                raise ValueError("a Document built with a text other than raw needs its index")
            # _index[i] is the raw offset of text[i]; one more entry for the end.
            self._index = array("I", range(len(self.raw) + 1))

    # --- pickling (worker processes) --------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self.spacy_doc is not None:  # a Doc travels as bytes, its strings included
            state["spacy_doc"] = _DocBytes(self.spacy_doc.to_bytes(exclude=["tensor", "user_data"]))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("spacy_doc"), _DocBytes):
            from spacy.tokens import Doc

            state["spacy_doc"] = Doc(_shared_vocab()).from_bytes(state["spacy_doc"].data)
        self.__dict__.update(state)

    # --- edits -----------------------------------------------------------
    def apply(self, changes: Iterable[Change], stage: str, op: str = "replace") -> int:
        """Apply non-overlapping changes to ``text`` and log each one.

        Args:
            changes: spans of the current text with their replacement; any order.
            stage: name of the calling stage, kept in the log.
            op: ``"replace"``, ``"remove"`` or ``"insert"`` (the new text has no raw span: :meth:`raw_span`
                of text wholly inserted is empty).

        Returns:
            The number of changes applied (no-op changes are skipped).

        Raises:
            ValueError: if two changes overlap or a span is outside the text.
        """
        todo = sorted((c for c in changes if self.text[c.start:c.end] != c.after), key=lambda c: c.start)
        if not todo:
            return 0
        text, index = self.text, self._index
        parts: list[str] = []
        new_index = array("I")
        pos = 0
        for c in todo:
            if c.start < pos or c.end > len(text) or c.start > c.end:
                raise ValueError(f"{self.id}: change {c} overlaps another or leaves the text")
            parts.append(text[pos:c.start])
            new_index.extend(index[pos:c.start])
            at = sum(map(len, parts))
            before = text[c.start:c.end]
            raw_start, raw_end = index[c.start] & RAW_MASK, index[c.end] & RAW_MASK
            if op == "insert":
                new_index.extend([raw_start | INSERTED] * len(c.after))
            elif len(c.after) == len(before):
                new_index.extend(index[c.start:c.end])  # char-for-char repairs keep exact offsets
            else:
                new_index.extend([raw_start] * len(c.after))
            parts.append(c.after)
            self.edits.append(Edit(stage, op, raw_start, raw_end, before, c.after, c.reason, at))
            pos = c.end
        parts.append(text[pos:])
        new_index.extend(index[pos:])
        self.text = "".join(parts)
        self._index = new_index
        return len(todo)

    def remove(self, spans: Iterable[tuple[int, int, str]], stage: str) -> int:
        """Remove ``(start, end, reason)`` spans of the current text (logged as ``remove``)."""
        return self.apply((Change(s, e, "", r) for s, e, r in spans), stage, op="remove")

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the current text to raw offsets (``end`` exclusive).

        The end is one past the raw position of the span's last character, so a
        block removed right after the span is not counted in it. Inserted characters
        (op ``insert``) have no raw counterpart: a span of them alone maps to the empty
        span where they were put in, and they are left out of a mixed span.
        """
        index = self._index
        if end <= start:
            return index[start] & RAW_MASK, index[start] & RAW_MASK
        if not (index[start] | index[end - 1]) & INSERTED:
            return index[start], index[end - 1] + 1
        real = [v for v in index[start:end] if not v & INSERTED]
        if not real:
            return index[start] & RAW_MASK, index[start] & RAW_MASK
        return real[0], real[-1] + 1

    def reconstruct_raw(self) -> str:
        """Replay the edit log backwards; equals ``raw`` when nothing was lost."""
        text = self.text
        for e in reversed(self.edits):
            text = text[:e.at] + e.before + text[e.at + len(e.after):]
        return text

    # --- output ----------------------------------------------------------
    def to_record(self, with_edits: bool = True) -> dict[str, Any]:
        """The JSONL record of the annotation guidelines (section 4).

        Extra keys beyond the guidelines: per sentence the probabilities and a
        low-confidence flag, per entity the canonical name, and in ``meta`` the
        ``status`` and (optionally) the full edit log. The log is lossless: replaying
        it backwards on ``text`` gives the raw input. Only when the clean stage was
        told to redact contact details (``meta["redacted_contacts"]``) are e-mails and
        phone numbers in the logged ``before`` texts of removals replaced (``_EMAIL_``,
        ``_PHONE_``): then they never reach an output, and that report can no longer
        be replayed (the run's manifest lists it under ``reports.not_replayable``).
        """
        meta = dict(self.meta)
        meta["status"] = self.status
        if with_edits:
            meta["edits"] = [asdict(e) for e in self.edits]
            if self.meta.get("redacted_contacts"):
                from pipeline.contacts import redact

                for e in meta["edits"]:
                    if e["op"] == "remove":
                        e["before"] = redact(e["before"], contact=e["reason"] == "contact")
        sents = []
        for s in self.sents:
            rec: dict[str, Any] = {"start": s.start, "end": s.end, "topic": s.topic, "stance": s.stance}
            if s.targets:
                rec["targets"] = s.targets
            if s.topic_probs:
                rec["topic_probs"] = s.topic_probs
            if s.stance_probs:
                rec["stance_probs"] = s.stance_probs
            if s.low_confidence:
                rec["low_confidence"] = True
            sents.append(rec)
        ents = []
        for e in self.ents:
            rec = {"start": e.start, "end": e.end, "label": e.label}
            if e.canonical:
                rec["canonical"] = e.canonical
            ents.append(rec)
        return {"id": self.id, "source": self.source, "text": self.text, "meta": meta, "ents": ents, "sents": sents}


def from_record(rec: dict[str, Any], source_doc: Document) -> Document:
    """A Document carrying an earlier run's annotations (status ``"cached"``).

    Its ``raw`` is the clean text (the raw input is in ``source_doc``); the
    edit log, sentences, entities and meta come from the record.
    """
    meta = dict(rec.get("meta", {}))
    edits = [Edit(**e) for e in meta.get("edits", [])]
    doc = Document(id=rec["id"], source=rec.get("source", source_doc.source), raw=rec["text"], meta=meta,
                   edits=edits, status=Status.CACHED)
    doc.sents = [Sentence(s["start"], s["end"], s.get("topic", "other"), s.get("stance", "NONE"),
                          s.get("topic_probs", {}), s.get("stance_probs", {}), s.get("targets", []),
                          s.get("low_confidence", False)) for s in rec.get("sents", [])]
    doc.ents = [Entity(e["start"], e["end"], e["label"], e.get("canonical")) for e in rec.get("ents", [])]
    doc.cached_record = rec
    return doc
