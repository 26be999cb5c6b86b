"""Print one regional article as stored (raw text and meta), for labelling by reading.

Usage: ``python corpus/train/selection/show.py ID [ID ...]`` (ids of ``articles.tsv``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REGIONAL = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "regional"


def find(ids: set[str]):
    for path in sorted(REGIONAL.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            rec = json.loads(line)
            if rec["id"] in ids:
                yield path.name, rec


if __name__ == "__main__":
    for name, rec in find(set(sys.argv[1:])):
        print(f"=== {rec['id']}  (source: ../shared/corpus/regional/{name})")
        print("meta:", json.dumps(rec["meta"], ensure_ascii=False))
        print("--- raw text (repr of each line, so that spaces and breaks show) ---")
        for i, ln in enumerate(rec["text"].split("\n"), 1):
            print(f"{i:4d} {ln!r}")
