"""Tables for pandas and spreadsheets: ``sentences.csv`` and ``entities.csv`` (and ``.parquet``).

``sentences.csv``: one row a sentence (unit), in report and text order.

==================  =============================================================
report_id           the report's ``id``
sent                index of the unit in its report (0-based)
start, end          offsets in the clean text (``end`` exclusive)
raw_start, raw_end  the same span in the raw input file
text                the unit's text
topic, stance       the labels
topic_prob          probability of ``topic`` (empty for methods without probabilities)
stance_prob         probability of ``stance`` (idem)
low_confidence      ``True`` when the classifier flagged the unit
entities            JSON list ``[{"text", "label", "start", "end"}]`` of the entities inside the unit
targets             JSON list ``[{"start", "end", "stance", "text"}]`` of stance targets
p_topic_<label>     one column per topic of the guidelines: its probability
p_stance_<label>    one column per stance: its probability
==================  =============================================================

``entities.csv``: one row an entity per report: ``report_id, canonical, label,
mentions`` (most mentioned first). From ``doc.meta["entities"]`` when a stage
made it (entity linking), else counted from the mentions' canonical name (or
their text) per label.

CSV is UTF-8 with a header row, ``\\n`` line ends and quotes where needed;
Parquet files with the same columns (one row group per 10,000 rows) are written too when ``pyarrow`` is
installed (it is not a dependency; without it a log line says they were skipped).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import logging
import os
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipeline.document import STANCES, TOPICS, Document
from pipeline.io import atomic_open
from pipeline.writers import Writer

log = logging.getLogger("irnlp")

SENT_COLUMNS = (["report_id", "sent", "start", "end", "raw_start", "raw_end", "text", "topic", "stance",
                 "topic_prob", "stance_prob", "low_confidence", "entities", "targets"]
                + [f"p_topic_{t}" for t in TOPICS] + [f"p_stance_{s}" for s in STANCES])
ENT_COLUMNS = ["report_id", "canonical", "label", "mentions"]


def raw_offsets(doc: Document, start: int, end: int) -> tuple[int, int]:
    """Raw offsets of the clean span ``[start, end)`` (``end > start``).

    The end is taken after the span's last character, not at the raw offset of
    the next clean character (``Document.raw_span``), which lies past any block
    removed right after the span.
    """
    return doc.raw_span(start, start + 1)[0], doc.raw_span(end - 1, end)[0] + 1


def sentence_rows(doc: Document) -> list[dict[str, Any]]:
    """One row per unit of ``doc`` (columns :data:`SENT_COLUMNS`; ``None`` where there is no value)."""
    rows = []
    for i, s in enumerate(doc.sents):
        raw_start, raw_end = raw_offsets(doc, s.start, s.end)
        ents = [{"text": doc.text[e.start:e.end], "label": e.label, "start": e.start, "end": e.end}
                for e in doc.ents if e.start >= s.start and e.end <= s.end]
        targets = [{**t, "text": doc.text[t["start"]:t["end"]]} for t in s.targets]
        row: dict[str, Any] = {
            "report_id": doc.id, "sent": i, "start": s.start, "end": s.end, "raw_start": raw_start,
            "raw_end": raw_end, "text": doc.text[s.start:s.end], "topic": s.topic, "stance": s.stance,
            "topic_prob": s.topic_probs.get(s.topic), "stance_prob": s.stance_probs.get(s.stance),
            "low_confidence": s.low_confidence,
            "entities": json.dumps(ents, ensure_ascii=False), "targets": json.dumps(targets, ensure_ascii=False),
        }
        row.update({f"p_topic_{t}": s.topic_probs.get(t) for t in TOPICS})
        row.update({f"p_stance_{t}": s.stance_probs.get(t) for t in STANCES})
        rows.append(row)
    return rows


def _linked_entities(items: Any) -> list[tuple[str, str, int]] | None:
    """``(canonical, label, mentions)`` from ``meta["entities"]``; ``None`` when it has no usable shape.

    Accepts a list of dicts with ``canonical`` (or ``name``/``text``), ``label``, and
    ``mentions`` (a count or a list of mentions) or ``count``.
    """
    if not isinstance(items, list) or not items or not all(isinstance(d, dict) for d in items):
        return None
    out = []
    for d in items:
        name = d.get("canonical") or d.get("name") or d.get("text")
        mentions = d.get("mentions", d.get("count"))
        mentions = len(mentions) if isinstance(mentions, list) else mentions
        if not isinstance(name, str) or not isinstance(d.get("label"), str) or not isinstance(mentions, int):
            return None
        out.append((name, d["label"], mentions))
    return out


def entity_rows(doc: Document) -> list[dict[str, Any]]:
    """One row per (canonical name, label) of ``doc``: most mentioned first, then by name."""
    linked = _linked_entities(doc.meta.get("entities"))
    if linked is None:
        counts = Counter((e.canonical or doc.text[e.start:e.end], e.label) for e in doc.ents)
        linked = [(name, label, n) for (name, label), n in counts.items()]
    linked.sort(key=lambda x: (-x[2], x[0], x[1]))
    return [{"report_id": doc.id, "canonical": name, "label": label, "mentions": n} for name, label, n in linked]


def _csv_value(v: Any) -> Any:
    return "" if v is None else v


INT_COLUMNS = {"sent", "start", "end", "raw_start", "raw_end", "mentions"}


def _arrow_type(pa, column: str):
    """Column types fixed up front, so a run without probabilities still gets float columns."""
    if column in INT_COLUMNS:
        return pa.int64()
    if column.startswith("p_") or column.endswith("_prob"):
        return pa.float64()
    return pa.bool_() if column == "low_confidence" else pa.string()


class ParquetStream:
    """Rows written to a Parquet file in row groups as they come (``pyarrow.parquet.ParquetWriter``).

    The file is built under a temporary name beside ``path`` and renamed by
    :meth:`close`; the ``stack`` removes the temporary file if the run fails.
    Memory holds at most one row group (:data:`ROW_GROUP` rows).
    """

    ROW_GROUP = 10_000

    def __init__(self, path: Path, columns: list[str], stack: ExitStack):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.path, self.rows = pa, path, []
        self.schema = pa.schema([(c, _arrow_type(pa, c)) for c in columns])
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.writer = pq.ParquetWriter(self.tmp, self.schema)
        stack.callback(self._discard)

    def _discard(self) -> None:
        if self.writer is not None:  # not closed: the run failed
            self.writer.close()
            self.tmp.unlink(missing_ok=True)

    def _flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def add(self, rows: list[dict]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.ROW_GROUP:
            self._flush()

    def close(self) -> None:
        self._flush()
        self.writer.close()
        self.writer = None
        os.replace(self.tmp, self.path)


class TableWriter(Writer):
    """``sentences.csv`` and ``entities.csv`` and, with pyarrow, their Parquet twins, all streamed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parquet = importlib.util.find_spec("pyarrow") is not None
        if not self.parquet:
            log.info("pyarrow is not installed: Parquet tables skipped (CSV written; `pip install pyarrow` for Parquet)")

    def open(self, stack: ExitStack) -> None:
        self.csv, self.pq = {}, {}
        for name, cols in (("sentences", SENT_COLUMNS), ("entities", ENT_COLUMNS)):
            fh = stack.enter_context(atomic_open(self.out_dir / f"{name}.csv"))
            writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            writer.writeheader()
            self.csv[name] = writer
            if self.parquet:
                self.pq[name] = ParquetStream(self.out_dir / f"{name}.parquet", cols, stack)

    def add(self, doc: Document, record: dict, sdoc) -> None:
        for name, rows in (("sentences", sentence_rows(doc)), ("entities", entity_rows(doc))):
            self.csv[name].writerows({k: _csv_value(v) for k, v in r.items()} for r in rows)
            self.counts[f"table_{name}"] += len(rows)
            if self.parquet:
                self.pq[name].add(rows)

    def finish(self) -> None:
        for stream in self.pq.values():
            stream.close()
        if not self.parquet:
            self.counts["parquet_skipped"] = 1
