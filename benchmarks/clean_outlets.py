"""Clean text on the hand-cleaned whole articles of the regional outlets, per outlet.

The 78 regional articles of ``corpus/train/train.jsonl`` that were labelled whole (``meta.cut`` null)
have a clean text written by hand from the raw page, without pre-fill. Their raw records in
``../shared/corpus/regional/`` go through the pipeline's ``ingest``, ``repair`` and ``clean`` stages
(default config, nothing else), and each output text is aligned with the hand-cleaned one as
``irnlp evaluate`` does (:func:`pipeline.evaluation.align.align`): **kept** = share of the gold's
non-space characters found in the output, **extra** = share of the output's non-space characters not in
the gold. Pooled over characters, per outlet and over all.

The boilerplate rules were not written from these outlets' pages, but the last sessions fixed cases
seen on them (Kremlin titles with no-break spaces, datelines): treat the figures as "outlets the rules
were mostly not built from", not as a clean hold-out.

Usage (from the repository root)::

    python benchmarks/clean_outlets.py [--regional ../shared/corpus/regional] [--out FILE.json] [--show N]

``--show N`` prints the N largest differing passages (missing gold text and extra output text).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluation.align import align  # noqa: E402
from pipeline.io import read_jsonl  # noqa: E402
from pipeline.runner import build_stages, chain, load_config  # noqa: E402
from pipeline.stages.base import Context  # noqa: E402

DATA = ROOT / "corpus/train/train.jsonl"


def whole_articles(data: Path) -> list[dict]:
    """Labelled regional records cleaned whole by hand (``meta.cut`` present and null)."""
    return [r for _, r in read_jsonl(data) if "cut" in r.get("meta", {}) and r["meta"]["cut"] is None]


def clean_texts(raw: list[dict]) -> dict[str, str]:
    """``{id: clean text}`` from the default config's ingest, repair and clean stages."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "raw.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in raw), encoding="utf-8")
        keep = {"ingest", "repair", "clean"}
        config = load_config(ROOT / "config/default.toml",
                             [f"stages.ingest.paths={json.dumps([str(src)])}",
                              "stages.clean.corpus_duplicates=false",
                              *(f"stages.{s}.enabled=false" for s in
                                ("language", "segment", "ner", "classify", "write") if s not in keep)])
        ctx = Context(config=config, out_dir=Path(tmp))
        return {d.id: d.text for d in chain(build_stages(config, ctx))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regional", default=str(ROOT.parent / "shared/corpus/regional"))
    ap.add_argument("--out", default="")
    ap.add_argument("--show", type=int, default=0)
    a = ap.parse_args()
    gold = whole_articles(DATA)
    raw = {r["id"]: r for f in sorted(Path(a.regional).glob("*.jsonl")) for _, r in read_jsonl(f)}
    missing = [g["id"] for g in gold if g["id"] not in raw]
    if missing:
        sys.exit(f"{a.regional}: no raw record for {len(missing)} labelled articles ({missing[0]}, ...); "
                 f"pass --regional with the folder of the regional corpus")
    out = clean_texts([raw[g["id"]] for g in gold])
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    passages = []
    for g in gold:
        al = align(g["text"], out.get(g["id"], ""))
        st = al.text_stats()
        for key in (g["meta"]["outlet"], "all"):
            s = sums[key]
            s["reports"] += 1
            s["gold_chars"] += st["gold_chars"]
            s["pred_chars"] += st["pred_chars"]
            s["kept"] += st["gold_kept"] * st["gold_chars"]
            s["extra"] += st["pred_extra"] * st["pred_chars"]
        passages += [(g["id"], p) for p in al.passages(width=200)]
    res = {o: {"reports": int(s["reports"]), "gold_chars": int(s["gold_chars"]),
               "kept": round(s["kept"] / s["gold_chars"], 4) if s["gold_chars"] else None,
               "extra": round(s["extra"] / s["pred_chars"], 4) if s["pred_chars"] else None}
           for o, s in sorted(sums.items(), key=lambda kv: -kv[1]["gold_chars"])}
    print("| outlet | reports | gold chars | kept | extra |\n|---|---|---|---|---|")
    for o, r in res.items():
        print(f"| {o} | {r['reports']} | {r['gold_chars']} | {r['kept']:.3f} | {r['extra']:.3f} |")
    if a.show:
        size = lambda p: max(len(p["gold"]), len(p["pred"]))  # noqa: E731
        for rid, p in sorted(passages, key=lambda x: -size(x[1]))[:a.show]:
            print(f"\n{rid}\n  gold: {p['gold']!r}\n  pred: {p['pred']!r}")
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
