"""Annotation round trip: predictions out to Label Studio or Prodigy, corrections back as gold.

Input of an export: the pipeline's ``annotations.jsonl`` or a gold JSONL (both
follow the guidelines, section 4). Output of an import: a gold JSONL of the
guidelines: ``{"id", "source", "text", "meta", "ents": [{"start", "end",
"label"}], "sents": [{"start", "end", "topic", "stance", "targets"?}]}``.
System-only keys are dropped on the way out (``canonical``, probabilities,
``low_confidence``; ``meta.status``, ``meta.edits``, ``meta.method``,
``meta.keyterms``), so exporting a gold file and importing it unchanged gives
the same records back.

**Label Studio** (one task per report, JSON list; import ``tasks.json`` and use
``label_config.xml`` as the project's labelling interface). The pipeline's
labels are *predictions* (pre-annotations) of the task, one region each:

- ``ner`` (Labels): an entity, labelled with its OntoNotes type;
- ``unit`` (Labels, one label ``Sentence``): a sentence unit, with its topic and
  stance as per-region choices ``topic`` and ``stance`` (same result ``id`` as
  the unit's region, the Label Studio way of tying a choice to a region);
- ``target`` (Labels ``FAVOR``/``AGAINST``): a stance target; it belongs to the
  unit that contains it.

Report fields travel in ``data``: ``text``, ``report_id``, ``source``, ``meta``.
Import reads Label Studio's JSON export (a list of tasks): per task the most
recently updated annotation that was not cancelled, else the first prediction
(an untouched task). Offsets are Python (code point) offsets; a region whose
``text`` does not match is re-read as UTF-16 offsets (older Label Studio
versions count so around emoji) before it is refused.

**Prodigy** (JSONL, one task per report): ``{"text", "tokens", "spans": [{"start",
"end", "label", "token_start", "token_end"}], "meta": {"id", "source",
"report_meta", "sents"}}``. Entities are the ``spans`` (for ``ner.manual`` /
``spans.manual``); the sentence units with their topic, stance and targets
ride in ``meta.sents`` and come back as they went out (Prodigy's span
interfaces cannot edit them: correct sentence labels in Label Studio). Tokens
come from the spaCy model's tokenizer so that spans line up with tokens.
Import reads ``prodigy db-out`` JSONL: tasks answered ``reject`` or ``ignore``
are skipped; of several answers for one report the last one wins.

Every imported record is checked with :func:`pipeline.validate.check_record`
(labels, offsets, units covering the text); a record that breaks the format
stops the import with a :class:`~pipeline.errors.FormatError` naming it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.document import ENT_LABELS, STANCES, TOPICS
from pipeline.errors import FormatError
from pipeline.io import atomic_open, read_jsonl

log = logging.getLogger("irnlp")

FORMATS = ("label-studio", "prodigy")
SYSTEM_META = ("status", "edits", "method", "keyterms")  # pipeline bookkeeping, not part of a gold record
UNIT_LABEL = "Sentence"


# --- gold records ----------------------------------------------------------------
def gold_meta(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k not in SYSTEM_META}


def gold_sent(s: dict) -> dict:
    out = {"start": s["start"], "end": s["end"], "topic": s["topic"], "stance": s["stance"]}
    if s.get("targets"):
        out["targets"] = [{"start": t["start"], "end": t["end"], "stance": t["stance"]} for t in s["targets"]]
    return out


def gold_record(rec: dict) -> dict:
    """The gold-format view of a gold or output record (system-only keys dropped, spans sorted)."""
    return {
        "id": rec["id"], "source": rec.get("source", ""), "text": rec["text"], "meta": gold_meta(rec.get("meta", {})),
        "ents": sorted(({"start": e["start"], "end": e["end"], "label": e["label"]} for e in rec.get("ents", [])),
                       key=lambda e: (e["start"], e["end"])),
        "sents": sorted((gold_sent(s) for s in rec.get("sents", [])), key=lambda s: (s["start"], s["end"])),
    }


def check(rec: dict, where: str) -> dict:
    """Raise :class:`FormatError` when ``rec`` breaks the format; return it otherwise."""
    from pipeline.formats.validate import check_record

    problems = check_record(rec)
    if problems:
        shown = "; ".join(f"{field or 'record'}: {msg}" + (f" (offset {off})" if off is not None else "")
                          for field, msg, off in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        raise FormatError(f"{where}: imported record {rec.get('id')!r} breaks the gold format: {shown}{more}; "
                          "fix it in the annotation tool and export again")
    return rec


# --- Label Studio -------------------------------------------------------------------
def label_studio_config() -> str:
    """The labelling interface (XML) that matches the exported tasks."""
    ents = "\n".join(f'    <Label value="{lab}"/>' for lab in ENT_LABELS)
    topics = "\n".join(f'    <Choice value="{t}"/>' for t in TOPICS)
    stances = "\n".join(f'    <Choice value="{s}"/>' for s in STANCES)
    return f"""<View>
  <Header value="Entities (OntoNotes types, see the annotation guidelines)"/>
  <Labels name="ner" toName="text" showInline="true">
{ents}
  </Labels>
  <Header value="Sentence units: select a unit to set its topic and stance"/>
  <Labels name="unit" toName="text" showInline="true">
    <Label value="{UNIT_LABEL}" background="#cccccc"/>
  </Labels>
  <Header value="Stance targets (entity spans the sentence takes a side toward)"/>
  <Labels name="target" toName="text" showInline="true">
    <Label value="FAVOR" background="#1b7a36"/>
    <Label value="AGAINST" background="#b3261e"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text" perRegion="true" visibleWhen="region-selected" whenLabelValue="{UNIT_LABEL}" choice="single" required="true">
{topics}
  </Choices>
  <Choices name="stance" toName="text" perRegion="true" visibleWhen="region-selected" whenLabelValue="{UNIT_LABEL}" choice="single" required="true">
{stances}
  </Choices>
