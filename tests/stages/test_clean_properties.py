"""Clean properties on generated text: never raises, loses nothing, keeps offsets valid, is idempotent."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.runner import load_config
from pipeline.document import Document
from pipeline.stages.base import Context
from pipeline.stages.clean import Clean, CleanParams

from tests.util import ROOT

CTX = Context(load_config(ROOT / "config" / "default.toml"), Path("unused"))
# No corpus-level state: each example must be cleaned as if it were alone.
PARAMS = CleanParams(corpus_duplicates=False)

# Lines of the kinds the stage decides on, mixed with arbitrary text so that rules meet at odd places.
LINES = [
    "RUS", "Search", "Reports", "top", "16+", "Global perspective through the lens of regional issues",
    "Azerbaijan and Belarus Take Bilateral Relations to a Whole New Level", "photo; president.az",
    "20 May 2024", "20 мая 2024", "26 / 08 / 2022", " date 2021-04-20 News", "20.06.2007, 10:10 2632",
    "Trade and Economic Prospects", "Conclusion", "Region:World News, Karabakh", "Sergey Kwan", "TCA",
    "President Lukashenko was on a state visit to Azerbaijan from May 15 to 17 with a large delegation.",
    "The parties agreed to deepen cooperation in agriculture, industry and trade [1]. For e",
    "It should be noted that all the projects in the energy sector are long-term.",
    "ASTANA (TCA) — Belarus and Kazakhstan can step up cooperation in the oil industry and transport.",
    "1. Key Interests of Belarus. Caspian Institute, 23.05.2022. https://caspian.institute/a",
    "[1]The gates of Central Asia are opening, on 25.08.2022).", "Ph. +7 (495) 767-81-36",
    "E-mail: info@caspian.institute", "© 2022-2024, Caspian Institute for Strategic Studies",
    "Amateur web specialist. General food junkie. Typical zombie enthusiast. Lifelong explorer.",
    "Select the error and press Ctrl + Enter at the same time.", "Dear Party Members!",
    "AK/PA All Content by Mehr News Agency is licensed under a Creative Commons Attribution 4.0 License.",
    "<br><br>", "<div class=\"x\">", "</div>", "## Heading", "- item one", "* item two", "**bold**",
    "[link](http://x.org)", "&amp;", "{:.zoom}", "> quoted", "Yuri SolozobovYuri Solozobov",
    "the first line of a hard-wrapped paragraph that goes on", "and on to the next line of it.",
]
SEPS = ["\n", "\n\n", "\n  ", " ", "\r\n", "\n\n\n"]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(LINES), st.sampled_from(SEPS), st.text(max_size=6)), max_size=30).map("".join),
    st.lists(st.sampled_from(LINES), max_size=25).map("\n".join),
)


def cleaned(text: str) -> Document:
    stage = Clean("clean", PARAMS, CTX)
    doc = Document(id="p", source="p", raw=text)
    list(stage([doc]))
    return doc


@settings(max_examples=150, deadline=None)
@given(texts)
def test_clean_never_raises_and_loses_nothing(text):
    doc = cleaned(text)
    assert doc.reconstruct_raw() == doc.raw


@settings(max_examples=150, deadline=None)
@given(texts)
def test_clean_keeps_offsets_valid(text):
    doc = cleaned(text)
    n = len(doc.raw)
    starts = [doc.raw_span(i, i + 1)[0] for i in range(len(doc.text))]
    assert all(0 <= s <= n for s in starts)
    assert starts == sorted(starts)  # clean only removes and re-spaces: reading order is kept
    for i, ch in enumerate(doc.text):  # a kept character is the raw character it maps to (or new spacing)
        assert ch.isspace() or ch == doc.raw[starts[i]] or any(e.reason == "markup" for e in doc.edits)
    for e in doc.edits:
        assert 0 <= e.start <= e.end <= n
    for r in doc.meta["removed"]:
        assert 0 <= r["start"] <= r["end"] <= n


@settings(max_examples=150, deadline=None)
@given(texts)
def test_clean_is_idempotent(text):
    once = cleaned(text).text
    assert cleaned(once).text == once


@settings(max_examples=100, deadline=None)
@given(texts)
def test_running_the_stage_twice_on_a_document_changes_nothing(text):
    stage = Clean("clean", CleanParams(corpus_min_words=1), CTX)
    doc = Document(id="p", source="p", raw=text)
    list(stage([doc]))
    once, n, meta = doc.text, len(doc.edits), dict(doc.meta)
    list(stage([doc]))
    assert (doc.text, len(doc.edits), doc.meta) == (once, n, meta)
