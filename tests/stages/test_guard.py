"""The stage guard around spaCy: one report that breaks a component fails alone (segment and ner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import Status
from pipeline.runner import build_stages, load_config
from pipeline.stages.base import Context
from tests.util import ROOT, make_doc

pytestmark = pytest.mark.model

TEXTS = ["Baku and Minsk signed a deal. It was a good day.", "The BOOM report breaks the model.",
         "Astana hosted the summit. Leaders met in May."]


class Exploding:
    """A spaCy pipeline whose ``pipe`` raises on any batch that holds the word BOOM."""

    def __init__(self, nlp):
        self.nlp = nlp

    def __getattr__(self, name):
        return getattr(self.nlp, name)

    def pipe(self, items, **kw):
        items = list(items)
        if any("BOOM" in (x if isinstance(x, str) else x.text) for x, _ in items):
            raise ValueError("boom")
        return self.nlp.pipe(items, **kw)


def stages(tmp_path: Path, strict: bool):
    cfg = load_config(ROOT / "config" / "default.toml", [f"run.strict={'true' if strict else 'false'}"])
    cfg.stages = [s for s in cfg.stages if s.name in ("segment", "ner")]
    ctx = Context(cfg, tmp_path)
    return ctx, build_stages(cfg, ctx)


@pytest.mark.parametrize("broken", ["segment", "ner"])
def test_a_report_that_breaks_spacy_fails_alone(tmp_path, broken):
    ctx, (segment, ner) = stages(tmp_path, strict=False)
    stage = segment if broken == "segment" else ner
    stage.nlp = Exploding(stage.nlp)
    docs = list(ner(segment([make_doc(t, f"r{i}") for i, t in enumerate(TEXTS)])))
    assert [d.status for d in docs] == [Status.OK, Status.FAILED, Status.OK]
    assert [len(d.sents) for d in (docs[0], docs[2])] == [2, 2]
    assert {(docs[0].text[e.start:e.end], e.label) for e in docs[0].ents} >= {("Baku", "GPE"), ("Minsk", "GPE")}
    assert docs[1].ents == [] and docs[1].sents == ([] if broken == "segment" else docs[1].sents)
    assert [(f["id"], f["stage"]) for f in ctx.failures] == [("r1", broken)]
    assert "ValueError: boom" in ctx.failures[0]["error"]
    assert ctx.stats[broken]["failed"] == 1


@pytest.mark.parametrize("broken", ["segment", "ner"])
def test_strict_runs_stop_at_the_report_that_breaks_spacy(tmp_path, broken):
    _, (segment, ner) = stages(tmp_path, strict=True)
    stage = segment if broken == "segment" else ner
    stage.nlp = Exploding(stage.nlp)
    with pytest.raises(ValueError, match="boom"):
        list(ner(segment([make_doc(t, f"r{i}") for i, t in enumerate(TEXTS)])))


def test_a_long_report_that_breaks_spacy_in_two_pieces_fails_once(tmp_path):
    ctx, (segment, _) = stages(tmp_path, strict=False)
    segment.params = segment.params.model_copy(update={"piece_chars": 60})
    segment.nlp = Exploding(segment.nlp)
    long = "\n\n".join(["Baku and Minsk signed a deal on tractors and trucks.", "The BOOM paragraph breaks the model.",
                        "Astana hosted the summit of the leaders in May.", "Another BOOM paragraph breaks it again."])
    docs = list(segment([make_doc(long, "long"), make_doc(TEXTS[0], "short")]))
    assert [d.status for d in docs] == [Status.FAILED, Status.OK]
    assert [f["id"] for f in ctx.failures] == ["long"] and ctx.stats["segment"]["failed"] == 1