</View>
"""


def _region(rid: str, from_name: str, kind: str, text: str, start: int, end: int, values: list[str],
            score: float | None = None) -> dict:
    out = {"id": rid, "from_name": from_name, "to_name": "text", "type": kind,
           "value": {"start": start, "end": end, "text": text[start:end], kind: values}}
    if isinstance(score, (int, float)):
        out["score"] = round(float(score), 4)
    return out


def to_label_studio(rec: dict) -> dict:
    """A Label Studio task with the record's labels as a prediction."""
    text = rec["text"]
    result = [_region(f"e{i}", "ner", "labels", text, e["start"], e["end"], [e["label"]])
              for i, e in enumerate(rec.get("ents", []))]
    for i, s in enumerate(rec.get("sents", [])):
        rid = f"s{i}"
        result.append(_region(rid, "unit", "labels", text, s["start"], s["end"], [UNIT_LABEL]))
        result.append(_region(rid, "topic", "choices", text, s["start"], s["end"], [s["topic"]],
                              (s.get("topic_probs") or {}).get(s["topic"])))
        result.append(_region(rid, "stance", "choices", text, s["start"], s["end"], [s["stance"]],
                              (s.get("stance_probs") or {}).get(s["stance"])))
        result += [_region(f"t{i}.{j}", "target", "labels", text, t["start"], t["end"], [t["stance"]])
                   for j, t in enumerate(s.get("targets", []))]
    meta = rec.get("meta", {})
    return {"data": {"text": text, "report_id": rec["id"], "source": rec.get("source", ""), "meta": gold_meta(meta)},
            "predictions": [{"model_version": f"irnlp {meta.get('method', 'gold')}", "result": result}]}


def _utf16_to_index(text: str, units: int) -> int | None:
    """Python index of the character at UTF-16 offset ``units`` (``None`` inside a surrogate pair)."""
    n = 0
    for i, ch in enumerate(text):
        if n == units:
            return i
        n += 2 if ord(ch) > 0xFFFF else 1
        if n > units:
            return None
    return len(text) if n == units else None


def _offsets(text: str, value: dict, where: str) -> tuple[int, int]:
    """``(start, end)`` of a region as Python offsets (see the module doc on UTF-16)."""
    try:
        start, end = int(value["start"]), int(value["end"])
    except (KeyError, TypeError, ValueError):
        raise FormatError(f"{where}: region without integer start/end: {value!r}") from None
    shown = value.get("text")
    if 0 <= start <= end <= len(text) and (shown is None or text[start:end] == shown):
        return start, end
    if shown is None:
        raise FormatError(f"{where}: region {start}-{end} is outside the text (length {len(text)})")
    s16, e16 = _utf16_to_index(text, start), _utf16_to_index(text, end)
    if s16 is not None and e16 is not None and text[s16:e16] == shown:
        return s16, e16
    raise FormatError(f"{where}: region {start}-{end} says {shown!r} but the text there is {text[start:end]!r}; "
                      "was the task text changed?")


def _answers(task: dict) -> list[dict]:
    """A Label Studio task's annotations that were not cancelled."""
    return [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]


