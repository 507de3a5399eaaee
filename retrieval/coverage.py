"""Do the documents cover the question? A small calibrated model over features of the reranked pool.

One calibrated probability from the cross-encoder separates answerable from uncovered questions poorly (AUC ~0.7
on the demo): it cannot tell "about the topic" from "answers it". Other signals see what it misses: how far the
best passage stands above the rest, how many of the question's content words the best evidence holds, and the
bi-encoder's similarity. A logistic regression over them, fitted offline (manage.py calibrate_coverage on a
labelled question set, or calibrate_reranker --collection on a collection's own marks), decides; its threshold
travels with it. Serving needs only numpy: the fit is stored as plain numbers.
"""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.context import Scored
from retrieval.terms import content_terms, term_share

FEATURES = ("best_logit", "gap", "evidence_terms", "chunk_terms", "dense_similarity", "top3_logit", "other_logit")
# The ones a fit uses unless told otherwise: the best of each size by cross-validation within
# calibration/coverage-set (docs/retrieval.md). A fit transfers to other collections poorly, so it is meant to be
# fitted on the collection it serves. All are computed and stored with each answer, so a refit may use any.
DEFAULT_FEATURES = ("best_logit", "top3_logit", "other_logit")
NO_OTHER_LOGIT = -12.0  # about the lowest logit the shipped cross-encoder gives: nothing of another document


@dataclass(frozen=True)
class CoverageFeatures:
    best_logit: float  # the best candidate's reranker logit (its best window's)
    gap: float  # how far it stands above the best candidate of another document
    evidence_terms: float  # share of the question's content words in the best evidence window
    chunk_terms: float  # share of them in the best candidate's whole chunk
    dense_similarity: float  # the bi-encoder's best cosine similarity in the pool
    top3_logit: float  # mean logit of the three best candidates: many near misses, or one real hit
    other_logit: float  # the best logit of another document than the best candidate's (-12 when none)

    def vector(self, names: tuple[str, ...] = FEATURES) -> np.ndarray:
        return np.array([getattr(self, name) for name in names], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 5) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> "CoverageFeatures":
        return cls(**{name: float(data[name]) for name in FEATURES})


def pool_features(question: str, pool: list[Scored]) -> CoverageFeatures | None:
    """The features of a reranked pool (None when nothing was scored)."""
    scored = sorted((c for c in pool if c.logit is not None), key=lambda c: -(c.logit or 0.0))
    if not scored:
        return None
    best = scored[0]
    others = [c.logit or 0.0 for c in scored if c.document_id != best.document_id] or [NO_OTHER_LOGIT]
    evidence = best.text
    if best.window_start is not None and best.window_end is not None:
        evidence = best.text[best.window_start : best.window_end]
    terms = content_terms(question)
    similarities = [c.dense_similarity for c in pool if c.dense_similarity is not None]
    logits = [c.logit or 0.0 for c in scored[:3]]
    return CoverageFeatures(
        best_logit=float(best.logit or 0.0),
        gap=float((best.logit or 0.0) - others[0]),
        evidence_terms=term_share(terms, evidence),
        chunk_terms=term_share(terms, best.text),
        dense_similarity=max(similarities, default=0.0),
        top3_logit=float(sum(logits) / len(logits)),
        other_logit=float(others[0]),
    )


@dataclass(frozen=True)
class CoverageModel:
    """A logistic regression on standardised features, and the threshold on its probability that says covered."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    features: tuple[str, ...] = DEFAULT_FEATURES

    def probability(self, features: CoverageFeatures) -> float:
        x = (features.vector(self.features) - np.array(self.means)) / np.array(self.scales)
        z = float(x @ np.array(self.weights) + self.intercept)
        return 0.5 * (1.0 + math.tanh(0.5 * z))

    def covers(self, features: CoverageFeatures) -> bool:
        return self.probability(features) >= self.threshold

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CoverageModel":
        """A stored fit; one for features this code does not compute is refused with a message, not misread."""
        features = tuple(str(name) for name in data.get("features", DEFAULT_FEATURES))
        if not set(features) <= set(FEATURES) or len(data["weights"]) != len(features):
            raise ValueError(f"a coverage model for unknown features {features} (known: {FEATURES}): refit it")
        return cls(
            means=tuple(float(x) for x in data["means"]),
            scales=tuple(float(x) for x in data["scales"]),
            weights=tuple(float(x) for x in data["weights"]),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            features=features,
        )


def coverage_model_file(path: Path) -> CoverageModel:
    return CoverageModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class CoverageDecision:
    """What the refusal decision saw and said for one question, as stored with its answer. Without a model
    (COVERAGE_MODEL_FILE off, no fit stored) only the features are kept, so that marks can fit one later."""

    features: CoverageFeatures
    collection_id: int | None  # the collection whose evidence was judged (that of the best passage)
    probability: float | None = None
    threshold: float | None = None
    source: str = ""  # which calibration decided: a collection's own, the one for all collections, or the file

    @property
    def decided(self) -> bool:
        return self.probability is not None and self.threshold is not None

    @property
    def covered(self) -> bool:
        """True unless a model decided that the documents do not cover the question."""
        return not self.decided or (self.probability or 0.0) >= (self.threshold or 0.0)

    def as_dict(self) -> dict[str, object]:
        return {
            "features": self.features.as_dict(),
            "collection_id": self.collection_id,
            "probability": None if self.probability is None else round(self.probability, 5),
            "threshold": self.threshold,
            "covered": self.covered,
            "source": self.source,
        }
