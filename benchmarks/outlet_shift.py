"""Score a trained topic/stance model folder on labelled reports it never saw, per outlet.

Used to measure the previous round's shipped models (trained on 4 outlets, 323 of 360 reports from
Tehran Times) on the 13 regional outlets labelled in this round, before any of them was trained on.

Usage: ``python benchmarks/outlet_shift.py MODEL_DIR DATA.jsonl OUT.json [--source-contains regional]``
(the default keeps only records whose ``source`` contains ``regional``). Prints macro-F1 and accuracy
per task; OUT.json has the per-outlet and per-class tables.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from pipeline.document import STANCES, TOPICS
from pipeline.io import read_jsonl
from pipeline.textcat.features import units_of_record
from pipeline.textcat.model import load_model, read_meta
from pipeline.textcat.train import scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--source-contains", default="regional")
    a = ap.parse_args()
    recs = [r for _, r in read_jsonl(a.data) if a.source_contains in (r.get("source") or "")]
    meta = read_meta(a.model_dir / "meta.json")
    res = {"model_dir": str(a.model_dir), "trained_at": meta.get("trained_at"), "reports": len(recs)}
    for task, labels in (("topic", TOPICS), ("stance", STANCES)):
        model = load_model(a.model_dir / f"{task}.skops", meta[f"{task}_labels"])
        units, y = [], []
        for r in recs:
            for u, s in zip(units_of_record(r), sorted(r["sents"], key=lambda s: s["start"])):
                units.append(u)
                y.append(s[task])
        pred = list(model.predict(units))
        by = defaultdict(lambda: ([], []))
        for u, t, p in zip(units, y, pred):
            by[u.outlet][0].append(t)
            by[u.outlet][1].append(p)
        majority = max(set(y), key=y.count)
        res[task] = {"all": scores(y, pred, labels), "majority": scores(y, [majority] * len(y), labels),
                     "per_outlet": {o: {k: v for k, v in scores(t, p, labels).items() if k != "per_class"}
                                    for o, (t, p) in sorted(by.items(), key=lambda kv: -len(kv[1][0]))}}
        print(f"{task}: macro-F1 {res[task]['all']['macro_f1']:.3f}, accuracy {res[task]['all']['accuracy']:.3f} "
              f"(majority accuracy {res[task]['majority']['accuracy']:.3f}) on {len(y)} units")
    a.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