def _chosen(task: dict) -> list[dict]:
    """The result list to import: the latest non-cancelled annotation, else the first prediction."""
    anns = _answers(task)
    if anns:
        anns.sort(key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        return anns[-1].get("result") or []
    preds = task.get("predictions") or []
    return (preds[0].get("result") or []) if preds else []


def from_label_studio(task: dict, where: str = "task") -> dict:
    """A gold record from one exported Label Studio task.

    Raises:
        FormatError: no text, a region off the text, a unit without topic or
            stance, a target outside every unit, an unknown control name.
    """
    data = task.get("data") or {}
    text = data.get("text")
    if not isinstance(text, str):
        raise FormatError(f"{where}: no data.text; export the project as 'JSON' (not JSON-MIN or CSV)")
    rid = str(data.get("report_id") or task.get("id") or "")
    where = f"{where} [{rid}]"
    ents, units, targets = [], {}, []
    for r in _chosen(task):
        name, value = r.get("from_name"), r.get("value") or {}
        if name == "ner":
            start, end = _offsets(text, value, where)
            ents += [{"start": start, "end": end, "label": lab} for lab in value.get("labels", [])[:1]]
        elif name in ("unit", "topic", "stance"):
            start, end = _offsets(text, value, where)
            unit = units.setdefault(r.get("id") or f"{start}-{end}", {"start": start, "end": end})
            if name != "unit":
                choices = value.get("choices") or []
                if choices:
                    unit[name] = choices[0]
        elif name == "target":
            start, end = _offsets(text, value, where)
            targets += [{"start": start, "end": end, "stance": lab} for lab in value.get("labels", [])[:1]]
        else:
            raise FormatError(f"{where}: unknown control {name!r} (expected ner, unit, topic, stance, target); "
                              "use the label config that `irnlp export` wrote")
    sents = []
    for u in sorted(units.values(), key=lambda u: (u["start"], u["end"])):
        for key in ("topic", "stance"):
            if key not in u:
                raise FormatError(f"{where}: the unit {text[u['start']:u['end']][:40]!r} at {u['start']} has no {key}; "
                                  "choose one in Label Studio")
        sents.append({"start": u["start"], "end": u["end"], "topic": u["topic"], "stance": u["stance"]})
    for t in sorted(targets, key=lambda t: (t["start"], t["end"])):
        owner = next((s for s in sents if s["start"] <= t["start"] and t["end"] <= s["end"]), None)
        if owner is None:
            raise FormatError(f"{where}: the target {text[t['start']:t['end']]!r} at {t['start']} is in no unit")
        owner.setdefault("targets", []).append(t)
    rec = {"id": rid, "source": data.get("source", ""), "text": text, "meta": data.get("meta") or {},
           "ents": sorted(ents, key=lambda e: (e["start"], e["end"])), "sents": sents}
    return check(rec, where)


# --- Prodigy ---------------------------------------------------------------------------
def prodigy_tokens(tokenizer, text: str) -> list[dict]:
    """Prodigy's token list from a spaCy tokenizer: ``{"text", "start", "end", "id", "ws"}``."""
    return [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
            for t in tokenizer(text)]


def to_prodigy(rec: dict, tokenizer=None) -> dict:
    """A Prodigy task (see the module doc); ``tokenizer`` adds tokens and token indices to spans."""
    text = rec["text"]
    spans = [{"start": e["start"], "end": e["end"], "label": e["label"]} for e in rec.get("ents", [])]
    task: dict[str, Any] = {"text": text}
    if tokenizer is not None:
        tokens = prodigy_tokens(tokenizer, text)
        first = {t["start"]: t["id"] for t in tokens}
        last = {t["end"]: t["id"] for t in tokens}
        for sp in spans:
            if sp["start"] in first and sp["end"] in last:
                sp["token_start"], sp["token_end"] = first[sp["start"]], last[sp["end"]]
        task["tokens"] = tokens
    task["spans"] = spans
    task["meta"] = {"id": rec["id"], "source": rec.get("source", ""), "report_meta": gold_meta(rec.get("meta", {})),
                    "sents": [gold_sent(s) for s in rec.get("sents", [])]}
    return task


def from_prodigy(task: dict, where: str = "task") -> dict | None:
    """A gold record from one Prodigy task; ``None`` for a task answered reject or ignore.

    Raises:
        FormatError: no text, no ``meta.id``/``meta.sents``, a span off the text.
    """
    if task.get("answer") in ("reject", "ignore"):
        return None
    text, meta = task.get("text"), task.get("meta") or {}
    if not isinstance(text, str) or "id" not in meta or "sents" not in meta:
        raise FormatError(f"{where}: not a task of `irnlp export --format prodigy` (needs text, meta.id, meta.sents)")
    where = f"{where} [{meta['id']}]"
    ents = []
    for sp in task.get("spans") or []:
        start, end = _offsets(text, sp, where)
        ents.append({"start": start, "end": end, "label": sp.get("label")})
    rec = {"id": str(meta["id"]), "source": meta.get("source", ""), "text": text, "meta": meta.get("report_meta") or {},
           "ents": sorted(ents, key=lambda e: (e["start"], e["end"])),
           "sents": sorted((gold_sent(s) for s in meta["sents"]), key=lambda s: (s["start"], s["end"]))}
    return check(rec, where)


# --- files ---------------------------------------------------------------------------
def _records(path: Path) -> Iterator[dict]:
    for n, rec in read_jsonl(path):
        if not isinstance(rec.get("text"), str) or "id" not in rec:
            raise FormatError(f"{path}:{n}: not a record of the guidelines' format (needs id and text)")
        yield rec


def export_file(src: str | Path, out: str | Path, fmt: str, model: str | None = None) -> list[Path]:
    """Export the records of ``src`` for an annotation tool.

    Args:
        src: ``annotations.jsonl`` or a gold JSONL.
        out: the tasks file: JSON for Label Studio (``label_config.xml`` is
            written beside it), JSONL for Prodigy.
        fmt: ``"label-studio"`` or ``"prodigy"``.
        model: spaCy package whose tokenizer makes Prodigy's tokens (``None``: no tokens).

    Returns:
        The files written.

    Raises:
        FormatError: unreadable input or unknown format. ModelError: model not installed.
    """
    return export_records(_records(Path(src)), out, fmt, model)


def export_records(records: Iterable[dict], out: str | Path, fmt: str, model: str | None = None) -> list[Path]:
    """:func:`export_file` for records in memory (``irnlp select`` exports the units it chose)."""
    out = Path(out)
    if fmt not in FORMATS:
        raise FormatError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    if fmt == "label-studio":
        tasks = [to_label_studio(r) for r in records]
        config = out.with_name("label_config.xml")
        with atomic_open(out) as fh:
            json.dump(tasks, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        with atomic_open(config) as fh:
            fh.write(label_studio_config())
        log.info("%d Label Studio tasks -> %s (labelling interface: %s)", len(tasks), out, config)
        return [out, config]
    else:  # prodigy
        tokenizer = None
        if model:
            from pipeline.nlp.load import load_nlp

            tokenizer = load_nlp(model).tokenizer
        n = 0
        with atomic_open(out) as fh:
            for r in records:
                fh.write(json.dumps(to_prodigy(r, tokenizer), ensure_ascii=False) + "\n")
                n += 1
        log.info("%d Prodigy tasks -> %s", n, out)
    return [out]


def _label_studio_tasks(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise FormatError(f"{path}: cannot open ({e.strerror})") from None
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not UTF-8; export from Label Studio again") from None
    except json.JSONDecodeError as e:
        raise FormatError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}); export the project as 'JSON'") from None
    tasks = data if isinstance(data, list) else [data]
    if not all(isinstance(t, dict) for t in tasks):
        raise FormatError(f"{path}: expected a JSON list of tasks (Label Studio's 'JSON' export)")
    return tasks


def import_records(src: str | Path, fmt: str) -> Iterable[dict]:
    """Gold records from an annotation tool's export (see the module doc).

    Raises:
        FormatError: unreadable file, unknown format, a record that breaks the gold format.
    """
    src = Path(src)
    if fmt == "label-studio":
        tasks = _label_studio_tasks(src)
        _warn_unanswered(src, sum(not _answers(t) for t in tasks), len(tasks))
        return [from_label_studio(t, f"{src}: task {i}") for i, t in enumerate(tasks, 1)]
    if fmt == "prodigy":
        by_id: dict[str, dict] = {}
        skipped = unanswered = total = 0
        for n, task in read_jsonl(src):
            total += 1
            unanswered += "answer" not in task
            rec = from_prodigy(task, f"{src}:{n}")
            if rec is None:
                skipped += 1
                continue
            if rec["id"] in by_id:
                log.warning("%s:%d: %s answered again; the later answer is kept", src, n, rec["id"])
                del by_id[rec["id"]]
            by_id[rec["id"]] = rec
        if skipped:
            log.info("%s: %d task(s) answered reject or ignore were skipped", src, skipped)
        _warn_unanswered(src, unanswered, total)
        return list(by_id.values())
    raise FormatError(f"unknown import format {fmt!r} (use one of {', '.join(FORMATS)})")


def _warn_unanswered(src: Path, unanswered: int, total: int) -> None:
    if unanswered:
        log.warning("%s: %d of %d tasks were not annotated: their pre-annotations (the model's predictions) are "
                    "imported as labels; correct them or drop them before training on the file", src, unanswered, total)


def import_file(src: str | Path, out: str | Path, fmt: str) -> int:
    """Write the gold JSONL of an annotation tool's export; returns the number of records."""
    recs = list(import_records(src, fmt))
    with atomic_open(out) as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(recs)
