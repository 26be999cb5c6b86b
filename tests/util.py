"""Helpers shared by the tests: the repository's folders and tiny documents."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.document import Change, Document, Entity, Sentence

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW = ROOT / "corpus" / "raw"
SEED = RAW / "caspian-institute_2024-05-20_azerbaijan-belarus.txt"


def make_doc(text: str, doc_id: str = "t") -> Document:
    """A document of raw ``text`` with status ``ok``, as ingest makes it."""
    return Document(id=doc_id, source=f"{doc_id}.txt", raw=text)


def fixture_doc(name: str = "news_am.json") -> Document:
    """The fixture report: real raw text, the clean stage's edits replayed, labels from the fixture."""
    fx = json.loads((FIXTURES / "writers" / name).read_text(encoding="utf-8"))
    raw = (FIXTURES / "writers" / fx["raw_file"]).read_text(encoding="utf-8")
    doc = Document(id=fx["id"], source=fx["source"], raw=raw)
    for step in fx["edits"]:  # "find": the n-th occurrence in the text as it is then (-1: the last)
        at = -1
        if step.get("occurrence") == -1:
            at = doc.text.rindex(step["find"])
        for _ in range(step.get("occurrence", 1) if step.get("occurrence") != -1 else 0):
            at = doc.text.index(step["find"], at + 1)
        change = Change(at, at + len(step["find"]), step.get("after", ""), step["reason"])
        doc.apply([change], step["stage"], op=step["op"])
    assert doc.text == fx["text"], "the fixture's edits no longer give its text"
    doc.meta = dict(fx["meta"])
    doc.meta["removed"] = [{"reason": e.reason, "text": e.before, "start": e.start, "end": e.end}
                           for e in doc.edits if e.op == "remove"]
    doc.sents = [Sentence(**s) for s in fx["sents"]]
    doc.ents = [Entity(**e) for e in fx["ents"]]
    return doc
