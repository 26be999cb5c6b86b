"""The document model and its edit log: nothing of the raw text is ever lost."""

import pytest

from pipeline.document import Change, Document

from tests.util import make_doc


def test_apply_logs_raw_offsets_and_replays():
    doc = make_doc("RUS\nA. Lukanhesko met I. Aliyev.\n")
    n = doc.apply([Change(7, 17, "Lukashenko", "misspelt_name")], "repair")
    assert n == 1
    assert doc.text == "RUS\nA. Lukashenko met I. Aliyev.\n"
    e = doc.edits[0]
    assert (e.start, e.end, e.before, e.after, e.reason, e.stage, e.op) == \
        (7, 17, "Lukanhesko", "Lukashenko", "misspelt_name", "repair", "replace")
    assert doc.reconstruct_raw() == doc.raw


def test_removal_after_replacement_maps_to_raw():
    raw = "nav\n\nTitle  here\n\nBody text.\n"
    doc = make_doc(raw)
    doc.apply([Change(10, 12, " ", "spaces")], "repair")  # "Title  here" -> "Title here"
    assert doc.text == "nav\n\nTitle here\n\nBody text.\n"
    doc.remove([(0, 5, "navigation")], "clean")
    assert doc.text == "Title here\n\nBody text.\n"
    assert doc.edits[-1].start == 0 and doc.edits[-1].end == 5 and doc.edits[-1].op == "remove"
    # "Body" starts at 12 in the current text and at 18 in the raw text.
    assert doc.raw_span(12, 16) == (18, 22)
    assert raw[18:22] == "Body"
    assert doc.reconstruct_raw() == raw


def test_several_changes_in_one_batch_replay_exactly():
    raw = "a\u00a0b  c\u200bd"
    doc = make_doc(raw)
    doc.apply([Change(1, 2, " ", "nbsp"), Change(3, 5, " ", "spaces"), Change(6, 7, "", "zero_width")], "repair")
    assert doc.text == "a b cd"
    assert doc.reconstruct_raw() == raw


def test_noop_changes_are_not_logged():
    doc = make_doc("same")
    assert doc.apply([Change(0, 4, "same", "x")], "repair") == 0
    assert doc.edits == []


def test_overlapping_changes_raise():
    doc = make_doc("abcdef")
    with pytest.raises(ValueError, match="overlaps"):
        doc.apply([Change(0, 3, "x", "r"), Change(2, 4, "y", "r")], "repair")


def test_text_other_than_raw_needs_an_index():
    with pytest.raises(ValueError, match="^a Document built with a text other than raw needs its index$"):
        Document(id="x", source="x", raw="abc", text="ab")


def test_record_follows_the_guidelines_format():
    from pipeline.document import Entity, Sentence

    doc = make_doc("Baku and Minsk.")
    doc.sents = [Sentence(0, 15, "diplomacy", "NONE")]
    doc.ents = [Entity(0, 4, "GPE", canonical="Baku"), Entity(9, 14, "GPE", canonical="Minsk")]
    rec = doc.to_record(with_edits=False)
    assert set(rec) == {"id", "source", "text", "meta", "ents", "sents"}
    assert rec["sents"] == [{"start": 0, "end": 15, "topic": "diplomacy", "stance": "NONE"}]
    assert rec["ents"][1] == {"start": 9, "end": 14, "label": "GPE", "canonical": "Minsk"}
    assert "edits" not in rec["meta"]


def test_the_logged_removals_are_lossless_unless_contacts_were_redacted():
    raw = "Body text.\nE-mail: info@caspian.institute\nPh. +7 (495) 767-81-36\n"
    doc = make_doc(raw)
    doc.remove([(11, 42, "contact"), (43, 65, "contact")], "clean")
    assert [e["before"] for e in doc.to_record()["meta"]["edits"]] == [raw[11:42], raw[43:65]]  # the raw text, as it was
    doc.meta["redacted_contacts"] = True  # set by the clean stage with stages.clean.redact_contacts
    before = " ".join(e["before"] for e in doc.to_record()["meta"]["edits"])
    assert "info@caspian.institute" not in before and "767-81-36" not in before
    assert "_EMAIL_" in before and "_PHONE_" in before
    assert doc.reconstruct_raw() == raw  # the in-memory log is still exact


def test_status_values_are_named_once():
    from pipeline.document import Status, from_record

    doc = make_doc("Baku and Minsk signed a deal.")
    assert doc.status == Status.OK == "ok"
    cached = from_record(doc.to_record(), doc)
    assert cached.status == Status.CACHED == "cached" and cached.text == doc.text
    assert Status.ANNOTATED == ("ok", "cached")
    assert {Status.EMPTY, Status.DUPLICATE, Status.FAILED} == {"empty", "duplicate", "failed"}


