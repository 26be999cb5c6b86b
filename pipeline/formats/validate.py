"""Check a gold or output JSONL file against the format of the guidelines (section 4).

Each problem names the line, the record id, the field (``sents[4].targets[0].end``)
and, where there is one, the offset into ``text``. Keys beyond the format
(``canonical``, ``topic_probs``, ``meta.edits``...) are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pipeline.document import ENT_LABELS, STANCES, TOPICS
from pipeline.errors import FormatError
from pipeline.io import read_jsonl

TARGET_STANCES = ("FAVOR", "AGAINST")  # a target is taken a side toward (guidelines, "Targets")
MAX_UNCOVERED = 10  # uncovered runs reported per record; the rest are counted


@dataclass
class Problem:
    """One breach of the format.

    Attributes:
        line: 1-based line of the file (None for file-level problems).
        id: the record's ``id`` when it has one.
        field: path of the offending value, e.g. ``ents[3].label`` ("" for the whole line).
        message: what is wrong.
        offset: character offset into the record's ``text``, where one applies.
    """

    line: int | None
    id: str | None
    field: str
    message: str
    offset: int | None = None

    def __str__(self) -> str:
        where = " ".join(p for p in (f"line {self.line}" if self.line else "",
                                     f"[{self.id}]" if self.id else "", self.field) if p)
        at = f" (offset {self.offset})" if self.offset is not None else ""
        return f"{where}: {self.message}{at}" if where else f"{self.message}{at}"


def _is_int(x: Any) -> bool:
    return type(x) is int  # bool is an int subclass but no offset


def _snippet(text: str, start: int, width: int = 30) -> str:
    s = text[start:start + width].replace("\n", "⏎")
    return repr(s + ("…" if len(text) > start + width else ""))


def _check_span(item: Any, text: str, field: str, within: tuple[int, int] | None = None) -> Iterator[tuple]:
    """Yield ``(field, message, offset)`` for a span dict that is not a valid ``[start, end)`` of ``text``."""
    if not isinstance(item, dict):
        yield field, f"expected an object with start/end, got {type(item).__name__}", None
        return
    for key in ("start", "end"):
        if key not in item:
            yield f"{field}.{key}", "missing", None
        elif not _is_int(item[key]):
            yield f"{field}.{key}", f"must be an integer, got {item[key]!r}", None
    if not (_is_int(item.get("start")) and _is_int(item.get("end"))):
        return
    s, e = item["start"], item["end"]
    if not 0 <= s < e <= len(text):
        yield field, f"span [{s}, {e}) is empty or outside the text (length {len(text)})", s
    elif not text[s:e].strip():
        yield field, f"span [{s}, {e}) holds only whitespace", s
    elif within is not None and not (within[0] <= s and e <= within[1]):
        yield field, f"span [{s}, {e}) is outside its sentence [{within[0]}, {within[1]})", s


def _check_label(item: dict, key: str, allowed: tuple[str, ...], field: str) -> Iterator[tuple]:
    if key not in item:
        yield f"{field}.{key}", "missing", None
    elif item[key] not in allowed:
        yield f"{field}.{key}", f"unknown label {item[key]!r}; allowed: {', '.join(allowed)}", item.get("start")


def _crossing(spans: list[tuple[int, int, int]], name: str) -> Iterator[tuple]:
    """Spans ``(start, end, index)`` that cross (overlap without nesting) or repeat one another."""
    stack: list[tuple[int, int, int]] = []
    for s, e, i in sorted(spans, key=lambda x: (x[0], -x[1], x[2])):
        while stack and stack[-1][1] <= s:
            stack.pop()
        if stack:
            ts, te, ti = stack[-1]
            if (ts, te) == (s, e):
                yield f"{name}[{i}]", f"repeats {name}[{ti}] [{s}, {e})", s
                continue
            if e > te:
                yield f"{name}[{i}]", f"[{s}, {e}) crosses {name}[{ti}] [{ts}, {te})", s
                continue
        stack.append((s, e, i))


def _valid_spans(items: list, text: str) -> list[tuple[int, int, int]]:
    return [(x["start"], x["end"], i) for i, x in enumerate(items)
            if isinstance(x, dict) and _is_int(x.get("start")) and _is_int(x.get("end"))
            and 0 <= x["start"] < x["end"] <= len(text)]


def _check_sents(sents: list, text: str) -> Iterator[tuple]:
    for i, s in enumerate(sents):
        f = f"sents[{i}]"
        yield from _check_span(s, text, f)
        if not isinstance(s, dict):
            continue
        yield from _check_label(s, "topic", TOPICS, f)
        yield from _check_label(s, "stance", STANCES, f)
        targets = s.get("targets", [])
        if not isinstance(targets, list):
            yield f"{f}.targets", "must be a list", None
            continue
        bounds = (s["start"], s["end"]) if _is_int(s.get("start")) and _is_int(s.get("end")) else None
        for j, t in enumerate(targets):
            yield from _check_span(t, text, f"{f}.targets[{j}]", within=bounds)
            if isinstance(t, dict):
                yield from _check_label(t, "stance", TARGET_STANCES, f"{f}.targets[{j}]")
        yield from ((f"{f}.{fld}", m, o) for fld, m, o in _crossing(_valid_spans(targets, text), "targets"))
    # Units partition the text: no overlap at all, and every non-space character covered.
    spans = sorted(_valid_spans(sents, text))
    covered = [False] * len(text)
    prev: tuple[int, int, int] | None = None
    for s, e, i in spans:
        if prev and s < prev[1]:
            yield f"sents[{i}]", f"[{s}, {e}) overlaps sents[{prev[2]}] [{prev[0]}, {prev[1]})", s
        covered[s:e] = [True] * (e - s)
        prev = (s, e, i) if not prev or e > prev[1] else prev
    runs = [k for k, ch in enumerate(text) if not covered[k] and not ch.isspace()
            and (k == 0 or covered[k - 1] or text[k - 1].isspace())]
    for k in runs[:MAX_UNCOVERED]:
        yield "sents", f"non-space text outside every sentence: {_snippet(text, k)}", k
    if len(runs) > MAX_UNCOVERED:
        yield "sents", f"... and {len(runs) - MAX_UNCOVERED} more uncovered passages", None


def check_record(rec: dict) -> list[tuple[str, str, int | None]]:
    """All format problems of one record.

    Args:
        rec: one parsed JSONL record.

    Returns:
        ``(field, message, offset)`` triples; empty when the record is valid.
    """
    out: list[tuple] = []
    if not isinstance(rec.get("id"), str) or not rec.get("id"):
        out.append(("id", "missing or not a non-empty string", None))
    if "source" in rec and not isinstance(rec["source"], str):
        out.append(("source", "must be a string", None))
    if "meta" in rec and not isinstance(rec["meta"], dict):
        out.append(("meta", "must be an object", None))
    text = rec.get("text")
    if not isinstance(text, str):
        out.append(("text", "missing or not a string", None))
        return out
    for key in ("ents", "sents"):
        if not isinstance(rec.get(key), list):
            out.append((key, "missing or not a list", None))
    if isinstance(rec.get("ents"), list):
        for i, e in enumerate(rec["ents"]):
            out.extend(_check_span(e, text, f"ents[{i}]"))
            if isinstance(e, dict):
                out.extend(_check_label(e, "label", ENT_LABELS, f"ents[{i}]"))
        out.extend(_crossing(_valid_spans(rec["ents"], text), "ents"))
    if isinstance(rec.get("sents"), list):
        out.extend(_check_sents(rec["sents"], text))
    return out


def validate_file(path: str | Path) -> tuple[int, list[Problem]]:
    """Check every record of a JSONL file.

    A line that is not a JSON object stops the check there (its problem names
    the line); the problems of the lines before it are kept.

    Returns:
        ``(records read, problems)``; no problems means the file is valid.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    n = 0
    try:
        for line, rec in read_jsonl(path):
            n += 1
            rid = rec.get("id") if isinstance(rec.get("id"), str) else None
            problems.extend(Problem(line, rid, f, m, o) for f, m, o in check_record(rec))
            if rid is not None:
                if rid in seen:
                    problems.append(Problem(line, rid, "id", f"repeats the id of line {seen[rid]}"))
                seen.setdefault(rid, line)
    except FormatError as e:
        problems.append(Problem(None, None, "", str(e)))
    if n == 0 and not problems:
        problems.append(Problem(None, None, "", f"{path}: no records"))
    return n, problems
