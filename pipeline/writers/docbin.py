"""spaCy ``DocBin`` (``annotations.spacy``): every report as a ``Doc`` with all its annotations.

What a loaded ``Doc`` carries (see docs/outputs.md for how to open it):

- ``doc.text``: the clean text; tokens, tags, lemmas (and the parse when it agrees
  with the units, see below) of the segment stage's ``Doc``.
- ``doc.ents``: the entities (``label_``; ``kb_id_`` is the canonical name).
- ``doc.sents``: sentence boundaries at the units' starts. Units are trimmed of
  outer whitespace, so the exact units are ``doc.spans["sents"]`` (span label =
  topic).
- per unit, through spaCy's extension-attribute storage in ``doc.user_data``
  (key ``("._.", name, start_char, end_char)``): ``topic``, ``stance``,
  ``topic_probs``, ``stance_probs``, ``targets``, ``low_confidence``; after
  :func:`register_extensions`, ``span._.stance`` works on ``doc.spans["sents"]``.
- per report (key ``("._.", name, None, None)``, ``doc._.name``): ``report_id``,
  ``source``, ``meta`` (as in the JSONL record) and ``extra_ents`` (entities that
  do not fall on token boundaries or overlap another, which ``doc.ents`` cannot
  hold; normally empty).

:func:`record_from_doc` turns such a ``Doc`` back into the JSONL record.
Sentence boundaries: a parsed ``Doc`` fixes its sentences through the parse;
when the units differ from the parser's sentences the parse (HEAD/DEP) is
dropped so that ``doc.sents`` follows the units (counted as
``docbin_parse_dropped``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from pipeline.document import Document
from pipeline.io import atomic_open
from pipeline.writers import Writer

FILE = "annotations.spacy"
SENT_ATTRS = ("topic", "stance", "topic_probs", "stance_probs", "targets", "low_confidence")
DOC_ATTRS = ("report_id", "source", "meta", "extra_ents")
SPAN_GROUP = "sents"
_DEFAULTS = {"topic_probs": {}, "stance_probs": {}, "targets": [], "low_confidence": False}


def register_extensions() -> None:
    """Register ``Span._.topic`` ... and ``Doc._.report_id`` ... so the stored values read as attributes."""
    from spacy.tokens import Doc, Span

    for name in SENT_ATTRS:
        Span.set_extension(name, default=None, force=True)
    for name in DOC_ATTRS:
        Doc.set_extension(name, default=None, force=True)


def _key(name: str, start: int | None = None, end: int | None = None) -> tuple:
    # The key spaCy's Underscore uses for extension values (spacy/tokens/underscore.py).
    return ("._.", name, start, end)


def _plain(value: Any) -> Any:
    """msgpack gives tuples back for lists (DocBin loads with use_list=False): make it JSON again."""
    return json.loads(json.dumps(value))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _parse_agrees(sdoc, sents: list[dict]) -> bool:
    """The parser's sentences, trimmed of whitespace (whitespace-only ones dropped), are the units."""
    if not sdoc.has_annotation("SENT_START"):
        return False
    text = sdoc.text  # Doc.text joins every token: build it once
    spans = (_trimmed(text, s.start_char, s.end_char) for s in sdoc.sents)
    return [sp for sp in spans if sp[0] < sp[1]] == sorted((s["start"], s["end"]) for s in sents)


def _with_sentences(sdoc, sents: list[dict]):
    """A copy of ``sdoc`` whose sentences are the units (``doc.sents`` start where units start).

    Returns:
        ``(doc, parse_dropped)``: the parse is kept when its sentences already
        are the units (up to whitespace between them); otherwise it is dropped,
        since a parsed ``Doc`` refuses new sentence starts (spaCy E043).
    """
    from spacy.attrs import LEMMA, MORPH, POS, TAG
    from spacy.tokens import Doc

    if _parse_agrees(sdoc, sents):
        return sdoc.copy(), False
    starts = {0}
    for s in sents:
        span = sdoc.char_span(s["start"], s["end"], alignment_mode="expand")
        if span is not None and len(span):
            starts.add(span.start)
    doc = Doc(sdoc.vocab, words=[t.text for t in sdoc], spaces=[bool(t.whitespace_) for t in sdoc])
    attrs = [a for a, name in ((TAG, "TAG"), (POS, "POS"), (MORPH, "MORPH"), (LEMMA, "LEMMA"))
             if sdoc.has_annotation(name)]
    if attrs:
        doc.from_array(attrs, sdoc.to_array(attrs))
    for tok in doc:
        tok.is_sent_start = tok.i in starts
    return doc, bool(sdoc.has_annotation("DEP"))


