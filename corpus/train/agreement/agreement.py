"""Inter-annotator agreement: first pass (``corpus/train/src/<id>.txt``) against an independent
second pass (``corpus/train/agreement/second/<id>.txt``) of the same articles.

The two passes may clean an article differently, so they are compared the way ``irnlp
evaluate`` compares a prediction with gold (:func:`pipeline.evaluation.scorer.score_report`):
the second pass's text is aligned to the first's character by character, its sentences
are paired with the first's, and its entities are mapped into the first's offsets.

Reported per task, over the units both passes have:
- topic and stance: accuracy (observed agreement) and Cohen's kappa
  (scikit-learn ``cohen_kappa_score``; Cohen 1960), plus the confusion of labels;
- entities: strict micro precision/recall/F1 of the second pass against the first
  (nervaluate; F1 is symmetric in the two passes), and per label;
- units: share of first-pass units the second pass also has as one unit (exact span);
- targets: share of paired targets with the same stance.

Usage: ``python corpus/train/agreement/agreement.py`` (from the repository root) prints a
Markdown report and writes ``agreement.json`` next to this script.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "corpus" / "gold"))
import build_gold  # noqa: E402

from pipeline.evaluation.scorer import MISSED, aggregate, score_report  # noqa: E402

HERE = Path(__file__).resolve().parent
FIRST = ROOT / "corpus" / "train" / "src"
SECOND = HERE / "second"


def compile_file(path: Path) -> dict:
    reports: dict = {}
    build_gold.parse_file(path, reports)
    (rep,) = reports.values()
    return build_gold.assemble(rep)


def main() -> dict:
    pairs = [(compile_file(FIRST / p.name), compile_file(p)) for p in sorted(SECOND.glob("*.txt"))
             if (FIRST / p.name).exists()]
    scores = [score_report(a, b) for a, b in pairs]
    agg = aggregate(scores)
    out: dict = {"articles": len(pairs), "outlets": dict(Counter(a["meta"].get("outlet") for a, _ in pairs))}
    for task in ("topic", "stance"):
        t = [x for s in scores for x in getattr(s, f"{task}_true")]
        p = [x for s in scores for x in getattr(s, f"{task}_pred")]
        both = [(a, b) for a, b in zip(t, p) if b != MISSED]
        ta, pa = [a for a, _ in both], [b for _, b in both]
        out[task] = {"units_first": len(t), "units_paired": len(both),
                     "accuracy": round(sum(a == b for a, b in both) / len(both), 4),
                     "kappa": round(float(cohen_kappa_score(ta, pa)), 4),
                     "disagreements": Counter(f"{a} -> {b}" for a, b in both if a != b).most_common(12)}
    out["entities"] = {"strict_p": agg["ents_p"], "strict_r": agg["ents_r"], "strict_f": agg["ents_f"],
                       "per_label_strict_f": {lab: v["f"] for lab, v in agg["ents_per_type"].items()}}
    out["units"] = {k: sum(s.sents[k] for s in scores) for k in ("gold", "pred", "paired", "exact")}
    out["targets"] = {k: sum(s.targets[k] for s in scores) for k in ("gold", "paired", "same_stance")}
    out["text"] = {"first_kept_by_second": agg.get("text_gold_kept"), "second_not_in_first": agg.get("text_pred_extra")}
    (HERE / "agreement.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_disagreements(pairs)
    return out


def write_disagreements(pairs: list[tuple[dict, dict]]) -> None:
    """``disagreements.md``: every paired unit whose topic or stance differs, for harmonising the rules."""
    from pipeline.evaluation.align import align
    from pipeline.evaluation.scorer import pair_sentences

    lines = ["# Units the two passes labelled differently", "",
             "first pass -> second pass; written by agreement.py before any harmonisation.", ""]
    for a, b in pairs:
        rows = []
        for gs, j in zip(a["sents"], pair_sentences(a, b, align(a["text"], b["text"]))):
            if j is None:
                continue
            ps = b["sents"][j]
            if (gs["topic"], gs["stance"]) != (ps["topic"], ps["stance"]):
                rows.append(f"- {gs['topic']} {gs['stance']} -> {ps['topic']} {ps['stance']}: "
                            f"{a['text'][gs['start']:gs['end']]}")
        if rows:
            lines += [f"## {a['id']} ({a['meta'].get('batch')} / {b['meta'].get('batch')})", "", *rows, ""]
    (HERE / "disagreements.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    res = main()
    print(json.dumps(res, indent=2, ensure_ascii=False))
