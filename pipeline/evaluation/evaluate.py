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


def evaluate(gold_path: str | Path, pred_path: str | Path, out_dir: str | Path | None = None,
             baseline: bool = False, model: str = DEFAULT_MODEL) -> dict:
    """Score ``pred_path`` against ``gold_path``; write metrics.json, report.md and PNGs to ``out_dir``.

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
    metrics.update(aggregate([score_report(p.gold, p.pred, p.by) for p in pairs]))
    if baseline:
        base, labels = baseline_records(gold, model)
        metrics["baseline"] = {"system": f"spaCy {model} on the raw text; every sentence "
                                         f"{labels['topic']}/{labels['stance']} (majority gold labels)",
                               "labels": labels,
                               **aggregate([score_report(g, b) for g, b in zip(gold, base)])}
    if out_dir is not None:
        write_outputs(metrics, Path(out_dir))
    return metrics