def doc_from_record(sdoc, record: dict):
    """The ``Doc`` to store for one report.

    Args:
        sdoc: a spaCy ``Doc`` of ``record["text"]`` (from the segment stage, or
            the tokenizer); it is not changed.
        record: the JSONL record (:meth:`Document.to_record`).

    Returns:
        ``(doc, parse_dropped)``.

    Raises:
        ValueError: ``sdoc.text`` is not the record's text.
    """
    if sdoc.text != record["text"]:
        raise ValueError(f"{record['id']}: the spaCy Doc is not of the record's text")
    doc, dropped = _with_sentences(sdoc, record["sents"])
    ents, extra, last_end = [], [], -1
    for e in record["ents"]:
        span = doc.char_span(e["start"], e["end"], label=e["label"], kb_id=e.get("canonical") or "")
        if span is None or e["start"] < last_end:
            extra.append(e)
        else:
            ents.append(span)
            last_end = e["end"]
    doc.set_ents(ents, default="outside")
    doc.spans[SPAN_GROUP] = [sp for sp in (doc.char_span(s["start"], s["end"], label=s["topic"],
                                                          alignment_mode="expand") for s in record["sents"]) if sp]
    for s in record["sents"]:
        for name in SENT_ATTRS:
            doc.user_data[_key(name, s["start"], s["end"])] = s.get(name, _DEFAULTS.get(name))
    values = {"report_id": record["id"], "source": record["source"], "meta": record["meta"], "extra_ents": extra}
    for name, value in values.items():
        doc.user_data[_key(name)] = value
    return doc, dropped


def _unit_spans(user_data: dict) -> list[tuple[int, int]]:
    return sorted({(k[2], k[3]) for k in user_data
                   if isinstance(k, tuple) and len(k) == 4 and k[:2] == ("._.", "topic") and k[2] is not None})


def record_from_doc(doc) -> dict:
    """Rebuild the JSONL record of a ``Doc`` stored by :class:`DocBinWriter`.

    Entities come back sorted by offset; keys that :meth:`Document.to_record`
    leaves out when empty (``targets``, probabilities, ``low_confidence``,
    ``canonical``) are left out the same way.

    Raises:
        KeyError: the ``Doc`` was not written by this module (no ``report_id``).
    """
    ud = doc.user_data
    sents = []
    for start, end in _unit_spans(ud):
        rec: dict[str, Any] = {"start": start, "end": end,
                               "topic": ud[_key("topic", start, end)], "stance": ud[_key("stance", start, end)]}
        for name in ("targets", "topic_probs", "stance_probs", "low_confidence"):
            value = ud.get(_key(name, start, end))
            if value:
                rec[name] = _plain(value)
        sents.append(rec)
    ents = [{"start": e.start_char, "end": e.end_char, "label": e.label_, **({"canonical": e.kb_id_} if e.kb_id_ else {})}
            for e in doc.ents]
    ents += _plain(list(ud.get(_key("extra_ents")) or []))
    ents.sort(key=lambda e: (e["start"], e["end"]))
    return {"id": ud[_key("report_id")], "source": ud[_key("source")], "text": doc.text,
            "meta": _plain(ud[_key("meta")]), "ents": ents, "sents": sents}


def load_docs(path: str | Path, vocab=None) -> Iterator:
    """Read ``annotations.spacy``; extensions are registered first.

    Args:
        path: the ``.spacy`` file.
        vocab: a spaCy ``Vocab`` (default: a blank English one; the strings travel in the file).
    """
    import spacy
    from spacy.tokens import DocBin

    register_extensions()
    vocab = vocab or spacy.blank("en").vocab
    return DocBin().from_disk(path).get_docs(vocab)


class DocBinWriter(Writer):
    """``annotations.spacy``: one ``Doc`` per report (``DocBin(store_user_data=True)``).

    The ``DocBin`` grows in memory (a few kB per report) and is written at the end.
    """

    needs_doc = True
    needs_tags = True  # tags, lemmas and parse travel in the DocBin

    def __init__(self, *args, name: str = FILE, **kwargs):
        from spacy.tokens import DocBin

        super().__init__(*args, **kwargs)
        self.name = name
        self.docbin = DocBin(store_user_data=True)

    def add(self, doc: Document, record: dict, sdoc) -> None:
        sdoc_out, dropped = doc_from_record(sdoc, record)
        self.docbin.add(sdoc_out)
        self.counts["docbin_docs"] += 1
        self.counts["docbin_parse_dropped"] += dropped
        self.counts["docbin_extra_ents"] += len(sdoc_out.user_data[_key("extra_ents")])

    def finish(self) -> None:
        with atomic_open(self.out_dir / self.name, "wb") as fh:
            fh.write(self.docbin.to_bytes())
