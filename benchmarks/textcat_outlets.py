"""Ablation of topic/stance features on outlets held out of training (a faster cut of ``irnlp train``'s
leave-one-outlet-out cross-validation: only the outlets with at least ``--min-units`` units are held out).

Usage::

    python benchmarks/textcat_outlets.py config/train.toml --variant base= \\
        --variant static='static_weight={topic=1.0, stance=1.0}' [--min-units 250] [--out results.json]

Each ``--variant NAME=TOML`` overrides keys of the ``[train]`` table (empty: as configured). Prints, per
variant and task, the macro-F1 pooled over the held-out outlets' units and per held-out outlet.
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
from collections import Counter

from sklearn.metrics import f1_score
from sklearn.model_selection import LeaveOneGroupOut

from pipeline.textcat.train import TrainParams, load_train_config, load_units, new_model, read_lexicon


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--variant", action="append", default=[], help="NAME=TOML overrides of [train]")
    ap.add_argument("--min-units", type=int, default=250)
    ap.add_argument("--out")
    a = ap.parse_args()
    base = load_train_config(a.config)
    units, topics, stances = load_units(base.data)
    lexicon = read_lexicon(base.lexicon)
    outlets = [u.outlet for u in units]
    sizes = Counter(outlets)
    held = {o for o, n in sizes.items() if n >= a.min_units}
    results = {"held_out": {o: sizes[o] for o in sorted(held, key=lambda o: -sizes[o])}, "variants": {}}
    for spec in a.variant or ["base="]:
        name, _, toml = spec.partition("=")
        params = TrainParams(**{**base.model_dump(), **tomllib.loads(toml)})
        res = results["variants"][name] = {"params": toml}
        for task, y in (("topic", topics), ("stance", stances)):
            t0, true, pred, per = time.time(), [], [], {}
            for tr, te in LeaveOneGroupOut().split(units, y, outlets):
                if outlets[te[0]] not in held:
                    continue
                m = new_model(params, lexicon, task).fit([units[i] for i in tr], [y[i] for i in tr])
                p = list(m.predict([units[i] for i in te]))
                t = [y[i] for i in te]
                per[outlets[te[0]]] = round(f1_score(t, p, average="macro", zero_division=0), 4)
                true += t
                pred += p
            res[task] = {"macro_f1": round(f1_score(true, pred, average="macro", zero_division=0), 4),
                         "per_outlet": per, "seconds": round(time.time() - t0)}
            print(f"{name:12s} {task:6s} macro-F1 {res[task]['macro_f1']:.3f}  {per}  ({res[task]['seconds']} s)", flush=True)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
