"""Calibrating the reranker: a Platt fit of logits to relevance, thresholds, and the blend weight."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from retrieval.context import Scored
from retrieval.evaluation import BeirSplit
from retrieval.metrics import documents_by_best_chunk, ndcg_at
from retrieval.selectors import apply_rerank, retrieve, sigmoid

THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 1000.0)


@dataclass
class LabelledPool:
    question_id: str
    candidates: list[Scored]  # reranked: logit set
    relevant: dict[str, int]


def collect_pools(split: BeirSplit, pool: int, on_query: Callable[[], None] | None = None) -> list[LabelledPool]:
    pools = []
    for query_id, question in split.queries.items():
        result = retrieve(question, pool=pool, rerank=True, blend_weight=0.0)
        if not result.reranked:
            raise RuntimeError(f"the reranker did not run: {result.fallback_reason or 'RERANKER_BACKEND is none'}")
        pools.append(LabelledPool(query_id, result.candidates, split.qrels[query_id]))
        if on_query is not None:
            on_query()
    return pools


def fit_platt(logits: np.ndarray, labels: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Platt scaling by Newton's method, with Platt's smoothed targets against overconfidence."""
    positives = float(labels.sum())
    negatives = float(len(labels) - positives)
    targets = np.where(labels > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    a, b = 1.0, 0.0
    features = np.stack([logits, np.ones_like(logits)], axis=1)
    for _ in range(iterations):
        p = sigmoid(a * logits + b)
        gradient = features.T @ (p - targets)
        weights = p * (1 - p) + 1e-9
        hessian = (features * weights[:, None]).T @ features + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        a, b = a - float(step[0]), b - float(step[1])
        if np.abs(step).max() < 1e-8:
            break
    return a, b


def threshold_table(pools: list[LabelledPool], a: float, b: float) -> list[dict[str, float]]:
    """Per threshold: pair precision and recall, and the share of questions with any / a relevant passage kept."""
    rows = []
    for threshold in THRESHOLDS:
        kept = relevant_kept = relevant_total = questions_any = questions_hit = 0
        for pool in pools:
            keep = [c for c in pool.candidates if _prob(c, a, b) >= threshold]
            hits = [c for c in keep if pool.relevant.get(c.external_id, 0) > 0]
            kept += len(keep)
            relevant_kept += len(hits)
            relevant_total += sum(1 for c in pool.candidates if pool.relevant.get(c.external_id, 0) > 0)
            questions_any += bool(keep)
            questions_hit += bool(hits)
        rows.append(
            {
                "threshold": threshold,
                "precision": round(relevant_kept / kept, 4) if kept else 1.0,
                "recall": round(relevant_kept / relevant_total, 4) if relevant_total else 0.0,
                "questions_with_context": round(questions_any / len(pools), 4),
                "questions_with_relevant_context": round(questions_hit / len(pools), 4),
            }
        )
    return rows


def suggest_threshold(rows: list[dict[str, float]], min_recall: float = 0.9) -> float:
    """The highest threshold that still keeps min_recall of the relevant passages the pools hold."""
    passing = [row["threshold"] for row in rows if row["recall"] >= min_recall]
    return max(passing) if passing else min(row["threshold"] for row in rows)


def blend_table(pools: list[LabelledPool], a: float, b: float) -> list[dict[str, float]]:
    """nDCG@10 of the blended order for each candidate weight of the reranker's rank."""
    rows = []
    for weight in BLEND_WEIGHTS:
        total = 0.0
        for pool in pools:
            candidates = [Scored(**vars(c)) for c in pool.candidates]
            logits = np.array([c.logit for c in candidates], dtype=np.float32)
            apply_rerank(candidates, logits, (a, b), weight)
            total += ndcg_at(documents_by_best_chunk(c.external_id for c in candidates), pool.relevant, 10)
        rows.append({"weight": weight, "ndcg@10": round(total / len(pools), 4)})
    return rows


def _prob(candidate: Scored, a: float, b: float) -> float:
    return float(sigmoid(np.array(a * (candidate.logit or 0.0) + b)))
