"""Repair properties on generated text: never raises, loses nothing, is idempotent, keeps lines."""

from __future__ import annotations

import pytest
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.runner import load_config
from pipeline.document import Document
from pipeline.stages.base import Context
from pipeline.stages.repair import Repair, RepairParams

from tests.util import ROOT

pytestmark = pytest.mark.model

STAGE = Repair("repair", RepairParams(), Context(load_config(ROOT / "config" / "default.toml"), Path("unused")))

# Pieces that trigger each repair, and the real text they must leave alone, mixed with
# arbitrary characters so that repairs meet each other at odd boundaries.
FRAGMENTS = [
    "ìàÿ", "Ò-72", "ÑÎÐ29", "Ìèíñê", "ÁÒÐ", "Ã©", "â€™", "Ä°", "\x93", "\x94", "\x85", "¡¯", "¡",
    "\u00a0", "  ", "\t", "\u2009", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "¬", "\x1a",
    "\r\n", "\r", "\n", "\n\n", "\u2028", "\u2029", "\x0c", "e\u0301", "\u212b",
    "ttps://", "htps://", "http//", "https://", "x.org", "ftp://",
    "Lukashenko ", "Lukashenko ", "Lukashenko ", "Lukashenko ", "Lukashenko ", "Lukanhesko",
    "Zürich", "café", "Kırıkkale", "Gömeç", "Şuşa", "«", "»", "–", "’", "-", " ", ".", "2", "می",
]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map("".join),
)


def repaired(text: str) -> Document:
    doc = Document(id="p", source="p", raw=text)
    list(STAGE([doc]))
    return doc


@settings(max_examples=200, deadline=None)
@given(texts)
def test_repair_never_raises_and_loses_nothing(text):
    doc = repaired(text)
    assert doc.reconstruct_raw() == doc.raw
    # Line structure: every newline of the input is still there.
    assert doc.text.count("\n") >= text.count("\n")


@settings(max_examples=200, deadline=None)
@given(texts)
def test_repair_is_idempotent(text):
    doc = repaired(text)
    once, n = doc.text, len(doc.edits)
    list(STAGE([doc]))
    assert doc.text == once
    assert len(doc.edits) == n
    assert repaired(once).text == once
