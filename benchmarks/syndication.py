"""How the corpus deduplication separates syndicated copies from distinct reports on the same event.

Runs the clean stage's ``CorpusDeduper`` candidate step (MinHash LSH at Jaccard ``--threshold``) over
the reports of the given JSONL files (their ``text``, as stored) and prints, for every candidate pair,
the word-level similarity the verification step computes, as a histogram, with examples in each band,
so that the threshold ``stages.clean.corpus_similarity`` can be chosen by reading them.

Usage: ``python benchmarks/syndication.py ../shared/corpus/unlabelled/*.jsonl [--threshold 0.5] [--examples 3]``
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from rapidfuzz.distance import Indel

from pipeline.stages.clean.dedup import SignatureIndex, normalise, signature


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--min-words", type=int, default=50)
    ap.add_argument("--examples", type=int, default=3)
    a = ap.parse_args()
    index, words, titles = SignatureIndex(a.threshold, 128), {}, {}
    bands: dict[float, list] = defaultdict(list)
    for path in a.files:
        for line in open(path, encoding="utf-8"):
            rec = json.loads(line)
            w = normalise(rec["text"]).split()
            if len(w) < a.min_words:
                continue
            sig = signature(w, 5, 128)
            for other, jac in index.query(sig):
                sim = Indel.normalized_similarity(w[:500], words[other][:500])
                bands[min(int(sim * 10) / 10, 0.9)].append((round(sim, 3), round(jac, 3), rec["id"], other))
            index.insert(rec["id"], sig)
            words[rec["id"]], titles[rec["id"]] = w, (rec.get("meta") or {}).get("title") or rec["text"][:80]
    print(f"{len(words)} reports; candidate pairs (LSH, Jaccard >= {a.threshold}) by word-level similarity:")
    for band in sorted(bands):
        pairs = sorted(bands[band], reverse=True)
        print(f"  [{band:.1f}, {band + 0.1 if band < 0.9 else 1.0:.1f}): {len(pairs)} pairs")
        for sim, jac, x, y in pairs[: a.examples]:
            print(f"      {sim:.3f} (Jaccard {jac:.2f})  {x}: {titles[x][:60]!r}  ~  {y}: {titles[y][:60]!r}")


if __name__ == "__main__":
    main()
