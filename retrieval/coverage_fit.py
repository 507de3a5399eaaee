"""Fitting the refusal decision (retrieval/coverage.py): scikit-learn's logistic regression, a cross-validated
threshold, and the figures that say how well it separates questions it was not fitted on.

The threshold is chosen on out-of-fold probabilities (each question scored by a model that never saw it), so the
figures reported for it are honest for a set this small, and it is never chosen on the questions it was fitted on.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.coverage import DEFAULT_FEATURES, CoverageFeatures, CoverageModel

FOLDS = 5
# The fewest marked questions a collection needs before it gets a refusal decision of its own: ten per feature
# fitted (the usual events-per-variable rule for a logistic regression; three features by default) and ten of each
# class, so that every one of the five folds that choose its threshold holds two of each.
MIN_MARKED_QUESTIONS = 30
MIN_PER_CLASS = 10
# Penalty strength (sklearn's C): small sets and correlated features; a firm prior keeps the weights sane.
REGULARISATION_C = 1.0


@dataclass(frozen=True)
class FitReport:
    questions: int
    covered: int
    threshold: float
    refused_uncovered: float  # out of fold: share of uncovered questions refused
    kept_covered: float  # out of fold: share of covered questions answered
    precision_refusal: float  # out of fold: of the questions refused, the share that were uncovered

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in vars(self).items()}


def _logistic(c: float = REGULARISATION_C) -> Any:
    from sklearn.linear_model import LogisticRegression  # fitting only: serving never imports scikit-learn

    return LogisticRegression(C=c, class_weight="balanced", max_iter=1000)


def _standardised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    return (x - means) / scales, means, scales


def out_of_fold(x: np.ndarray, y: np.ndarray, seed: int = 13) -> np.ndarray:
    """Each question's probability from a model fitted on the other folds."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(FOLDS, int(y.sum()), int(len(y) - y.sum()))
    probabilities = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        z, means, scales = _standardised(x[train])
        model = _logistic().fit(z, y[train])
        probabilities[test] = model.predict_proba((x[test] - means) / scales)[:, 1]
    return probabilities


def rates(probabilities: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """(uncovered refused, covered kept, precision of a refusal) at this threshold."""
    refused = probabilities < threshold
    uncovered = y == 0
    refused_uncovered = float((refused & uncovered).sum() / max(uncovered.sum(), 1))
    kept_covered = float((~refused & ~uncovered).sum() / max((~uncovered).sum(), 1))
    precision = float((refused & uncovered).sum() / refused.sum()) if refused.any() else 1.0
    return refused_uncovered, kept_covered, precision


def best_threshold(probabilities: np.ndarray, y: np.ndarray, keep: float | None = None) -> float:
    """With `keep`: the highest threshold that still answers that share of the covered questions. Without: the one
    with the most covered kept plus uncovered refused (Youden's J). On a tie the lower one, because a wrong
    refusal hides an answer the documents hold, where a wrong answer still shows its sources."""
    candidates = sorted({0.5, *np.round(probabilities, 4).tolist()})
    if keep is not None:
        passing = [t for t in candidates if rates(probabilities, y, t)[1] >= keep]
        return max(passing) if passing else min(candidates)
    scored = [(sum(rates(probabilities, y, t)[:2]), -t) for t in candidates]
    return -max(scored)[1]


def frontier(probabilities: np.ndarray, y: np.ndarray, thresholds: tuple[float, ...]) -> list[dict[str, float]]:
    """Both rates at each threshold: what a stricter or looser line would trade."""
    rows = []
    for threshold in thresholds:
        refused, kept, precision = rates(probabilities, y, threshold)
        rows.append(
            {"threshold": threshold, "refused_uncovered": refused, "kept_covered": kept, "precision": precision}
        )
    return rows


def coverage_fit(
    features: list[CoverageFeatures],
    labels: list[bool],
    keep: float | None = None,
    names: tuple[str, ...] = DEFAULT_FEATURES,
) -> tuple[CoverageModel, FitReport, np.ndarray]:
    """Fit on every question; choose the threshold (best_threshold). Returns the model, its out-of-fold figures
    and the out-of-fold probabilities (for a frontier table)."""
    x = np.stack([f.vector(names) for f in features])
    y = np.array(labels, dtype=np.int64)
    if y.sum() < 2 or (len(y) - y.sum()) < 2:
        raise ValueError("need at least two covered and two uncovered questions to fit a refusal decision")
    probabilities = out_of_fold(x, y)
    threshold = best_threshold(probabilities, y, keep)
    z, means, scales = _standardised(x)
    fitted = _logistic().fit(z, y)
    model = CoverageModel(
        means=tuple(means.tolist()),
        scales=tuple(scales.tolist()),
        weights=tuple(fitted.coef_[0].tolist()),
        intercept=float(fitted.intercept_[0]),
        threshold=float(threshold),
        features=names,
    )
    refused, kept, precision = rates(probabilities, y, threshold)
    return model, FitReport(len(y), int(y.sum()), float(threshold), refused, kept, precision), probabilities
