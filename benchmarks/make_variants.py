"""Benchmark inputs at 0.1x, 1x and 10x the real unlabelled corpus, as JSONL.

1x is the real corpus: every article of ``/work/shared/corpus/unlabelled/*.jsonl``
(about 1,557 articles, 8.8 MB of text), files read in name order.

0.1x is every 10th article of 1x (a systematic sample, so all four sources stay in).

10x is 1x and nine *distinct variants* of every article, so that the clean
stage's corpus-wide near-duplicate detection (MinHash of word 5-shingles,
Jaccard >= 0.8 by default: ``stages.clean.corpus_threshold``) does not collapse
them. Variant ``k`` (1..9) of an article is made deterministically (a
``random.Random`` seeded with the id and ``k``):

1. *Word substitution, by word type*: each distinct word of the article
   (``[^\W\d_]+``, letters only) is, with probability ``--replace`` (0.2),
   mapped to a word drawn from the whole corpus's words of the same shape
   (Capitalised, lower, UPPER), weighted by frequency; the article's every
   occurrence of that word gets the same substitute. Numbers, punctuation,
   whitespace and layout are untouched.
2. *Id*: ``<id>~v<k>``; ``meta.variant = k``.

Substituting by type, not by occurrence, keeps what the clean stage removes
inside an article: a paragraph repeated, or repeated as a shorter tail (the
Tehran Times texts hold such cascades, 35% of their words), stays a repeat in
the variant. (A first version replaced 30% of occurrences independently and
shuffled sentences: the repeats then survived cleaning and a variant cost twice
an original per raw word, so time per word at 10x was not comparable.)
Across articles, a 5-shingle survives when none of its five words was
substituted: about 0.8 ** 5 = 0.33 of them, so an article and its variant share
about 0.33 / (2 - 0.33) = 20% of their shingles, far below 0.8 (the benchmark
checks ``counts.clean.duplicate_report`` in the manifest). The texts keep their
length, layout, punctuation and word frequencies, so spaCy's cost per word is
about that of the originals; bench_pipeline.py measures that too (variant 1
against the originals on 0.1x).

``3x`` is the first three 10x shards (the originals, variants 1 and 2): a
measured subset of 10x. ``0.1x_x10`` applies the same scheme to the 0.1x sample (156 articles and nine
variants of each: 1,560 reports), a cheaper check of dedup and of growth with
the number of reports when 10x takes too long.

The 10x corpus is written as ten shard files (shard ``k`` holds variant ``k``
of every article, shard 0 the originals), each about the size of 1x, because
the ingest stage reads a whole file before yielding its reports (see
RESULTS.md).

Usage::

    python benchmarks/make_variants.py [--out /tmp/irnlp_bench/inputs] [--replace 0.2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path

UNLABELLED = Path("/work/shared/corpus/unlabelled")
WORD_RE = re.compile(r"[^\W\d_]+")


def read_corpus(src: Path = UNLABELLED) -> list[dict]:
    """Every record of ``src/*.jsonl`` (files in name order, lines in file order)."""
    recs = []
    for f in sorted(src.glob("*.jsonl")):
        with f.open(encoding="utf-8") as fh:
            recs += [json.loads(line) for line in fh if line.strip()]
    return recs


def shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "upper"
    if word[0].isupper():
        return "title"
    return "lower"


class WordPool:
    """Corpus words by shape, drawn by frequency (cumulative weights, bisect in ``random.choices``)."""

    def __init__(self, texts: list[str]):
        counts: dict[str, Counter] = {"upper": Counter(), "title": Counter(), "lower": Counter()}
        for t in texts:
            for w in WORD_RE.findall(t):
                counts[shape(w)][w] += 1
        self.words, self.cum = {}, {}
        for s, c in counts.items():
            words, weights = zip(*sorted(c.items()))
            total, cum = 0, []
            for x in weights:
                total += x
                cum.append(total)
            self.words[s], self.cum[s] = list(words), cum

    def draw(self, rng: random.Random, like: str) -> str:
        s = shape(like)
        return rng.choices(self.words[s], cum_weights=self.cum[s])[0]


def substitution(text: str, rng: random.Random, pool: WordPool, rate: float) -> dict[str, str]:
    """``{word: substitute}`` for about ``rate`` of the distinct words of ``text`` (sorted first: deterministic)."""
    out = {}
    for w in sorted(set(WORD_RE.findall(text))):
        if rng.random() < rate:
            out[w] = pool.draw(rng, w)
    return out


def variant(rec: dict, k: int, pool: WordPool, rate: float) -> dict:
    """Variant ``k`` (>= 1) of a record: ``rate`` of its word types substituted, consistently."""
    seed = int.from_bytes(hashlib.sha256(f"{rec['id']}~{k}".encode()).digest()[:8], "big")
    sub = substitution(rec["text"], random.Random(seed), pool, rate)
    text = WORD_RE.sub(lambda m: sub.get(m.group(), m.group()), rec["text"])
    return {"id": f"{rec['id']}~v{k}", "text": text, "meta": {**(rec.get("meta") or {}), "variant": k}}


def write_jsonl(path: Path, recs) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def build(out: Path, rate: float = 0.2, copies: int = 10) -> dict[str, list[Path]]:
    """Write the inputs; returns ``{scale: [files]}``.

    Scales: ``0.1x``, ``1x``, ``10x``; ``0.1x_v1`` (variant 1 of the 0.1x articles);
    ``0.1x_x10`` (the 0.1x articles and their nine variants: the 10x scheme on the
    sample, about the size of 1x, as ten shards).
    """
    recs = read_corpus()
    pool = WordPool([r["text"] for r in recs])
    sample = recs[::10]
    files = {"1x": [out / "1x" / "corpus.jsonl"], "0.1x": [out / "0.1x" / "corpus.jsonl"],
             "0.1x_v1": [out / "0.1x_v1" / "corpus.jsonl"], "10x": [], "0.1x_x10": []}
    write_jsonl(files["1x"][0], recs)
    write_jsonl(files["0.1x"][0], sample)
    write_jsonl(files["0.1x_v1"][0], (variant(r, 1, pool, rate) for r in sample))
    for k in range(copies):
        path = out / "10x" / f"shard-{k:02d}.jsonl"
        write_jsonl(path, recs if k == 0 else (variant(r, k, pool, rate) for r in recs))
        files["10x"].append(path)
        path = out / "0.1x_x10" / f"shard-{k:02d}.jsonl"
        write_jsonl(path, sample if k == 0 else (variant(r, k, pool, rate) for r in sample))
        files["0.1x_x10"].append(path)
    # 3x: the first three 10x shards (originals, variants 1 and 2), linked, for when 10x takes too long.
    (out / "3x").mkdir(parents=True, exist_ok=True)
    files["3x"] = []
    for path in files["10x"][:3]:
        link = out / "3x" / path.name
        link.unlink(missing_ok=True)
        link.symlink_to(path)
        files["3x"].append(link)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/irnlp_bench/inputs")
    ap.add_argument("--replace", type=float, default=0.2, help="share of word types substituted in a variant")
    ap.add_argument("--copies", type=int, default=10, help="10x = the originals and copies-1 variants")
    a = ap.parse_args()
    for scale, paths in build(Path(a.out), a.replace, a.copies).items():
        size = sum(p.stat().st_size for p in paths)
        print(f"{scale}: {len(paths)} file(s), {size / 1e6:.1f} MB under {paths[0].parent}")


if __name__ == "__main__":
    main()
