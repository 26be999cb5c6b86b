"""`irnlp validate`: each breach of the format is reported with its line, record id, field and offset."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats.validate import check_record, validate_file

from tests.util import FIXTURES, ROOT

pytestmark = pytest.mark.model

EVAL = FIXTURES / "eval"


def only(path):
    n, problems = validate_file(path)
    assert len(problems) == 1, [str(p) for p in problems]
    return n, problems[0]


def base() -> dict:
    return {"id": "t", "text": "Baku and Minsk.  Next one.",
            "ents": [{"start": 0, "end": 4, "label": "GPE"}, {"start": 9, "end": 14, "label": "GPE"}],
            "sents": [{"start": 0, "end": 15, "topic": "diplomacy", "stance": "NONE",
                       "targets": [{"start": 9, "end": 14, "stance": "FAVOR"}]},
                      {"start": 17, "end": 26, "topic": "other", "stance": "NONE"}]}


def fields(rec) -> list[str]:
    return [f for f, _, _ in check_record(rec)]


def test_valid_files_have_no_problems():
    assert validate_file(EVAL / "gold.jsonl") == (2, [])
    assert check_record(base()) == []


@pytest.mark.parametrize("name", ["seed.jsonl", "similar.jsonl"])
def test_real_gold_files_are_valid(name):
    n, problems = validate_file(ROOT / "corpus" / "gold" / name)
    assert n >= 1 and problems == []


def test_broken_json_line_names_the_line():
    n, p = only(EVAL / "bad_json.jsonl")
    assert n == 1  # line 1 was read and is valid
    assert "bad_json.jsonl:2: not valid JSON" in p.message


def test_crossing_entities():
    _, p = only(EVAL / "crossing.jsonl")
    assert (p.line, p.id, p.field, p.offset) == (2, "r2", "ents[1]", 7)
    assert "crosses ents[0] [0, 10)" in p.message


def test_offset_outside_the_text():
    _, p = only(EVAL / "outside.jsonl")
    assert (p.line, p.id, p.field, p.offset) == (2, "r2", "ents[0]", 85)
    assert "outside the text (length 88)" in p.message
    assert str(p) == "line 2 [r2] ents[0]: span [85, 95) is empty or outside the text (length 88) (offset 85)"


def test_unknown_labels():
    _, problems = validate_file(EVAL / "unknown_label.jsonl")
    assert [(p.line, p.field, p.offset) for p in problems] == [(2, "ents[0].label", 0), (2, "sents[1].topic", 38)]
    assert "unknown label 'CITY'" in problems[0].message and "GPE" in problems[0].message


def test_non_space_character_outside_every_sentence():
    _, p = only(EVAL / "uncovered.jsonl")
    assert (p.line, p.id, p.field, p.offset) == (2, "r2", "sents", 38)
    assert "outside every sentence: 'A wonderful" in p.message


def test_target_outside_its_sentence():
    _, p = only(EVAL / "target_outside.jsonl")
    assert (p.line, p.field, p.offset) == (2, "sents[0].targets[0]", 81)
    assert "outside its sentence [0, 36)" in p.message


@pytest.mark.parametrize("change, field", [
    (lambda r: r["sents"][1].update(start=10), "sents[1]"),  # overlaps sents[0]
    (lambda r: r["sents"][0].update(stance="POSITIVE"), "sents[0].stance"),
    (lambda r: r["sents"][0]["targets"][0].update(stance="NONE"), "sents[0].targets[0].stance"),
    (lambda r: r["ents"][0].update(end=True), "ents[0].end"),  # a bool is no offset
    (lambda r: r["ents"][1].update(start=14, end=14), "ents[1]"),  # empty span
    (lambda r: r["ents"].append({"start": 0, "end": 4, "label": "GPE"}), "ents[2]"),  # repeated span
    (lambda r: r.pop("text"), "text"),
    (lambda r: r.update(sents={}), "sents"),
])
def test_record_level_problems(change, field):
    rec = base()
    change(rec)
    assert field in fields(rec)


def test_nested_entities_are_allowed_but_repeated_ids_are_not(tmp_path):
    rec = base()
    rec["ents"].append({"start": 9, "end": 11, "label": "GPE"})  # inside "Minsk": nested, not crossing
    assert fields(rec) == []
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps(base()) + "\n\n" + json.dumps(base()) + "\n", encoding="utf-8")
    _, problems = validate_file(path)
    assert [(p.line, p.field, p.message) for p in problems] == [(3, "id", "repeats the id of line 1")]


def test_cli_exit_codes_and_lines():
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(EVAL / "gold.jsonl")])
    assert ok.exit_code == 0 and "2 records, valid" in ok.output
    bad = runner.invoke(app, ["validate", str(EVAL / "gold.jsonl"), str(EVAL / "crossing.jsonl")])
    assert bad.exit_code == 5
    assert "crossing.jsonl: line 2 [r2] ents[1]: [7, 18) crosses ents[0] [0, 10) (offset 7)" in bad.output
    assert "1 of 2 file(s) do not follow the format" in bad.output
