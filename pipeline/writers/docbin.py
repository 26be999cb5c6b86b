"""spaCy ``DocBin`` files (``docbin/part-00000.spacy``...): every report as a ``Doc`` with all its annotations.

The ``Doc``s are written in shards of ``shard_size`` reports, so memory stays
flat however many reports a run has (a ``DocBin`` holds its ``Doc``s' arrays
until it is serialised). The folder is what ``spacy train`` and
``spacy.training.Corpus`` read as a corpus (they walk it for ``*.spacy``);
:func:`load_docs` reads it, or one shard, in order.

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
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Iterator

from pipeline.document import Document
from pipeline.writers import Writer, swap_in, temp_folder

FOLDER = "docbin"
SHARD = "part-{:05d}.spacy"
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


def shard_paths(path: str | Path) -> list[Path]:
    """The ``.spacy`` files of ``path``: itself if a file, else its shards in name order.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.spacy"))
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such DocBin file or folder")
    return [path]


def load_docs(path: str | Path, vocab=None) -> Iterator:
    """Read the ``Doc``s of a DocBin folder (``docbin/``) or of one ``.spacy`` file; extensions are registered first.

    Shards are read one at a time, so the generator holds one shard in memory.

    Args:
        path: the folder written by :class:`DocBinWriter`, or one ``.spacy`` file.
        vocab: a spaCy ``Vocab`` (default: a blank English one; the strings travel in the file).

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    import spacy
    from spacy.tokens import DocBin

    register_extensions()
    vocab = vocab or spacy.blank("en").vocab
    for shard in shard_paths(path):
        yield from DocBin().from_disk(shard).get_docs(vocab)


class DocBinWriter(Writer):
    """``docbin/``: one ``Doc`` per report (``DocBin(store_user_data=True)``), ``shard_size`` reports a file.

    Shards are written to a temporary folder as they fill; the folder replaces
    ``docbin/`` when the run ends, so an interrupted run leaves the earlier
    folder (or none), never a partial one.

    Args:
        shard_size: reports per ``.spacy`` file (a full shard costs about 0.2 MB of memory per report).
    """

    needs_doc = True
    needs_tags = True  # tags, lemmas and parse travel in the DocBin

    def __init__(self, *args, folder: str = FOLDER, shard_size: int = 250, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder, self.shard_size = folder, shard_size
        self.docbin = None
        self.shards = 0

    def open(self, stack: ExitStack) -> None:
        self.tmp = temp_folder(self.out_dir, self.folder, stack)

    def add(self, doc: Document, record: dict, sdoc) -> None:
        from spacy.tokens import DocBin

        sdoc_out, dropped = doc_from_record(sdoc, record)
        if self.docbin is None:
            self.docbin = DocBin(store_user_data=True)
        self.docbin.add(sdoc_out)
        self.counts["docbin_docs"] += 1
        self.counts["docbin_parse_dropped"] += dropped
        self.counts["docbin_extra_ents"] += len(sdoc_out.user_data[_key("extra_ents")])
        if len(self.docbin) >= self.shard_size:
            self._flush()

    def _flush(self) -> None:
        if self.docbin is not None and len(self.docbin):
            self.docbin.to_disk(self.tmp / SHARD.format(self.shards))
            self.shards += 1
            self.counts["docbin_shards"] += 1
        self.docbin = None

    def finish(self) -> None:
        self._flush()
        swap_in(self.tmp, self.out_dir / self.folder)
