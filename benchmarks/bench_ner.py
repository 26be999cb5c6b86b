"""Throughput of the ner stage against plain spaCy on the same texts.

Both sides run the same model over the same texts with ``nlp.pipe`` and the
same batch size: plain spaCy (a fresh ``spacy.load``, no project components)
against the project's segment + ner stages (the shared pipeline with the
boundary, pattern, anchor and rule components, then the ner stage's
per-report work: canonical names and the entity list). The target is a ratio
of at least 0.8. Writes the result under "## NER" in benchmarks/RESULTS.md.

Usage::

    python benchmarks/bench_ner.py [--limit 300] [--repeat 2] [--no-write]

Texts: the first ``--limit`` articles of /work/shared/corpus/unlabelled/*.jsonl
(or ``--texts FILE.jsonl`` with a ``text`` field), one warm-up pass first.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pipeline.runner import load_config  # noqa: E402
from pipeline.document import Document  # noqa: E402
from pipeline.runner import build_stages, chain  # noqa: E402
from pipeline.stages.base import Context  # noqa: E402

UNLABELLED = [Path("/work/shared/corpus/unlabelled"), ROOT.parent / "shared" / "corpus" / "unlabelled"]


def read_texts(path: str | None, limit: int) -> list[str]:
    files = [Path(path)] if path else sorted(next((d for d in UNLABELLED if d.exists()), UNLABELLED[0]).glob("*.jsonl"))
    texts: list[str] = []
    for f in files:
        for line in f.open(encoding="utf-8"):
            texts.append(json.loads(line)["text"])
    # interleave sources so a small limit still mixes them
    return texts[::max(1, len(texts) // limit)][:limit] if limit else texts


def time_plain(texts: list[str], model: str, batch: int) -> float:
    import spacy

    nlp = spacy.load(model)
    list(nlp.pipe(texts[:20], batch_size=batch))  # warm-up
    t0 = time.perf_counter()
    n = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=batch))
    assert n >= 0
    return time.perf_counter() - t0


def time_irnlp(texts: list[str], config: str) -> tuple[float, int]:
    cfg = load_config(ROOT / config, ["run.progress=off"])
    cfg.stages = [s for s in cfg.stages if s.name in ("segment", "ner")]
    ctx = Context(config=cfg, out_dir=Path("/tmp"))
    stages = build_stages(cfg, ctx)
    warm = [Document(f"w{i}", "", t) for i, t in enumerate(texts[:20])]
    list(chain(stages, warm))
    docs = [Document(f"d{i}", "", t) for i, t in enumerate(texts)]
    t0 = time.perf_counter()
    n = sum(len(d.ents) for d in chain(stages, docs))
    return time.perf_counter() - t0, n


def write_results(section: str) -> None:
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## NER\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", help="JSONL file with a text field (default: the unlabelled corpus)")
    ap.add_argument("--limit", type=int, default=300, help="number of texts (0: all)")
    ap.add_argument("--repeat", type=int, default=2, help="timed passes of each side; the best is kept")
    ap.add_argument("--config", default="config/default.toml")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--accuracy", nargs="*", default=["corpus/gold/seed.jsonl", "corpus/gold/similar.jsonl"],
                    help="gold files to score the stages on (their clean text), beside plain spaCy")
    args = ap.parse_args()
    texts = read_texts(args.texts, args.limit)
    cfg = load_config(ROOT / args.config)
    batch = cfg.run.batch_size
    chars = sum(map(len, texts))
    plain = min(time_plain(texts, cfg.run.model, batch) for _ in range(args.repeat))
    ours, n_ents = min((time_irnlp(texts, args.config) for _ in range(args.repeat)), key=lambda x: x[0])
    ratio = plain / ours
    lines = [
        "## NER",
        "",
        f"`python benchmarks/bench_ner.py --limit {args.limit} --repeat {args.repeat}`: {len(texts)} texts of the "
        f"unlabelled corpus, {chars / 1e6:.2f} M characters, model `{cfg.run.model}`, batch size {batch}, "
        f"best of {args.repeat} passes after a warm-up, {platform.processor() or platform.machine()}.",
        "",
        "| pipeline | seconds | texts/s | k chars/s |",
        "|---|---|---|---|",
        f"| plain `nlp.pipe` | {plain:.2f} | {len(texts) / plain:.1f} | {chars / plain / 1e3:.0f} |",
        f"| irnlp segment + ner stages | {ours:.2f} | {len(texts) / ours:.1f} | {chars / ours / 1e3:.0f} |",
        "",
        f"Throughput ratio irnlp / plain: **{ratio:.2f}** (target >= 0.80); {n_ents} entities found.",
        "The machine (2 cores) is shared with other jobs, so absolute speeds vary from run to run; both sides "
        "are timed in the same run, and the ratio is what to compare.",
        "",
    ]
    if args.accuracy:
        from ner_gold import report, score_file

        lines += ["### Accuracy on the gold clean text",
                  "",
                  "`python benchmarks/ner_gold.py <gold> --markdown`: the segment and ner stages run on each gold "
                  "record's `text` (so repair and clean play no part); strict = start, end and label all equal. "
                  "Plain spaCy = `nlp(text)` of the same model without the project's components.", ""]
        for path in args.accuracy:
            ours, base = score_file(str(ROOT / path), cfg.run.model)
            lines.append(report(path, ours, base, markdown=True).lstrip("\n"))
            lines.append("")
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    main()
