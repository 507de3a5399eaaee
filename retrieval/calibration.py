"""Calibrating the reranker: a Platt fit of logits to relevance, thresholds, and the blend weight."""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from retrieval.context import Scored
from retrieval.evaluation import BeirSplit
from retrieval.metrics import documents_by_best_chunk, ndcg_at
from retrieval.selectors import apply_rerank, retrieve, sigmoid

THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BLEND_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 1e6)


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


def _log_loss(params: np.ndarray, logits: np.ndarray, targets: np.ndarray) -> float:
    z = params[0] * logits + params[1]
    # log(1 + e^z) - t z, written to stay finite for large |z|
    return float(np.mean(np.logaddexp(0.0, z) - targets * z))


def save_pools(pools: list[LabelledPool], path: Path) -> None:
    """The reranked pools with their labels, so calibration can be refitted without reranking again."""
    with path.open("w", encoding="utf-8") as out:
        for pool in pools:
            out.write(
                json.dumps(
                    {
                        "question_id": pool.question_id,
                        "relevant": pool.relevant,
                        "candidates": [asdict(c) for c in pool.candidates],
                    }
                )
                + "\n"
            )


def load_pools(path: Path) -> list[LabelledPool]:
    pools = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            pools.append(
                LabelledPool(record["question_id"], [Scored(**c) for c in record["candidates"]], record["relevant"])
            )
    return pools


def fit_platt(logits: np.ndarray, labels: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Platt scaling: Newton's method with step halving (never a step that raises the loss), and Platt's
    smoothed targets against overconfidence."""
    positives = float(labels.sum())
    negatives = float(len(labels) - positives)
    targets = np.where(labels > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    features = np.stack([logits, np.ones_like(logits)], axis=1)
    params = np.array([1.0, 0.0])
    loss = _log_loss(params, logits, targets)
    for _ in range(iterations):
        p = sigmoid(features @ params)
        gradient = features.T @ (p - targets) / len(logits)
        hessian = (features * (p * (1 - p))[:, None]).T @ features / len(logits) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-6 and _log_loss(params - size * step, logits, targets) > loss:
            size /= 2
        params = params - size * step
        new_loss = _log_loss(params, logits, targets)
        if loss - new_loss < 1e-12:
            break
        loss = new_loss
    return float(params[0]), float(params[1])


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
