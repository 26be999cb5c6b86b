"""Temperature scaling and ECE: values worked out by hand."""

import math

import numpy as np
import pytest

from pipeline.textcat.calibration import (apply_temperature, cross_fitted, ece, fit_temperature,
                                          low_confidence_share, reliability)


def constant(conf, n, right):
    """``n`` two-class units all predicted class 0 with probability ``conf``; the first ``right`` are class 0."""
    proba = np.tile([conf, 1 - conf], (n, 1))
    y = np.array([0] * right + [1] * (n - right))
    return proba, y


def test_temperature_two_halves_the_log_odds():
    # p ** (1/2) renormalised: sqrt(.8) : sqrt(.2) = 2 : 1
    np.testing.assert_allclose(apply_temperature(np.array([[0.8, 0.2]]), 2.0), [[2 / 3, 1 / 3]])
    np.testing.assert_array_equal(apply_temperature(np.array([[0.8, 0.2]]), 1.0), [[0.8, 0.2]])
    sharp = apply_temperature(np.array([[0.5, 0.3, 0.2]]), 0.5)  # squares: .25 : .09 : .04
    np.testing.assert_allclose(sharp, [[0.25 / 0.38, 0.09 / 0.38, 0.04 / 0.38]])


def test_fitted_temperature_brings_confidence_down_to_accuracy():
    # 90% sure, 70% right: (9 ** (1/T)) / (1 + 9 ** (1/T)) = 0.7  ->  T = ln 9 / ln(7/3)
    proba, y = constant(0.9, 100, 70)
    t = fit_temperature(proba, y)
    assert t == pytest.approx(math.log(9) / math.log(7 / 3), abs=2e-3)
    assert apply_temperature(proba, t)[0, 0] == pytest.approx(0.7, abs=1e-3)
    with pytest.raises(ValueError, match="at least one unit"):
        fit_temperature(np.zeros((0, 2)), np.array([], dtype=int))


def test_ece_weighs_each_bins_gap_by_its_units():
    over, y1 = constant(0.85, 10, 7)    # bin 0.8-0.9: gap |0.7 - 0.85| = 0.15
    under, y2 = constant(0.65, 30, 30)  # bin 0.6-0.7: gap |1.0 - 0.65| = 0.35
    proba, y = np.vstack([over, under]), np.concatenate([y1, y2])
    assert ece(proba, y) == pytest.approx((10 * 0.15 + 30 * 0.35) / 40)
    rows = reliability(proba, y)
    assert [(r["lo"], r["units"], r["accuracy"]) for r in rows] == [(0.6, 30, 1.0), (0.8, 10, 0.7)]
    assert ece(*constant(0.7, 10, 7)) == pytest.approx(0.0)


def test_cross_fitted_calibrates_each_group_with_the_others_temperature():
    a, ya = constant(0.9, 100, 70)   # overconfident: alone it would get T = 2.59
    b, yb = constant(0.9, 100, 90)   # calibrated: T = 1
    out = cross_fitted(np.vstack([a, b]), np.concatenate([ya, yb]), ["a"] * 100 + ["b"] * 100)
    assert out[0, 0] == pytest.approx(0.9, abs=1e-3)   # a gets b's temperature, 1
    assert out[150, 0] == pytest.approx(0.7, abs=1e-3)  # b gets a's, which softens it to 0.7


def test_low_confidence_share_reports_accuracy_on_each_side_of_the_threshold():
    proba = np.array([[0.4, 0.35, 0.25], [0.45, 0.3, 0.25], [0.9, 0.05, 0.05], [0.8, 0.1, 0.1]])
    y = np.array([0, 1, 0, 0])
    assert low_confidence_share(proba, y, 0.5) == {"threshold": 0.5, "share_flagged": 0.5,
                                                   "accuracy_flagged": 0.5, "accuracy_unflagged": 1.0}
    assert low_confidence_share(proba[2:], y[2:], 0.5)["accuracy_flagged"] is None
