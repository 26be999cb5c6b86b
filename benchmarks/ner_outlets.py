"""Entities on outlets held out of training: fold models, rule-family ablation, the model card's table.

The labelled reports of ``corpus/train/train.jsonl`` are split by outlet into K folds
(:func:`pipeline.nertrain.outlet_folds`); each fold's reports are annotated by an entity
recognizer fine-tuned on the other folds' outlets only, through the pipeline's own segment and
ner stages (pattern files, anchors, span rules, ALL-CAPS lines), and scored strict: a predicted
entity counts only with the gold's exact character span and label. The same predictions are made
with each rule family switched off, to keep only the rules that help on unseen outlets.

Usage:
    python benchmarks/ner_outlets.py train [--folds 5] [--kind finetune|fresh]   # fold models (~5 min each)
    python benchmarks/ner_outlets.py score [--folds 5] [--kind ...] [--only base,none]
    python benchmarks/ner_outlets.py base        # en_core_web_sm's own NER with and without rules
    python benchmarks/ner_outlets.py table       # Markdown tables for models/ner/README.md

Writes ``benchmarks/ner_outlets.json`` (scores per variant, label and outlet; entity counts per label)
and prints a Markdown table. Fold models live in ``benchmarks/.ner_folds/`` (not versioned).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.document import Document, outlet_of  # noqa: E402
from pipeline.io import read_jsonl  # noqa: E402
from pipeline.nertrain import labels_of, outlet_folds, train_ner  # noqa: E402
from pipeline.runner import build_stages, chain, load_config  # noqa: E402
from pipeline.stages.base import Context  # noqa: E402

DATA = ROOT / "corpus/train/train.jsonl"
FOLDS_DIR = ROOT / "benchmarks/.ner_folds"
OUT = ROOT / "benchmarks/ner_outlets.json"
PATTERNS = ROOT / "corpus/patterns/entities"
# Rule families: pattern files, and the word lists of the anchor/rule components.
FAMILIES = {
    "states_capitals_cities": ["gpe_states", "gpe_capitals", "gpe_cities"],
    "regions": ["loc_regions"],
    "organisations_blocs": ["org"],
    "people": ["person"],
    "nationalities_languages": ["norp", "language"],
    "numeric": ["numeric", "cardinal"],
    "events_laws_works_facilities": ["event", "law", "work_of_art", "product", "fac", "quoted_names"],
    "block_list": ["block"],
}
KIND_CONFIGS = {"finetune": "config/ner.cfg", "fresh": "config/ner_fresh.cfg", "augment": "config/ner_augment.cfg"}
WORD_LISTS = {"heads": "heads", "titles": "titles", "last_word_labels": "last_word_labels"}


def pattern_set(drop: set[str]) -> list[str]:
    return [str(p) for p in sorted(PATTERNS.glob("*.jsonl")) if p.stem not in drop]


def variants(empty: Path) -> dict[str, list[str]]:
    """Config overrides per variant: all rules, none, and all but one family."""
    none = [f"stages.ner.patterns={json.dumps([])}", f"stages.ner.heads={json.dumps(str(empty))}",
            f"stages.ner.titles={json.dumps(str(empty))}", 'stages.ner.last_word_labels=""',
            "stages.ner.caps_lines=false"]
    out = {"all rules": [], "no rules": none}
    for fam, stems in FAMILIES.items():
        out[f"without {fam}"] = [f"stages.ner.patterns={json.dumps(pattern_set(set(stems)))}"]
    out["without heads"] = [f"stages.ner.heads={json.dumps(str(empty))}"]
    out["without titles"] = [f"stages.ner.titles={json.dumps(str(empty))}"]
    out["without last_word_labels"] = ['stages.ner.last_word_labels=""']
    out["without caps_lines"] = ["stages.ner.caps_lines=false"]
    # finer than a family: the one LANGUAGE pattern ("Azerbaijani language")
    out["without language"] = [f"stages.ner.patterns={json.dumps(pattern_set({'language'}))}"]
    # the rules kept after the ablation above: every family that helps (the default config)
    out["selected (default)"] = ['stages.ner.last_word_labels=""']
    return out


def predict(records: list[dict], ner_model: str, overrides: list[str]) -> list[set]:
    """Entities ``{(start, end, label)}`` per record from the segment and ner stages of the default config."""
    sets = [*(f"stages.{s}.enabled=false" for s in ("repair", "clean", "language", "classify", "write")),
            f"stages.ner.model={json.dumps(ner_model)}",
            "stages.ner.canonical=false", *overrides]
    config = load_config(ROOT / "config/default.toml", sets)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(config=config, out_dir=Path(tmp))
        docs = [Document(id=r["id"], source=r["id"], raw=r["text"]) for r in records]
        stages = [s for s in build_stages(config, ctx) if s.name != "ingest"]  # the records are the input
        done = {d.id: d for d in chain(stages, docs)}
    return [{(e.start, e.end, e.label) for e in done[r["id"]].ents} for r in records]


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(2 * p * r / (p + r) if p + r else 0.0, 4),
            "tp": tp, "fp": fp, "fn": fn}


def score(records: list[dict], preds: list[set]) -> dict:
    """Strict micro P/R/F1, per label and per outlet."""
    tot, lab, out = Counter(), defaultdict(Counter), defaultdict(Counter)
    for rec, pred in zip(records, preds):
        gold = {(e["start"], e["end"], e["label"]) for e in rec["ents"]}
        o = outlet_of(rec)
        for key, hit in [("tp", gold & pred), ("fp", pred - gold), ("fn", gold - pred)]:
            tot[key] += len(hit)
            out[o][key] += len(hit)
            for e in hit:
                lab[e[2]][key] += 1
    return {"micro": prf(tot["tp"], tot["fp"], tot["fn"]),
            "per_label": {k: prf(v["tp"], v["fp"], v["fn"]) for k, v in sorted(lab.items())},
            "per_outlet": {k: prf(v["tp"], v["fp"], v["fn"]) for k, v in sorted(out.items())}}


def fold_dir(kind: str, k: int, i: int) -> Path:
    return FOLDS_DIR / f"{kind}-k{k}-{i}"


def cmd_train(a) -> None:
    records = [r for _, r in read_jsonl(DATA)]
    folds = outlet_folds(records, a.folds)
    cfg = ROOT / KIND_CONFIGS[a.kind]
    for i, held in enumerate(folds):
        t = time.time()
        info = train_ner(cfg, [DATA], fold_dir(a.kind, a.folds, i), exclude_outlets=held)
        print(f"fold {i}: held out {held}; trained on {info['reports']} reports in {time.time() - t:.0f} s", flush=True)


def cmd_score(a) -> None:
    records = [r for _, r in read_jsonl(DATA)]
    folds = outlet_folds(records, a.folds)
    res = json.loads(OUT.read_text()) if OUT.exists() else {}
    res["entities_per_label"] = dict(labels_of(records).most_common())
    res["folds"] = folds
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.txt"
        empty.write_text("")
        todo = variants(empty)
        if a.only:
            todo = {k: v for k, v in todo.items() if k in a.only.split(",")}
        for name, overrides in todo.items():
            t = time.time()
            preds: list[set] = [set()] * len(records)
            for i, held in enumerate(folds):
                idx = [j for j, r in enumerate(records) if outlet_of(r) in held]
                model = str(fold_dir(a.kind, a.folds, i)) if a.kind != "base" else ""
                for j, p in zip(idx, predict([records[j] for j in idx], model, overrides)):
                    preds[j] = p
            s = score(records, preds)
            res.setdefault(a.kind, {})[name] = s
            print(f"{a.kind:9} {name:40} F1 {s['micro']['f']:.3f} (P {s['micro']['p']:.3f} R {s['micro']['r']:.3f}) "
                  f"{time.time() - t:.0f} s", flush=True)
            OUT.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")


def cmd_table(a) -> None:
    """Markdown tables of ner_outlets.json: variants (micro and per-label F1) and per outlet."""
    res = json.loads(OUT.read_text())
    counts = res["entities_per_label"]
    labels = [lab for lab in counts if counts[lab] >= 30]
    rows = [(kind, name, s) for kind in ("base", *KIND_CONFIGS) for name, s in res.get(kind, {}).items()]
    print("| model | rules | P | R | F1 | " + " | ".join(labels) + " |")
    print("|---|---|---|---|---|" + "---|" * len(labels))
    for kind, name, s in rows:
        per = [f"{s['per_label'].get(lab, {}).get('f', 0):.2f}" for lab in labels]
        m = s["micro"]
        print(f"| {kind} | {name} | {m['p']:.3f} | {m['r']:.3f} | **{m['f']:.3f}** | " + " | ".join(per) + " |")
    print("\nentities per label: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    best = res.get("finetune", {}).get("selected (default)")
    if best:
        print("\n| outlet | entities | F1 (fine-tuned, default rules) | F1 (en_core_web_sm, all rules) |\n|---|---|---|---|")
        base = res.get("base", {}).get("all rules", {}).get("per_outlet", {})
        for o, v in sorted(best["per_outlet"].items(), key=lambda kv: -(kv[1]["tp"] + kv[1]["fn"])):
            print(f"| {o} | {v['tp'] + v['fn']} | {v['f']:.3f} | {base.get(o, {}).get('f', 0):.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["train", "score", "base", "table"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--kind", default="finetune", choices=list(KIND_CONFIGS))
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    if a.command == "train":
        cmd_train(a)
    elif a.command == "table":
        cmd_table(a)
    else:
        if a.command == "base":
            a.kind = "base"
        cmd_score(a)


if __name__ == "__main__":
    main()
