"""Adapting the topic/stance models to a new outlet: 100 units chosen by ``irnlp select`` against 100 at random.

Usage (from the repository root)::

    python benchmarks/adapt_outlets.py [config/train.toml] [--outlets ...] [--n 100] [--seeds 5] [--out FILE.json]

For each held-out outlet (default: the three largest besides Tehran Times), its reports are split in two
halves by ``random.Random(0)``: a *pool* a user would label from, and a *test* half scored throughout.

- ``base``: trained on the other outlets only (what a user meets on a new outlet);
- ``selected``: ``base``'s training data plus ``--n`` pool units chosen by
  :func:`pipeline.textcat.select.choose` from ``base``'s probabilities on the pool (least confidence of
  topic and stance, k-means diversity on WordLlama vectors), with their gold labels (the person's
  corrections);
- ``random``: the same with ``--n`` pool units drawn at random, ``--seeds`` times;
- ``all``: with every pool unit.

Both draws come from the same candidates (units of at least four words, one per distinct text). Printed:
macro-F1 on the test half per task, the gain over ``base``, and the share of the ``base`` -> ``all`` gap that
100 selected units close. Entities are not simulated (a NER retraining per draw is too slow on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.textcat.features import StaticEmbeddings  # noqa: E402
from pipeline.textcat.select import MIN_WORDS, Candidate, choose  # noqa: E402
from pipeline.textcat.train import load_train_config, load_units, new_model, read_lexicon  # noqa: E402

TASKS = ("topic", "stance")


def fit(params, lexicon, units, labels, train_idx) -> dict:
    return {task: new_model(params, lexicon, task).fit([units[i] for i in train_idx], [labels[task][i] for i in train_idx])
            for task in TASKS}


def score(models, units, labels, test_idx) -> dict[str, float]:
    return {task: round(f1_score([labels[task][i] for i in test_idx], m.predict([units[i] for i in test_idx]),
                                 average="macro", zero_division=0), 4) for task, m in models.items()}


def fit_score(params, lexicon, units, labels, train_idx, test_idx) -> dict[str, float]:
    return score(fit(params, lexicon, units, labels, train_idx), units, labels, test_idx)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", nargs="?", default="config/train.toml")
    ap.add_argument("--outlets", nargs="*")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out")
    a = ap.parse_args()
    params = load_train_config(a.config)
    lexicon = read_lexicon(params.lexicon)
    units, topics, stances = load_units(params.data)
    labels = {"topic": topics, "stance": stances}
    sizes = Counter(u.outlet for u in units)
    outlets = a.outlets or [o for o, _ in sizes.most_common() if o != "tehrantimes"][:3]
    embed = StaticEmbeddings(parts=("text",)).embed
    results = {}
    for outlet in outlets:
        t0 = time.time()
        reports = sorted({u.group for u in units if u.outlet == outlet})
        pool_reports = set(random.Random(0).sample(reports, len(reports) // 2))
        others = [i for i, u in enumerate(units) if u.outlet != outlet]
        pool = [i for i, u in enumerate(units) if u.outlet == outlet and u.group in pool_reports]
        test = [i for i, u in enumerate(units) if u.outlet == outlet and u.group not in pool_reports]
        seen, cands = set(), []
        base = fit(params, lexicon, units, labels, others)
        # the base models' best probability per pool unit and task: what `irnlp select` reads in a run
        best = dict(zip(pool, np.vstack([m.predict_proba([units[i] for i in pool]).max(axis=1)
                                         for m in base.values()]).T))
        for i in pool:
            text = units[i].text.strip()
            if len(text.split()) >= MIN_WORDS and text not in seen:
                seen.add(text)
                cands.append(Candidate({"id": str(i), "text": units[i].text, "sents": [{"start": 0, "end": len(units[i].text)}]},
                                       0, round(1.0 - float(min(best[i])), 4)))
        chosen = [int(c.rec["id"]) for c in choose(cands, a.n, embed)]
        res = {"units": {"pool": len(pool), "candidates": len(cands), "test": len(test)},
               "base": score(base, units, labels, test),
               "selected": fit_score(params, lexicon, units, labels, others + chosen, test),
               "random": [fit_score(params, lexicon, units, labels,
                                    others + [int(c.rec["id"]) for c in random.Random(s).sample(cands, min(a.n, len(cands)))],
                                    test) for s in range(a.seeds)],
               "all": fit_score(params, lexicon, units, labels, others + pool, test)}
        for task in TASKS:
            rnd = [r[task] for r in res["random"]]
            gap = res["all"][task] - res["base"][task]
            res[f"{task}_summary"] = {
                "gain_selected": round(res["selected"][task] - res["base"][task], 4),
                "gain_random_mean": round(statistics.mean(rnd) - res["base"][task], 4),
                "random_sd": round(statistics.pstdev(rnd), 4),
                "gap_closed_selected": round((res["selected"][task] - res["base"][task]) / gap, 3) if gap > 0 else None,
            }
        res["seconds"] = round(time.time() - t0)
        results[outlet] = res
        print(outlet, json.dumps({k: v for k, v in res.items() if k != "random"}), flush=True)
    summary = {}
    for task in TASKS:
        sel = [r[f"{task}_summary"]["gain_selected"] for r in results.values()]
        rnd = [r[f"{task}_summary"]["gain_random_mean"] for r in results.values()]
        closed = [r[f"{task}_summary"]["gap_closed_selected"] for r in results.values()
                  if r[f"{task}_summary"]["gap_closed_selected"] is not None]
        summary[task] = {"mean_gain_selected": round(statistics.mean(sel), 4),
                         "mean_gain_random": round(statistics.mean(rnd), 4),
                         "mean_gap_closed_selected": round(statistics.mean(closed), 3) if closed else None}
    print(json.dumps(summary, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps({"n": a.n, "seeds": a.seeds, "outlets": results, "summary": summary},
                                          indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
