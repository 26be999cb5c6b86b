"""Ingest of each format, from files, folders and globs, with encoding detection."""

import json

import pytest

from pipeline.errors import InputError
from pipeline.stages.ingest import Ingest, IngestParams, expand_paths

from tests.util import FIXTURES, SEED

SENTENCE = "Президент Беларуси посетил Баку 20 мая 2024 года, и стороны подписали соглашения о сотрудничестве."


def ingest(ctx, *paths):
    stage = Ingest("ingest", IngestParams(paths=[str(p) for p in paths]), ctx)
    return list(stage([]))


def test_utf8_text_file_gives_one_document(ctx):
    [doc] = ingest(ctx, SEED)
    assert doc.id == SEED.stem
    assert doc.raw == SEED.read_text(encoding="utf-8")
    assert str(SEED) in ctx.inputs


def test_windows_1251_and_utf16_are_detected(ctx, tmp_path):
    (tmp_path / "cp.txt").write_bytes(((SENTENCE + "\n") * 3).encode("cp1251"))
    (tmp_path / "u16.txt").write_bytes(((SENTENCE + "\n") * 3).encode("utf-16"))
    docs = {d.id: d for d in ingest(ctx, tmp_path)}
    assert docs["cp"].raw.startswith("Президент Беларуси")
    assert docs["u16"].raw.startswith("Президент Беларуси")


def test_binary_file_is_reported_and_skipped(ctx, tmp_path):
    (tmp_path / "a.txt").write_text("Baku and Minsk signed agreements.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"%PDF-1.4\x00\x01\x02\xff\xfe\x00binary\x00" * 20)
    docs = ingest(ctx, tmp_path)
    assert [d.id for d in docs] == ["a"]
    assert ctx.failures and "b.txt: not text" in ctx.failures[0]["error"]


def test_binary_file_stops_a_strict_run(ctx, tmp_path, config):
    from pipeline.runner import load_config

    strict = load_config("config/default.toml", ["run.strict=true"])
    ctx.config = strict
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    with pytest.raises(InputError, match="b.txt"):
        ingest(ctx, tmp_path)


def test_jsonl_with_a_broken_line_keeps_the_others(ctx, tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"id": "one", "text": "First report.", "meta": {"title": "T"}}) + "\n{broken\n"
                 + json.dumps({"text": "Third report."}) + "\n", encoding="utf-8")
    docs = ingest(ctx, p)
    assert [(d.id, d.raw) for d in docs] == [("one", "First report."), ("r-3", "Third report.")]
    assert docs[0].meta["title"] == "T"
    assert len(docs[0].meta["input_sha256"]) == 64  # the resume key
    assert "r.jsonl:2: bad JSONL line" in ctx.failures[0]["error"]


def test_duplicate_ids_are_made_unique(ctx, tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join(json.dumps({"id": "x", "text": t}) for t in ("a", "b")), encoding="utf-8")
    assert [d.id for d in ingest(ctx, p)] == ["x", "x-2"]


def test_html_main_text_is_extracted(ctx, tmp_path):
    body = " ".join(["Belarus and Azerbaijan signed a set of agreements covering agriculture and tourism."] * 4)
    html = (f"<html><head><title>Visit</title></head><body><nav><a href='/'>Home</a> <a>Reports</a></nav>"
            f"<article><h1>Visit to Baku</h1><p>{body}</p><p>{body}</p></article>"
            f"<footer>© 2024 Institute. All rights reserved.</footer></body></html>")
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    [doc] = ingest(ctx, tmp_path / "page.html")
    assert "signed a set of agreements" in doc.raw
    assert "All rights reserved" not in doc.raw and "Home" not in doc.raw


PAGE = ("<html><head><title>T</title></head><body><nav>Home | News</nav>"
        "<div class='cookie'>We use cookies to improve your experience. Accept</div>"
        "<article><h1>Baku and Minsk sign a deal</h1><p class='byline'>By Anna Smith</p>"
        "<p>The presidents of Azerbaijan and Belarus met in Baku on Monday and discussed the supply of tractors, "
        "trucks and fertiliser to the region.</p><figure><img src='x.jpg'><figcaption>Photo: president.az</figcaption>"
        "</figure><p>Trade between the two countries reached 38 million dollars last year, the ministry said, and both "
        "sides expect it to double.</p></article>"
        "<footer>Contact us: press@example.com, +994 12 555 55 55. All rights reserved.</footer></body></html>")


def test_what_the_html_extraction_leaves_out_is_kept_in_meta(ctx, tmp_path):
    from pipeline.stages.clean import Clean, CleanParams

    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    [doc] = ingest(ctx, tmp_path / "page.html")
    assert "Baku and Minsk sign a deal" in doc.raw and "By Anna Smith" not in doc.raw
    assert [r["text"] for r in doc.meta["removed"]] == [
        "Home | News", "We use cookies to improve your experience. Accept", "By Anna Smith", "Photo: president.az",
        "Contact us: press@example.com, +994 12 555 55 55. All rights reserved."]
    assert {(r["reason"], r["start"], r["end"]) for r in doc.meta["removed"]} == {("html", None, None)}
    # With redaction switched on, the contact details of these lines are redacted like the clean stage's own.
    [doc] = ingest(ctx, tmp_path / "page.html")
    list(Clean("clean", CleanParams(redact_contacts=True), ctx)([doc]))
    footer = next(r["text"] for r in doc.meta["removed"] if r["text"].startswith("Contact us"))
    assert "press@example.com" not in footer and "_EMAIL_" in footer and doc.meta["redacted_contacts"] is True


def test_empty_file_is_marked_not_failed(ctx, tmp_path):
    (tmp_path / "e.txt").write_text("  \n\n", encoding="utf-8")
    [doc] = ingest(ctx, tmp_path)
    assert doc.status == "empty"


def test_glob_and_folder_and_missing_path(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "SOURCES.md").write_text("doc", encoding="utf-8")
    assert [p.name for p in expand_paths([str(tmp_path)], ["SOURCES.md"])] == ["a.txt"]
    assert [p.name for p in expand_paths([str(tmp_path / "*.txt")])] == ["a.txt"]
    with pytest.raises(InputError, match="no such file or folder"):
        expand_paths([str(tmp_path / "missing")])


def test_fixture_files_read(ctx):
    docs = ingest(ctx, FIXTURES / "raw")
    assert {d.id for d in docs} == {"seed_head", "news_am"}


MARKDOWN = """---
title: "Baku and Minsk sign a deal"
date: 2024-05-20
---
# Baku and Minsk sign a deal

The presidents met in [Baku](https://president.az) on **Monday** and signed
an agreement on tractors.

## Trade

- Trade reached $38 million.
- Both sides expect it to double.

| Year | Trade, $ mln |
|------|-------|
| 2023 | 38 |
"""


def test_markdown_is_parsed_into_title_headings_paragraphs_and_items(ctx, tmp_path):
    (tmp_path / "report.md").write_text(MARKDOWN, encoding="utf-8")
    [doc] = ingest(ctx, tmp_path / "report.md")
    assert doc.raw == ("Baku and Minsk sign a deal\n\n"
                       "The presidents met in Baku on Monday and signed an agreement on tractors.\n\n"
                       "Trade\n\n- Trade reached $38 million.\n\n- Both sides expect it to double.")
    assert doc.meta["title"] == "Baku and Minsk sign a deal" and doc.meta["date"] == "2024-05-20"
    assert doc.meta["tables"] == [[["Year", "Trade, $ mln"], ["2023", "38"]]]  # out of the sentence stream
