import numpy as np
import pytest

from retrieval.calibration import fit_platt, suggest_threshold


def test_platt_fit_recovers_a_known_mapping() -> None:
    rng = np.random.default_rng(3)
    logits = rng.uniform(-12, 10, 40_000)
    labels = (rng.uniform(0, 1, logits.size) < 1 / (1 + np.exp(-(0.6 * logits - 2.0)))).astype(float)
    a, b = fit_platt(logits, labels)
    assert a == pytest.approx(0.6, abs=0.05)
    assert b == pytest.approx(-2.0, abs=0.15)


def test_platt_fit_stays_finite_on_separable_data() -> None:
    logits = np.array([-11.0, -10.5, -9.0, 4.0, 6.0, 9.0])
    a, b = fit_platt(logits, np.array([0, 0, 0, 1, 1, 1.0]))
    assert np.isfinite([a, b]).all() and a > 0


def test_the_suggested_threshold_is_the_highest_keeping_enough_recall() -> None:
    rows = [{"threshold": 0.1, "recall": 0.95}, {"threshold": 0.2, "recall": 0.91}, {"threshold": 0.3, "recall": 0.7}]
    assert suggest_threshold(rows, min_recall=0.9) == 0.2
