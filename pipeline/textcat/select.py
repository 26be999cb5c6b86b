"""Choosing the sentence units of a finished run that are worth a person's time (active learning).

A user adapting the classifiers to a new outlet labels what the models are least sure of, not what comes
first. Each unit of ``annotations.jsonl`` has topic and stance probabilities; its *uncertainty* is the least
confidence of the two (1 − the smaller of the best topic and the best stance probability; Lewis & Gale
1994, uncertainty sampling; survey: Settles 2009, "Active Learning Literature Survey"). The ``beta · n``
most uncertain units are clustered into ``n`` groups by k-means (scikit-learn) over their static sentence
embeddings (WordLlama), weighted by uncertainty, and the unit nearest each centre is taken, so that twenty
near-identical sentences do not fill the batch (Zhdanov 2019, "Diverse mini-batch Active Learning",
arXiv:1901.05954).

Each chosen unit becomes a one-sentence record in the gold format, pre-filled with the run's predictions
(entities, topic, stance, targets), with ``meta.outlet``, ``meta.report_id``, ``meta.offset`` (where the
sentence starts in the report's clean text) and ``meta.selection`` (its uncertainty and rank), ready for
``irnlp export`` and, once corrected and imported, for ``irnlp train``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from pipeline.document import outlet_of

BETA = 10  # candidates per chosen unit that enter the clustering (Zhdanov 2019 uses 10 to 50)
METHOD = "least confidence of topic and stance (Settles 2009), k-means diversity (Zhdanov 2019)"


@dataclass(frozen=True)
class Candidate:
    """One unit of a record: ``rec`` the record, ``index`` its sentence, ``uncertainty`` in [0, 1]."""

    rec: dict
    index: int
    uncertainty: float

    @property
    def text(self) -> str:
        s = self.rec["sents"][self.index]
        return self.rec["text"][s["start"]:s["end"]]


def uncertainty(sent: dict) -> float | None:
    """1 − min(best topic probability, best stance probability); None without both probabilities."""
    tp, sp = sent.get("topic_probs"), sent.get("stance_probs")
    if not tp or not sp:
        return None
    return round(1.0 - min(max(tp.values()), max(sp.values())), 4)


MIN_WORDS = 4  # shorter units ("10.", "Welcome.") are cheap to get wrong and teach the models little


def candidates(records: Iterable[dict], min_words: int = MIN_WORDS) -> list[Candidate]:
    """Every unit with probabilities and at least ``min_words`` words, once per distinct sentence text
    (a copy adds nothing to label)."""
    seen: set[str] = set()
    out = []
    for rec in records:
        for i, s in enumerate(rec.get("sents", [])):
            u = uncertainty(s)
            text = rec["text"][s["start"]:s["end"]].strip()
            if u is None or len(text.split()) < min_words or text in seen:
                continue
            seen.add(text)
            out.append(Candidate(rec, i, u))
    return out


def choose(cands: Sequence[Candidate], n: int, embed: Callable[[list[str]], np.ndarray], beta: int = BETA,
           seed: int = 0) -> list[Candidate]:
    """The ``n`` units to label: the most uncertain, one per k-means cluster of the ``beta · n`` most uncertain.

    Args:
        cands: the units (see :func:`candidates`).
        n: how many to choose (all of them when there are fewer).
        embed: texts -> ``(len(texts), dim)`` vectors (the diversity space).
        beta: candidates per chosen unit.
        seed: k-means seed (the choice is deterministic for a seed).

    Returns:
        The chosen units, most uncertain first.
    """
    ranked = sorted(cands, key=lambda c: (-c.uncertainty, c.rec["id"], c.index))
    pool = ranked[:max(n, beta * n)]
    if len(pool) <= n:
        return pool
    from sklearn.cluster import KMeans

    x = np.asarray(embed([c.text for c in pool]), dtype=np.float64)
    weights = np.array([c.uncertainty for c in pool]) + 1e-6
    km = KMeans(n_clusters=n, n_init=3, random_state=seed).fit(x, sample_weight=weights)
    dist = km.transform(x)  # (pool, n): distance of each unit to each centre
    chosen: list[int] = []
    for k in range(n):
        members = np.flatnonzero(km.labels_ == k)
        if len(members):
            chosen.append(int(members[np.argmin(dist[members, k])]))
    taken = set(chosen)  # an empty cluster (possible with duplicate vectors): fill up by uncertainty
    chosen += [i for i in range(len(pool)) if i not in taken][:n - len(chosen)]
    return sorted((pool[i] for i in chosen), key=lambda c: (-c.uncertainty, c.rec["id"], c.index))


def unit_record(c: Candidate, rank: int) -> dict:
    """A one-sentence record in the gold format, pre-filled with the run's predictions (offsets shifted)."""
    rec, s = c.rec, c.rec["sents"][c.index]
    start, end = s["start"], s["end"]

    def inside(items):
        return [{**x, "start": x["start"] - start, "end": x["end"] - start} for x in items or []
                if x["start"] >= start and x["end"] <= end]

    sent = {"start": 0, "end": end - start, "topic": s["topic"], "stance": s["stance"]}
    for key in ("topic_probs", "stance_probs"):
        if s.get(key):
            sent[key] = s[key]
    if s.get("targets"):
        sent["targets"] = inside(s["targets"])
    meta = {"outlet": outlet_of(rec), "report_id": rec["id"], "offset": start,
            "selection": {"uncertainty": c.uncertainty, "rank": rank, "method": METHOD}}
    if rec.get("meta", {}).get("title"):
        meta["title"] = rec["meta"]["title"]
    return {"id": f"{rec['id']}#{c.index}", "source": rec.get("source", ""), "text": rec["text"][start:end],
            "meta": meta, "ents": [{k: e[k] for k in ("start", "end", "label")} for e in inside(rec.get("ents"))],
            "sents": [sent]}


def select_records(records: Iterable[dict], n: int, embed: Callable[[list[str]], np.ndarray] | None = None,
                   beta: int = BETA, seed: int = 0) -> list[dict]:
    """The ``n`` most useful units of ``records`` (a run's annotations), as one-sentence gold-format records.

    ``embed`` defaults to WordLlama sentence vectors (:class:`pipeline.textcat.features.StaticEmbeddings`).
    """
    if embed is None:
        from pipeline.textcat.features import StaticEmbeddings

        embed = StaticEmbeddings(parts=("text",)).embed
    chosen = choose(candidates(records), n, embed, beta, seed)
    return [unit_record(c, k) for k, c in enumerate(chosen, 1)]
