"""irnlp select: uncertainty sampling with k-means diversity over a finished run's units."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats.roundtrip import from_label_studio
from pipeline.textcat.select import Candidate, candidates, choose, uncertainty, unit_record

runner = CliRunner()


def sent(start, end, tp, sp, topic="diplomacy", stance="NONE", **extra):
    return {"start": start, "end": end, "topic": topic, "stance": stance,
            "topic_probs": {"diplomacy": tp, "other": round(1 - tp, 4)},
            "stance_probs": {"NONE": sp, "FAVOR": round(1 - sp, 4)}, **extra}


def test_uncertainty_is_one_minus_the_weaker_best_probability():
    assert uncertainty(sent(0, 1, 0.9, 0.6)) == 0.4     # stance 0.6 is the weaker
    assert uncertainty(sent(0, 1, 0.55, 0.95)) == 0.45  # best topic is 0.55
    assert uncertainty({"start": 0, "end": 1, "topic": "other", "stance": "NONE"}) is None  # lexicon run: no probs


def test_candidates_skip_short_units_copies_and_units_without_probabilities():
    text = "Baku and Minsk signed four deals. Welcome. Baku and Minsk signed four deals. No probabilities here at all."
    rec = {"id": "r", "text": text, "sents": [sent(0, 33, 0.5, 0.5), sent(34, 42, 0.4, 0.4), sent(43, 76, 0.3, 0.3),
                                              {"start": 77, "end": 107, "topic": "other", "stance": "NONE"}]}
    assert [(c.index, c.uncertainty) for c in candidates([rec])] == [(0, 0.5)]


def test_choose_takes_one_unit_per_cluster_not_the_n_most_uncertain():
    # three groups of ten near-identical sentences; the first group is the most uncertain
    recs, points = [], {}
    for g, (u, centre) in enumerate([(0.9, (0, 0)), (0.8, (10, 0)), (0.7, (0, 10))]):
        for k in range(10):
            t = f"group {g} sentence number {k} of ten"
            recs.append(Candidate({"id": f"g{g}-{k}", "text": t, "sents": [{"start": 0, "end": len(t)}]}, 0,
                                  round(u - k * 0.001, 4)))
            points[t] = (centre[0] + k * 0.01, centre[1])
    picked = choose(recs, 3, lambda texts: np.array([points[t] for t in texts]), beta=10)
    assert [c.rec["id"][:2] for c in picked] == ["g0", "g1", "g2"]  # one per group, most uncertain first
    top3 = choose(recs, 3, lambda texts: np.array([points[t] for t in texts]), beta=1)  # no room for diversity
    assert [c.rec["id"] for c in top3] == ["g0-0", "g0-1", "g0-2"]


def test_unit_record_shifts_offsets_and_keeps_only_what_is_inside():
    text = "Minsk hosted talks. Azerbaijan praised Belarus for reliable tractors."
    rec = {"id": "r1", "source": "r1.txt", "text": text, "meta": {"outlet": "azernews", "title": "T"},
           "ents": [{"start": 0, "end": 5, "label": "GPE"}, {"start": 20, "end": 30, "label": "GPE", "canonical": "A"},
                    {"start": 39, "end": 46, "label": "GPE"}],
           "sents": [sent(0, 19, 0.9, 0.9), sent(20, 69, 0.5, 0.6, stance="FAVOR",
                                                  targets=[{"start": 39, "end": 46, "stance": "FAVOR"}])]}
    u = unit_record(Candidate(rec, 1, 0.5), rank=1)
    assert u["id"] == "r1#1" and u["text"] == text[20:69]
    assert u["ents"] == [{"start": 0, "end": 10, "label": "GPE"}, {"start": 19, "end": 26, "label": "GPE"}]
    assert u["sents"][0]["targets"] == [{"start": 19, "end": 26, "stance": "FAVOR"}]
    assert u["meta"]["outlet"] == "azernews" and u["meta"]["offset"] == 20 and u["meta"]["report_id"] == "r1"
    assert u["meta"]["selection"]["uncertainty"] == 0.5


@pytest.mark.model
def test_select_command_writes_tasks_that_import_as_gold(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    text = ("Azerbaijan praised Belarus for its reliable tractors and combines. "
            "The two sides signed a roadmap on industrial cooperation until 2026.")
    rec = {"id": "r1", "source": "r1.txt", "text": text, "meta": {"outlet": "azernews"},
           "ents": [{"start": 0, "end": 10, "label": "GPE"}],
           "sents": [sent(0, 66, 0.5, 0.55, stance="FAVOR"), sent(67, len(text), 0.9, 0.95)]}
    (run / "annotations.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["select", str(run), "--n", "1", "--out", str(tmp_path / "tasks.json")])
    assert res.exit_code == 0, res.output
    assert "1 units of 1 reports (mean uncertainty 0.50)" in res.output
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    back = from_label_studio(tasks[0])
    assert back["id"] == "r1#0" and back["text"] == text[:66] and back["sents"][0]["stance"] == "FAVOR"
    missing = runner.invoke(app, ["select", str(tmp_path / "nowhere"), "--out", str(tmp_path / "t.json")])
    assert missing.exit_code == 5 and "annotations.jsonl: not found" in missing.output
    for s in rec["sents"]:  # a run of the lexicon classifier: no probabilities
        del s["topic_probs"], s["stance_probs"]
    (run / "annotations.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    lexicon = runner.invoke(app, ["select", str(run), "--out", str(tmp_path / "t.json")])
    assert lexicon.exit_code == 5 and "sklearn.v1" in lexicon.output and not (tmp_path / "t.json").exists()


@pytest.mark.model
def test_importing_unannotated_tasks_warns_that_predictions_become_labels(tmp_path, caplog):
    from pipeline.formats.roundtrip import import_file, to_label_studio

    text = "Azerbaijan praised Belarus for its reliable tractors and combines."
    rec = {"id": "r1#0", "text": text, "meta": {}, "ents": [], "sents": [sent(0, len(text), 0.5, 0.5)]}
    done = to_label_studio(rec)
    done["annotations"] = [{"result": done["predictions"][0]["result"]}]
    (tmp_path / "export.json").write_text(json.dumps([done, to_label_studio(rec)]), encoding="utf-8")
    with caplog.at_level("WARNING", logger="irnlp"):
        assert import_file(tmp_path / "export.json", tmp_path / "gold.jsonl", "label-studio") == 2
    assert "1 of 2 tasks were not annotated" in caplog.text


@pytest.mark.model
def test_select_takes_the_annotations_file_itself_and_says_when_there_are_fewer_units(tmp_path):
    text = "Azerbaijan praised Belarus for its reliable tractors and combines."
    rec = {"id": "r1", "text": text, "meta": {}, "ents": [], "sents": [sent(0, len(text), 0.5, 0.5)]}
    (tmp_path / "annotations.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["select", str(tmp_path / "annotations.jsonl"), "--n", "5",
                              "--out", str(tmp_path / "tasks.json")])
    assert res.exit_code == 0, res.output
    assert "only 1 unit with probabilities" in res.output and "1 units of 1 reports" in res.output

