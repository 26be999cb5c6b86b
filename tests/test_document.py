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
    assert (e.start, e.end, e.before, e.after, e.reason, e.stage) == (7, 17, "Lukanhesko", "Lukashenko", "misspelt_name", "repair")
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
    with pytest.raises(ValueError):
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
