"""How far the classifiers' probabilities can be trusted, and temperature scaling to make them trustworthy.

Probabilities are ``(n_units, n_classes)`` arrays whose rows sum to 1; ``y`` holds the column index of
each unit's true class. A class-weighted logistic regression over-states the rare classes and, on an
outlet it never saw, is more sure than it is right; one temperature per task, fitted on predictions for
held-out outlets, corrects the confidence without changing any predicted label.

Sources: temperature scaling, Guo, Pleiss, Sun & Weinberger (2017), "On Calibration of Modern Neural
Networks", ICML; expected calibration error (ECE) over equal-width confidence bins, Naeini, Cooper &
Hauskrecht (2015), AAAI, in the form of Guo et al.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

EPS = 1e-12
BINS = 10
TEMPERATURE_RANGE = (0.05, 20.0)
LOW_CONFIDENCE = 0.5  # default threshold of the low-confidence flag (classify stage; reported by train)


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rescale probabilities as ``softmax(log(p) / T)``: ``T > 1`` softens, ``T < 1`` sharpens, ``T = 1``
    returns them unchanged. The argmax of each row is kept. Shape ``(n, k)`` in, ``(n, k)`` out."""
    proba = np.asarray(proba, dtype=float)
    if temperature == 1.0 or proba.size == 0:
        return proba
    logits = np.log(np.clip(proba, EPS, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def nll(proba: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes (natural log)."""
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], EPS, 1.0))))


def fit_temperature(proba: np.ndarray, y: np.ndarray) -> float:
    """The temperature in :data:`TEMPERATURE_RANGE` that minimises the negative log-likelihood of ``y``.

    Raises:
        ValueError: no units.
    """
    y = np.asarray(y)
    if len(y) == 0:
        raise ValueError("fit_temperature needs at least one unit")
    res = minimize_scalar(lambda t: nll(apply_temperature(proba, t), y), bounds=TEMPERATURE_RANGE,
                          method="bounded", options={"xatol": 1e-4})
    return round(float(res.x), 4)


def reliability(proba: np.ndarray, y: np.ndarray, bins: int = BINS) -> list[dict]:
    """The reliability diagram as rows: for each confidence bin ``(lo, hi]`` (the first includes 0) that
    holds units, their number, mean confidence (best probability) and accuracy."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y)
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == y
    which = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        m = which == b
        if m.any():
            rows.append({"lo": b / bins, "hi": (b + 1) / bins, "units": int(m.sum()),
                         "confidence": round(float(conf[m].mean()), 4), "accuracy": round(float(right[m].mean()), 4)})
    return rows


def ece(proba: np.ndarray, y: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: the unit-weighted mean of ``|accuracy - confidence|`` over the
    equal-width confidence bins (0: confidence means accuracy; 0.2: off by 20 points on average)."""
    rows = reliability(proba, y, bins)
    n = sum(r["units"] for r in rows)
    return round(sum(r["units"] * abs(r["accuracy"] - r["confidence"]) for r in rows) / n, 4) if n else 0.0


def cross_fitted(proba: np.ndarray, y: np.ndarray, groups: list[str]) -> np.ndarray:
    """Calibrate each group's probabilities with a temperature fitted on the other groups only, so that
    the calibrated scores of a group (an outlet) owe nothing to its own labels."""
    proba, y, groups = np.asarray(proba, dtype=float), np.asarray(y), np.asarray(groups)
    out = proba.copy()
    for g in np.unique(groups):
        m = groups == g
        if (~m).any():
            out[m] = apply_temperature(proba[m], fit_temperature(proba[~m], y[~m]))
    return out


def low_confidence_share(proba: np.ndarray, y: np.ndarray, threshold: float) -> dict:
    """What the low-confidence flag (best probability below ``threshold``) means on these units: the
    share flagged and the accuracy of flagged and unflagged units (None where there are none)."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y)
    low = proba.max(axis=1) < threshold
    right = proba.argmax(axis=1) == y

    def acc(mask):
        return round(float(right[mask].mean()), 4) if mask.any() else None

    return {"threshold": threshold, "share_flagged": round(float(low.mean()), 4) if len(y) else 0.0,
            "accuracy_flagged": acc(low), "accuracy_unflagged": acc(~low)}
