"""Choose which regional articles to label, and deal them into labelling batches.

Input: the annotations of the shipped pipeline (models of the previous round) run over
``../shared/corpus/regional`` with ``selection/regional.toml``. Only the model's
*predictions* are read (never shown to the labellers): they rank articles, they
pre-fill nothing.

Each article gets three scores over its first ``MAX_UNITS`` predicted units:
- ``uncertain``: mean of (1 - best probability) over topic and stance (uncertainty
  sampling, Settles 2009, "Active Learning Literature Survey", section 3.1);
- ``rare``: mean predicted probability of the rare topics (agriculture_food,
  environment, energy, industry_technology);
- ``evaluative``: mean probability of FAVOR + AGAINST.
Within each outlet, three quarters of its unit budget go to the articles with the
highest sum of the three z-scores (``selected``), one quarter to articles drawn at
random from the rest (``random``), so that the data also shows the outlet as it is.
Articles are then dealt round-robin into batches, so every batch mixes outlets; a
sample of articles is also dealt to a second batch for the agreement study
(``double``).

Usage: ``python corpus/train/selection/select.py outputs/regional-selection/annotations.jsonl``
writes ``selection/articles.tsv`` (one row an article: id, outlet, batch, second
batch, reason, scores) next to this script.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_UNITS = 18        # articles are labelled up to a paragraph end after about this many units
RARE = ("agriculture_food", "environment", "energy", "industry_technology")
# Units to label per outlet (the 30% cap of 2,500 is 750); small outlets: all they have.
BUDGET = {
    "President of Russia (en.kremlin.ru)": 650,
    "Project Syndicate": 600,
    "The White House (whitehouse.gov)": 520,
    "Institute for the Study of War (ISW)": 330,
    "think-tank repost, unattributed (agorahub/pen0)": 250,
}
SMALL_OUTLET_BUDGET = 10_000
RANDOM_SHARE = 0.25
N_BATCHES = 16
N_DOUBLE = 24         # articles labelled twice, independently (over 300 units)
SEED = 20261207


def article_scores(rec: dict) -> dict:
    sents = rec["sents"][:MAX_UNITS]
    unc = [(1 - max(s.get("topic_probs", {1: 1}).values()) + 1 - max(s.get("stance_probs", {1: 1}).values())) / 2
           for s in sents]
    rare = [sum(s.get("topic_probs", {}).get(t, 0.0) for t in RARE) for s in sents]
    ev = [s.get("stance_probs", {}).get("FAVOR", 0.0) + s.get("stance_probs", {}).get("AGAINST", 0.0) for s in sents]
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    return {"units": len(sents), "uncertain": mean(unc), "rare": mean(rare), "evaluative": mean(ev)}


def zscores(rows: list[dict], key: str) -> None:
    vals = [r[key] for r in rows]
    mu, sd = statistics.mean(vals), statistics.pstdev(vals) or 1.0
    for r in rows:
        r["z"] = r.get("z", 0.0) + (r[key] - mu) / sd


def choose(rows: list[dict], budget: int, rng: random.Random) -> list[dict]:
    rows = sorted(rows, key=lambda r: -r["z"])
    chosen, used = [], 0
    for r in rows:  # the informative share
        if used >= budget * (1 - RANDOM_SHARE):
            break
        r["reason"] = "selected"
        chosen.append(r)
        used += r["units"]
    rest = [r for r in rows if r not in chosen]
    rng.shuffle(rest)
    for r in rest:  # the random share
        if used >= budget:
            break
        r["reason"] = "random"
        chosen.append(r)
        used += r["units"]
    return chosen


def main(pred: str) -> None:
    rng = random.Random(SEED)
    by_outlet: dict[str, list[dict]] = defaultdict(list)
    for line in open(pred, encoding="utf-8"):
        rec = json.loads(line)
        if rec["meta"].get("status", "ok") != "ok" or not rec["sents"]:
            continue
        row = {"id": rec["id"], "outlet": rec["meta"]["outlet"], **article_scores(rec)}
        by_outlet[row["outlet"]].append(row)
    chosen = []
    for outlet, rows in sorted(by_outlet.items()):
        for key in ("uncertain", "rare", "evaluative"):
            zscores(rows, key)
        chosen += choose(rows, BUDGET.get(outlet, SMALL_OUTLET_BUDGET), rng)
    rng.shuffle(chosen)
    chosen.sort(key=lambda r: r["outlet"])  # deal each outlet's articles in turn across batches
    for i, r in enumerate(chosen):
        r["batch"] = f"R{i % N_BATCHES:02d}"
    first_round = [r for r in chosen if int(r["batch"][1:]) < N_BATCHES // 2]
    for r in rng.sample(first_round, N_DOUBLE):  # second pass by another first-round labeller
        b = int(r["batch"][1:])
        r["second"] = f"R{(b + 1 + rng.randrange(N_BATCHES // 2 - 1)) % (N_BATCHES // 2):02d}"
    with open(HERE / "articles.tsv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["id", "outlet", "batch", "second", "reason", "units", "uncertain", "rare", "evaluative"])
        for r in sorted(chosen, key=lambda r: (r["batch"], r["id"])):
            w.writerow([r["id"], r["outlet"], r["batch"], r.get("second", ""), r["reason"], r["units"],
                        f"{r['uncertain']:.3f}", f"{r['rare']:.3f}", f"{r['evaluative']:.3f}"])
    per_outlet = defaultdict(int)
    for r in chosen:
        per_outlet[r["outlet"]] += r["units"]
    for o, n in sorted(per_outlet.items(), key=lambda x: -x[1]):
        print(f"{n:5d}  {o}")
    print(f"{sum(per_outlet.values()):5d}  units (predicted) in {len(chosen)} articles")


if __name__ == "__main__":
    main(sys.argv[1])
