"""`irnlp evaluate`: alignment, pairing and scores on small hand-made gold/pred pairs with known answers."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from pipeline.evaluation.align import align
from pipeline.cli import app
from pipeline.errors import FormatError
from pipeline.evaluation.evaluate import evaluate
from pipeline.evaluation.scorer import MISSED, pair_records, score_report

from tests.util import FIXTURES

pytestmark = pytest.mark.model

EVAL = FIXTURES / "eval"
MARK = re.compile(r"\[([^\[\]]+)\]\{([A-Z_]+)(?:>(FAVOR|AGAINST))?\}")


def record(rid: str, paras: list[list[tuple[str, str, str]]], source: str | None = None) -> dict:
    """A record of the format from sentences ``(topic, stance, markup)`` grouped in paragraphs.

    Markup as in corpus/gold/src: ``[span]{LABEL}``, ``[span]{LABEL>FAVOR}`` (also a target).
    Sentences of a paragraph are joined with a space, paragraphs with a blank line.
    """
    text, ents, sents = "", [], []
    for pi, para in enumerate(paras):
        if pi:
            text += "\n\n"
        for si, (topic, stance, markup) in enumerate(para):
            if si:
                text += " "
            start, targets, pos = len(text), [], 0
            for m in MARK.finditer(markup):
                text += markup[pos:m.start()]
                ents.append({"start": len(text), "end": len(text) + len(m[1]), "label": m[2]})
                if m[3]:
                    targets.append({"start": len(text), "end": len(text) + len(m[1]), "stance": m[3]})
                text += m[1]
                pos = m.end()
            text += markup[pos:]
            sent = {"start": start, "end": len(text), "topic": topic, "stance": stance}
            if targets:
                sent["targets"] = targets
            sents.append(sent)
    return {"id": rid, "source": source or f"tests/fixtures/eval/raw/{rid}.txt", "text": text, "meta": {},
            "ents": ents, "sents": sents}


TITLE = [("diplomacy", "NONE", "[Azerbaijan]{GPE} and [Belarus]{GPE} Deepen Ties")]
P2 = [("diplomacy", "FAVOR", "President [Ilham Aliyev]{PERSON} praised the friendly relations with [Minsk]{GPE>FAVOR}."),
      ("economy_trade", "NONE", "Trade reached [$38 mln]{MONEY} in [2023]{DATE}.")]
P3 = [("agriculture_food", "NONE", "[Belarus]{GPE} supplies tractors to [Karabakh]{LOC}."),
      ("defense_security", "AGAINST", "The aggressive policy of [Armenia]{GPE>AGAINST} was criticised.")]
R2 = [[("energy", "NONE", "[Kazakhstan]{GPE} exports oil through [Baku]{GPE}.")],
      [("culture_society", "FAVOR", "A wonderful exhibition opened in [Shusha]{GPE} on [May 15]{DATE}.")]]
N_ENTS = 13  # entities of gold r1 (9) and r2 (4)
N_SENTS = 7


def gold_records() -> list[dict]:
    return [record("r1", [TITLE, P2, P3]), record("r2", R2)]


def write(path, recs):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path


@pytest.fixture
def gold_file(tmp_path):
    return write(tmp_path / "gold.jsonl", gold_records())


def run(tmp_path, gold_file, pred_recs, **kw):
    return evaluate(gold_file, write(tmp_path / "pred.jsonl", pred_recs), **kw)


def strict(m):
    return m["detail"]["ents"]["overall"]["strict"]


# --- the fixture file is what the helper builds ------------------------------------------------

def test_fixture_gold_file_matches_the_helper():
    lines = (EVAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == gold_records()


# --- alignment ----------------------------------------------------------------------------------

def test_alignment_maps_spans_past_kept_navigation_and_repairs():
    gold = "President Lukashenko met the T-72 crews."
    pred = "Search\n\nPresident Lukanhesko met the Ò-72 crews."
    al = align(gold, pred)
    assert al.map_span(pred.index("Lukanhesko"), pred.index("Lukanhesko") + 10) == (10, 20)
    assert al.map_span(pred.index("Ò-72"), pred.index("Ò-72") + 4) == (29, 33)
    assert al.map_span(0, 6) is None  # "Search": text the gold removed


def test_alignment_finds_the_title_amid_kept_navigation():
    # Cut from corpus/raw/02_...: a plain LCS threads the gold title "Russia" through the
    # letters of "RUS ... Publications", and the real title ended up unmatched.
    gold = "Russia and Kazakhstan: opening up new horizons\n\nVladimir Putin intends to visit the RoK."
    pred = ("RUS\n\nGlobal perspective through the lens of regional issues\n\nSearch\n\nPublications\n\n"
            "Russia and Kazakhstan: opening up new horizons\n\n19 November 2024\n\n"
            "Vladimir Putin intends to visit the RoK.")
    al = align(gold, pred)
    title = pred.index("Russia and")
    assert al.map_span(title, title + 6) == (0, 6)
    assert al.map_span(0, 3) is None
    assert [p["pred"].strip() for p in al.passages()] == [
        "RUS\n\nGlobal perspective through the lens of regional issues\n\nSearch\n\nPublications",
        "19 November 2024"]


def test_alignment_does_not_stitch_unrelated_passages():
    # The system kept a dateline where the gold kept a heading: no entity of one lands in the other.
    gold = "Intro text that both keep.\n\nThe Special Nature of Relations\n\nBody text that both keep."
    pred = "Intro text that both keep.\n\n20 May 2024, Baku, photo; president.az\n\nBody text that both keep."
    al = align(gold, pred)
    baku = pred.index("Baku")
    assert al.map_span(baku, baku + 4) is None
    assert al.text_stats()["gold_kept"] < 1


# --- scores with known answers ------------------------------------------------------------------

def test_identical_files_score_one(tmp_path, gold_file):
    m = run(tmp_path, gold_file, gold_records())
    for mode in ("strict", "exact", "partial", "type"):
        assert m["detail"]["ents"]["overall"][mode]["f"] == 1.0
    assert (m["ents_p"], m["ents_r"], m["ents_f"]) == (1.0, 1.0, 1.0)
    assert all(v == {"p": 1.0, "r": 1.0, "f": 1.0} for v in m["ents_per_type"].values())
    assert (m["sents_p"], m["sents_r"], m["sents_f"]) == (1.0, 1.0, 1.0)
    assert (m["topic_acc"], m["topic_macro_f"], m["stance_acc"], m["stance_macro_f"]) == (1.0, 1.0, 1.0, 1.0)
    assert m["target_stance_acc"] == 1.0
    assert (m["text_gold_kept"], m["text_pred_extra"]) == (1.0, 0.0)
    assert all(not r["passages"] for r in m["detail"]["per_report"].values())


def test_one_missing_entity(tmp_path, gold_file):
    pred = gold_records()
    pred[0]["ents"] = [e for e in pred[0]["ents"] if e["label"] != "PERSON"]
    m = run(tmp_path, gold_file, pred)
    assert strict(m)["missed"] == 1 and strict(m)["spurious"] == 0
    assert m["ents_p"] == 1.0 and m["ents_r"] == round(12 / 13, 4)
    assert m["ents_per_type"]["PERSON"] == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert m["ents_per_type"]["GPE"]["f"] == 1.0


def test_one_wrong_label(tmp_path, gold_file):
    pred = gold_records()
    karabakh = next(e for e in pred[0]["ents"] if e["label"] == "LOC")
    karabakh["label"] = "GPE"
    m = run(tmp_path, gold_file, pred)
    modes = m["detail"]["ents"]["overall"]
    assert modes["strict"]["incorrect"] == 1 and m["ents_f"] == round(12 / 13, 4)
    assert modes["type"]["incorrect"] == 1
    assert modes["exact"]["f"] == 1.0 and modes["partial"]["f"] == 1.0  # boundaries are right
    per = m["detail"]["ents"]["per_type"]
    assert per["LOC"]["strict"]["missed"] == 1 and per["GPE"]["strict"]["spurious"] == 1


def test_partial_boundaries_and_touching_spans(tmp_path, gold_file):
    pred = gold_records()
    text = pred[0]["text"]
    person = next(e for e in pred[0]["ents"] if e["label"] == "PERSON")
    person["start"] = text.index("President")  # "President Ilham Aliyev": title inside the span
    m = run(tmp_path, gold_file, pred)
    modes = m["detail"]["ents"]["overall"]
    assert modes["strict"]["incorrect"] == 1 and modes["partial"]["partial"] == 1
    assert modes["partial"]["p"] == round(12.5 / 13, 4)
    # A span ending where a gold span starts does not overlap it ([0, 5) and [5, 10), end exclusive).
    gold = {"id": "t", "text": "BakuMinsk", "ents": [{"start": 0, "end": 4, "label": "GPE"}],
            "sents": [{"start": 0, "end": 9, "topic": "other", "stance": "NONE"}]}
    pred2 = dict(gold, ents=[{"start": 4, "end": 9, "label": "GPE"}])
    m2 = run(tmp_path, write(tmp_path / "g2.jsonl", [gold]), [pred2])
    assert m2["detail"]["ents"]["overall"]["partial"]["partial"] == 0
    assert (strict(m2)["missed"], strict(m2)["spurious"]) == (1, 1)


def test_shifted_text_extra_paragraph_at_the_start(tmp_path, gold_file):
    pred = gold_records()
    r1 = pred[0]
    extra = "Moscow news of the day.\n\n"
    shift = len(extra)
    r1["text"] = extra + r1["text"]
    for e in r1["ents"]:
        e["start"] += shift
        e["end"] += shift
    for s in r1["sents"]:
        s["start"] += shift
        s["end"] += shift
        for t in s.get("targets", []):
            t["start"] += shift
            t["end"] += shift
    r1["ents"].insert(0, {"start": 0, "end": 6, "label": "GPE"})
    r1["sents"].insert(0, {"start": 0, "end": 23, "topic": "other", "stance": "NONE"})
    m = run(tmp_path, gold_file, pred)
    assert strict(m)["correct"] == N_ENTS and strict(m)["spurious"] == 1  # Moscow: text the gold removed
    assert m["ents_r"] == 1.0 and m["ents_p"] == round(13 / 14, 4)
    assert m["topic_acc"] == 1.0 and m["stance_acc"] == 1.0 and m["target_stance_acc"] == 1.0
    assert m["sents_r"] == 1.0 and m["sents_p"] == round(7 / 8, 4)
    assert m["detail"]["sents"]["outside_gold"] == 1
    assert m["text_gold_kept"] == 1.0
    pred_chars = sum(not c.isspace() for r in pred for c in r["text"])
    assert m["text_pred_extra"] == round(19 / pred_chars, 4)  # "Moscownewsoftheday." = 19
    [p] = m["detail"]["per_report"]["r1"]["passages"]
    assert (p["gold_start"], p["gold_end"], p["gold"], p["pred_start"], p["pred_end"]) == (0, 0, "", 0, shift)


def test_dropped_sentence_counts_as_missed(tmp_path, gold_file):
    full = record("r1", [TITLE, P2, P3])
    pred = [record("r1", [TITLE, P2[:1], P3]), gold_records()[1]]
    m = run(tmp_path, gold_file, pred)
    assert m["detail"]["sents"]["missed"] == 1
    assert m["topic_acc"] == round(6 / 7, 4) and m["stance_acc"] == round(6 / 7, 4)
    assert m["detail"]["topic"]["per_class"]["economy_trade"]["r"] == 0.0
    cm = m["detail"]["topic"]["confusion"]
    assert cm["labels"][-1] == MISSED
    assert cm["matrix"][cm["labels"].index("economy_trade")][-1] == 1
    assert strict(m)["missed"] == 2 and m["ents_p"] == 1.0  # $38 mln, 2023
    [p] = m["detail"]["per_report"]["r1"]["passages"]
    dropped = " Trade reached $38 mln in 2023."
    assert p["gold"] == dropped and p["pred"] == ""
    assert p["gold_start"] == full["text"].index(dropped)
    assert m["text_gold_kept"] < 1.0 and m["text_pred_extra"] == 0.0


def test_sentence_cut_to_a_stub_is_missed_not_paired(tmp_path, gold_file):
    # "Trade." keeps 6 of the 25 non-space characters of "Trade reached $38 mln in 2023.": below half.
    stub = [P2[0], ("economy_trade", "NONE", "Trade.")]
    m = run(tmp_path, gold_file, [record("r1", [TITLE, stub, P3]), gold_records()[1]])
    assert m["detail"]["sents"]["missed"] == 1 and m["topic_acc"] == round(6 / 7, 4)
    # Kept as much as "Trade reached $38 mln." (16 of 25): paired, and right.
    half = [P2[0], ("economy_trade", "NONE", "Trade reached [$38 mln]{MONEY}.")]
    m = run(tmp_path, gold_file, [record("r1", [TITLE, half, P3]), gold_records()[1]])
    assert m["detail"]["sents"]["missed"] == 0 and m["topic_acc"] == 1.0


def test_duplicated_paragraph_in_the_prediction(tmp_path, gold_file):
    pred = [record("r1", [TITLE, P2, P2, P3]), gold_records()[1]]
    m = run(tmp_path, gold_file, pred)
    assert strict(m)["correct"] == N_ENTS and strict(m)["spurious"] == 4  # the second copy of P2
    assert m["ents_r"] == 1.0 and m["ents_p"] == round(13 / 17, 4)
    assert m["topic_acc"] == 1.0 and m["stance_acc"] == 1.0
    assert m["detail"]["sents"]["outside_gold"] == 2 and m["sents_r"] == 1.0
    assert m["text_gold_kept"] == 1.0 and m["text_pred_extra"] > 0


def test_wrong_topic_and_target_stance(tmp_path, gold_file):
    pred = gold_records()
    pred[0]["sents"][1]["topic"] = "economy_trade"
    pred[0]["sents"][4]["targets"][0]["stance"] = "FAVOR"  # Armenia
    m = run(tmp_path, gold_file, pred)
    assert m["topic_acc"] == round(6 / 7, 4) and m["stance_acc"] == 1.0
    cm = m["detail"]["topic"]["confusion"]
    assert cm["matrix"][cm["labels"].index("diplomacy")][cm["labels"].index("economy_trade")] == 1
    assert MISSED not in cm["labels"]
    assert m["target_stance_acc"] == 0.5
    assert m["detail"]["targets"] == {"gold_sentences": 2, "sentences": 2, "gold": 2, "paired": 2, "same_stance": 1,
                                      "all_gold": 2, "all_pred": 2}
    assert m["targets_p"] == 0.5 and m["targets_r"] == 0.5 and m["targets_f"] == 0.5


def test_target_precision_counts_targets_where_gold_has_none(tmp_path, gold_file):
    pred = gold_records()
    # a spurious target in "Belarus supplies tractors to Karabakh." (sentence 3, no gold target)
    s3 = pred[0]["sents"][3]
    belarus = next(e for e in pred[0]["ents"] if e["start"] == s3["start"])
    s3["targets"] = [{"start": belarus["start"], "end": belarus["end"], "stance": "AGAINST"}]
    m = run(tmp_path, gold_file, pred)
    # predicted: Minsk, Armenia (right), Belarus (wrong) -> P 2/3; gold: Minsk, Armenia -> R 2/2
    t = m["detail"]["targets"]
    assert (t["all_pred"], t["all_gold"], t["same_stance"]) == (3, 2, 2)
    assert m["targets_p"] == round(2 / 3, 4) and m["targets_r"] == 1.0
    assert m["target_stance_acc"] == 1.0  # the old measure sees only sentences with gold targets


def test_pairing_by_source_name_and_missing_report(tmp_path, gold_file):
    r1 = gold_records()[0]
    r1["id"] = "some-other-id"
    r1["source"] = "/elsewhere/r1.txt"
    pairs, unmatched = pair_records(gold_records(), [r1])
    assert [(p.gold["id"], p.by) for p in pairs] == [("r1", "source"), ("r2", "none")]
    m = run(tmp_path, gold_file, [r1])
    assert m["missing_pred"] == ["r2"] and unmatched == []
    assert strict(m)["missed"] == 4 and m["ents_r"] == round(9 / 13, 4)
    assert m["detail"]["sents"]["missed"] == 2


def test_score_report_without_prediction_misses_everything():
    rs = score_report(gold_records()[1], None)
    assert rs.topic_pred == [MISSED, MISSED] and not rs.pred_ents and rs.text["gold_kept"] == 0


# --- outputs and command line -------------------------------------------------------------------

def test_cli_writes_metrics_report_and_pngs(tmp_path):
    out = tmp_path / "ev"
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(EVAL / "gold.jsonl"),
                                   "--pred", str(EVAL / "pred.jsonl"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert m["ents_f"] == round(12 / 13, 4) and m["topic_acc"] == round(6 / 7, 4)
    assert {"topic_confusion.png", "stance_confusion.png"} <= {p.name for p in out.iterdir()}
    assert (out / "topic_confusion.png").read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| LOC | 1 |" in report and "entities F1 (strict)" in report
    assert "entities F1 (strict)" in res.output


def test_cli_rejects_a_malformed_prediction(tmp_path):
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(EVAL / "gold.jsonl"),
                                   "--pred", str(EVAL / "crossing.jsonl"), "--out", str(tmp_path)])
    assert res.exit_code == 5
    assert "crossing.jsonl:2: [r2] ents[1]" in res.output and "irnlp validate" in res.output


def test_baseline_is_scored_side_by_side(tmp_path):
    out = tmp_path / "ev"
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(EVAL / "gold.jsonl"),
                                   "--pred", str(EVAL / "pred.jsonl"), "--out", str(out), "--baseline"])
    assert res.exit_code == 0, res.output
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    b = m["baseline"]
    # Majority gold labels: 2 of 7 sentences are diplomacy (ties go to the first topic), 4 of 7 NONE.
    assert b["labels"] == {"topic": "diplomacy", "stance": "NONE"}
    assert b["stance_acc"] == round(4 / 7, 4) and b["topic_acc"] == round(2 / 7, 4)
    assert b["text_pred_extra"] > 0  # the raw files keep navigation and footers
    assert b["detail"]["sents"]["missed"] == 0
    assert (out / "baseline_topic_confusion.png").exists()
    assert "base F1" in (out / "report.md").read_text(encoding="utf-8")


def test_baseline_without_raw_file_names_it(tmp_path):
    g = gold_records()
    g[0]["source"] = "tests/fixtures/eval/raw/nowhere.txt"
    gf = write(tmp_path / "g.jsonl", g)
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(gf), "--pred", str(gf), "--out", str(tmp_path),
                                   "--baseline"])
    assert res.exit_code == 3 and "nowhere.txt" in res.output


def test_gold_folder_is_scored_as_one_set(tmp_path):
    from pipeline.evaluation.evaluate import evaluate
    from pipeline.evaluation.scorer import load_records
    from tests.util import ROOT

    gold = ROOT / "corpus" / "gold"
    assert [r["id"] for r in load_records(gold)] == [r["id"] for f in ("seed.jsonl", "similar.jsonl")
                                                     for r in load_records(gold / f)]
    m = evaluate(gold, gold / "seed.jsonl")  # the seed predicted perfectly, the similar reports not at all
    assert m["reports"] == 8 and len(m["missing_pred"]) == 7 and m["sents_paired"] < 1.0
    with pytest.raises(FormatError, match="no \\*.jsonl file"):
        load_records(tmp_path)


def test_scores_by_a_meta_key(tmp_path):
    gold = gold_records()
    gold[0]["meta"]["outlet"] = "Outlet A"
    gold[1]["meta"]["outlet"] = "Outlet B"
    gold_path = write(tmp_path / "gold.jsonl", gold)
    pred = gold_records()  # no meta in the prediction: the gold record's outlet groups it
    pred[1]["sents"][0]["topic"] = "diplomacy"  # r2: one of its two sentences wrong
    m = evaluate(gold_path, write(tmp_path / "pred.jsonl", pred), tmp_path / "out", by="outlet")
    by = m["by"]["outlet"]
    assert list(by) == ["Outlet A", "Outlet B"]  # same size: by name
    assert by["Outlet A"]["reports"] == 1 and by["Outlet A"]["sentences"] == 5 and by["Outlet A"]["topic_acc"] == 1.0
    assert by["Outlet B"]["sentences"] == 2 and by["Outlet B"]["topic_acc"] == 0.5 and by["Outlet B"]["ents_f"] == 1.0
    assert m["topic_acc"] == round(6 / 7, 4)  # the whole set is still scored as one
    assert "## By outlet" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    gold[1]["meta"].pop("outlet")
    m = evaluate(write(tmp_path / "gold2.jsonl", gold), tmp_path / "pred.jsonl", by="outlet")
    assert set(m["by"]["outlet"]) == {"Outlet A", "?"}


def test_cli_prints_the_breakdown(tmp_path):
    gold = gold_records()
    for r, o in zip(gold, ("Outlet A", "Outlet B")):
        r["meta"]["outlet"] = o
    g = write(tmp_path / "gold.jsonl", gold)
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(g), "--pred", str(g), "--out", str(tmp_path / "o"),
                                   "--by", "outlet"])
    assert res.exit_code == 0, res.output
    assert "by outlet" in res.output and "Outlet B" in res.output


def test_cli_warns_when_no_record_has_the_key(tmp_path):
    g = write(tmp_path / "gold.jsonl", gold_records())
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(g), "--pred", str(g), "--out", str(tmp_path / "o"),
                                   "--by", "outlet"])
    assert res.exit_code == 0 and "warning: no gold or predicted record has meta.outlet" in res.output