@pytest.mark.parametrize("rec, outlet", [
    ({"meta": {"outlet": "Daryo"}, "source": "x/tehrantimes.jsonl"}, "Daryo"),  # meta wins over the file name
    ({"meta": {"outlet": ""}, "source": "corpus/regional/kremlin.jsonl"}, "kremlin"),
    ({"source": "../shared/corpus/unlabelled/tehrantimes.jsonl"}, "tehrantimes"),
    ({"source": "C:\\data\\news\\apa.az.jsonl"}, "apa"),  # Windows separators; the name up to its first dot
    ({"source": "reports/a.b/trend.tar.gz"}, "trend"),
    ({"source": "plain"}, "plain"),
    ({"meta": None, "source": None}, ""),
    ({}, ""),
])
def test_outlet_of_a_record(rec, outlet):
    from pipeline.document import outlet_of

    assert outlet_of(rec) == outlet


def test_remove_logs_stage_reason_and_raw_offsets():
    raw = "Share this. Body text."
    doc = make_doc(raw)
    assert doc.remove([(0, 12, "share_widget")], "clean") == 1
    e = doc.edits[0]
    assert (e.op, e.stage, e.reason, e.start, e.end, e.before, e.after) == \
        ("remove", "clean", "share_widget", 0, 12, "Share this. ", "")
    assert raw[e.start:e.end] == e.before


def test_an_empty_span_maps_to_the_raw_position_after_a_removal():
    doc = make_doc("abXYcd")
    doc.remove([(2, 4, "x")], "clean")  # text "abcd"
    assert doc.raw_span(2, 2) == (4, 4)  # not (4, 2): the removed "XY" lies before, not inside
    assert doc.raw_span(1, 3) == (1, 5)  # "bc" spans the removed block in the raw text


def test_only_contact_blocks_get_north_american_phone_redaction():
    # textacy's phone pattern also takes year ranges, so it runs only on blocks removed as contacts.
    raw = "Body.\nCall 555-0143 now\nRuled (1397-1433) by the dynasty\n"
    doc = make_doc(raw)
    doc.remove([(6, 23, "contact"), (23, 57, "footer")], "clean")
    doc.meta["redacted_contacts"] = True
    before = [e["before"] for e in doc.to_record()["meta"]["edits"]]
    assert before[0] == "Call _PHONE_ now"  # a local number only the North-American pattern knows
    assert before[1] == raw[23:57]  # the year range is kept


def test_a_record_round_trips_every_annotation():
    from pipeline.document import Entity, Sentence, Status, from_record

    raw = "NAV\nBaku and Minsk  signed a deal.\n"
    doc = make_doc(raw, "r1")
    doc.remove([(0, 4, "navigation")], "clean")
    doc.apply([Change(14, 16, " ", "spaces")], "repair")
    doc.meta["outlet"] = "apa"
    doc.sents = [Sentence(0, 29, "energy", "FAVOR", {"energy": 0.7, "diplomacy": 0.3}, {"FAVOR": 0.6, "NONE": 0.4},
                          [{"start": 0, "end": 4, "stance": "FAVOR"}], True),
                 Sentence(30, 30, "other", "NONE")]
    doc.ents = [Entity(0, 4, "GPE", "Baku"), Entity(9, 14, "GPE")]
    rec = doc.to_record()
    assert rec["meta"]["status"] == "ok"
    assert rec["sents"][0] == {"start": 0, "end": 29, "topic": "energy", "stance": "FAVOR",
                               "targets": [{"start": 0, "end": 4, "stance": "FAVOR"}],
                               "topic_probs": {"energy": 0.7, "diplomacy": 0.3},
                               "stance_probs": {"FAVOR": 0.6, "NONE": 0.4}, "low_confidence": True}
    assert rec["sents"][1] == {"start": 30, "end": 30, "topic": "other", "stance": "NONE"}
    source_doc = Document(id="r1", source="elsewhere/r1.txt", raw=raw)
    back = from_record(rec, source_doc)
    assert back.status == Status.CACHED and back.source == "r1.txt" and back.meta["outlet"] == "apa"
    assert back.sents == doc.sents and back.ents == doc.ents and back.edits == doc.edits
    assert back.cached_record is rec


def test_a_minimal_record_gets_the_defaults():
    from pipeline.document import Sentence, from_record

    back = from_record({"id": "g", "text": "Baku.", "sents": [{"start": 0, "end": 5}]}, make_doc("x", "src"))
    assert back.source == "src.txt" and back.meta == {} and back.edits == [] and back.ents == []
    assert back.sents == [Sentence(0, 5, "other", "NONE", {}, {}, [], False)]
    assert from_record({"id": "g", "text": "", "source": "other.txt"}, make_doc("x")).sents == []


def test_an_insertion_is_a_change_and_a_reversed_span_is_refused():
    doc = make_doc("Baku Minsk")
    assert doc.apply([Change(4, 4, ",", "punctuation")], "repair") == 1  # start == end: an insertion
    assert doc.text == "Baku, Minsk" and doc.reconstruct_raw() == "Baku Minsk"
    with pytest.raises(ValueError):
        doc.apply([Change(6, 5, "x", "r")], "repair")
