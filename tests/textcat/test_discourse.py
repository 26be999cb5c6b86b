"""Discourse cues of the symbolic features: negation scope, contrast, reported speech, first person."""

import pytest

from pipeline.textcat.features import LexiconFeatures, Unit, discourse_features
from pipeline.textcat.lexicon import compile_lexicon

LEX = compile_lexicon({"stance": {"FAVOR": ["welcome", "friendly"], "AGAINST": ["aggressive", "condemned"]}})


@pytest.mark.parametrize("text, expected", [
    # "not" is 2 words before "welcome": negated
    ("Iran does not welcome the move.", {"neg": 1.0, "neg_FAVOR": 1.0}),
    # 5 words between the negation and the term: out of the 4-word window
    ("No one in the whole region would welcome it.", {"neg": 1.0}),
    # 4 words on, but past a comma: the negation's scope ends at punctuation
    ("Baku didn’t condemn anyone, and Minsk condemned nobody.", {"neg": 1.0}),
    ("Baku hardly condemned anyone.", {"neg": 1.0, "neg_AGAINST": 1.0}),
    ("The talks were friendly, but the aggressive rhetoric continued.",
     {"contrast": 1.0, "after_contrast_AGAINST": 1.0}),
    ("We consider it against regional peace.", {"reported": 1.0, "first_person": 1.0}),
    ("Will Tehran welcome the deal?", {"question": 1.0}),
])
def test_discourse_features(text, expected):
    assert discourse_features(text, LEX) == expected


def test_lexicon_features_add_the_cues_only_when_asked():
    u = [Unit("He said Iran does not welcome the move.")]
    plain = LexiconFeatures({"stance": {"FAVOR": ["welcome"]}}).transform(u)[0]
    cued = LexiconFeatures({"stance": {"FAVOR": ["welcome"]}}, discourse=True).transform(u)[0]
    assert "neg_FAVOR" not in plain and "reported" not in plain
    assert cued == {**plain, "neg": 1.0, "reported": 1.0, "neg_FAVOR": 1.0}
