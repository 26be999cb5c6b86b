"""``irnlp evaluate``: score a prediction file against a gold file, optionally beside the baseline,
and write the report.

Outputs in the chosen folder: ``metrics.json`` (flat spaCy-like keys plus
``detail``), ``report.md`` and confusion-matrix PNGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import FormatError
from pipeline.evaluation.baseline import baseline_records
from pipeline.evaluation.report import write_outputs
from pipeline.evaluation.scorer import DEFAULT_MODEL, aggregate, load_records, pair_records, score_report


BY_ROWS = ("ents_f", "sents_f", "topic_acc", "topic_macro_f", "stance_acc", "stance_macro_f", "text_pred_extra")


def group_of(pair, key: str) -> str:
    """The value of ``meta[key]`` of a pair's gold record (else its prediction's), as text; ``"?"`` if neither has it."""
    for rec in (pair.gold, pair.pred or {}):
        value = (rec.get("meta") or {}).get(key)
        if value not in (None, ""):
            return str(value)
    return "?"


def breakdown(pairs, scores, key: str) -> dict[str, dict[str, Any]]:
    """The flat metrics of each group of reports that share ``meta[key]`` (e.g. ``outlet``), largest first."""
    groups: dict[str, list] = {}
    for p, s in zip(pairs, scores):
        groups.setdefault(group_of(p, key), []).append(s)
    out = {}
    for value, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        agg = aggregate(group)
        out[value] = {"reports": len(group), "sentences": agg["detail"]["sents"]["gold"],
                      **{k: agg[k] for k in BY_ROWS}}
    return out


def evaluate(gold_path: str | Path, pred_path: str | Path, out_dir: str | Path | None = None,
             baseline: bool = False, model: str = DEFAULT_MODEL, by: str | None = None) -> dict:
    """Score ``pred_path`` against ``gold_path``; write metrics.json, report.md and PNGs to ``out_dir``.

    ``by``: a ``meta`` key (``outlet``, ``date``...): the flat scores are also given per value of it,
    under ``metrics["by"][key]``, so users see which sources the pipeline serves worst.

    Returns:
        The metrics (as written to ``metrics.json``).

    Raises:
        FormatError: a file breaks the format, or no gold record has a prediction.
        InputError, ModelError: with ``baseline``, a raw file or the spaCy model is missing.
    """
    gold, pred = load_records(gold_path), load_records(pred_path)
    pairs, unmatched = pair_records(gold, pred)
    if all(p.pred is None for p in pairs):
        raise FormatError(f"{pred_path}: no record matches a gold record of {gold_path} by id or source file name; "
                          f"check that both files describe the same reports")
    metrics: dict[str, Any] = {
        "gold": str(gold_path), "pred": str(pred_path), "reports": len(pairs),
        "missing_pred": [p.gold["id"] for p in pairs if p.pred is None], "unmatched_pred": unmatched,
    }
    scores = [score_report(p.gold, p.pred, p.by) for p in pairs]
    metrics.update(aggregate(scores))
    if by:
        metrics["by"] = {by: breakdown(pairs, scores, by)}
    if baseline:
        base, labels = baseline_records(gold, model)
        metrics["baseline"] = {"system": f"spaCy {model} on the raw text; every sentence "
                                         f"{labels['topic']}/{labels['stance']} (majority gold labels)",
                               "labels": labels,
                               **aggregate([score_report(g, b) for g, b in zip(gold, base)])}
    if out_dir is not None:
        write_outputs(metrics, Path(out_dir))
    return metrics
