"""Calibrating the reranker: a Platt fit of logits to relevance, thresholds, the blend and the chunk weight.

Pools are reranked once with both the whole chunks and their windows scored; every choice after that (the weight
of the chunk's logit against the best window's, the blend weight, the Platt fit, the threshold) is made offline
from the saved pools with the same functions retrieval uses (retrieval/scoring.py).
"""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from retrieval.context import Scored
from retrieval.evaluation import BeirSplit
from retrieval.metrics import documents_by_best_chunk, ndcg_at
from retrieval.scoring import logits_as, platt, reordered, sigmoid
from retrieval.selectors import retrieve, window_plan

THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BLEND_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 1e6)
CHUNK_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass
class LabelledPool:
    question_id: str
    candidates: list[Scored]  # reranked: logit set
    relevant: dict[str, int]


def collect_pools(split: BeirSplit, pool: int, on_query: Callable[[], None] | None = None) -> list[LabelledPool]:
    pools = []
    for query_id, question in split.queries.items():
        result = retrieve(
            question, pool=pool, rerank=True, blend_weight=0.0, plan=window_plan().scoring_both(), collections="all"
        )
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


def pools_file(folder: Path, collection: Path, split: str, depth: int) -> Path:
    """Where evaluate stores a BEIR split's reranked pools, and where the tuning commands look for them."""
    return folder / f"pools-{collection.name}-{split}-{depth}.jsonl"


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


def labelled_logits(pools: list[LabelledPool], chunk_weight: float) -> tuple[np.ndarray, np.ndarray]:
    logits = np.concatenate([logits_as(p.candidates, chunk_weight) for p in pools])
    labels = np.array([p.relevant.get(c.external_id, 0) > 0 for p in pools for c in p.candidates], dtype=np.float64)
    return logits, labels


def threshold_table(
    pools: list[LabelledPool], a: float, b: float, chunk_weight: float, thresholds: tuple[float, ...] = THRESHOLDS
) -> list[dict[str, float]]:
    """Per threshold: pair precision and recall, and the share of questions with any / a relevant passage kept."""
    probabilities = probabilities_of(pools, a, b, chunk_weight)
    return [
        {"threshold": threshold, **threshold_row(kept_counts(pools, probabilities, threshold))}
        for threshold in thresholds
    ]


def probabilities_of(pools: list[LabelledPool], a: float, b: float, chunk_weight: float) -> list[np.ndarray]:
    return [platt(logits_as(p.candidates, chunk_weight), a, b) for p in pools]


def kept_counts(pools: list[LabelledPool], probabilities: list[np.ndarray], threshold: float) -> np.ndarray:
    """Passages kept, relevant ones kept, relevant ones, questions keeping any and questions keeping a relevant
    one, and questions: counts that add up across sets of pools (threshold_row turns them into shares)."""
    counts = np.zeros(6, dtype=np.int64)
    for pool, probability in zip(pools, probabilities, strict=True):
        relevant = np.array([pool.relevant.get(c.external_id, 0) > 0 for c in pool.candidates], dtype=bool)
        keep = probability >= threshold
        counts += [keep.sum(), (keep & relevant).sum(), relevant.sum(), keep.any(), (keep & relevant).any(), 1]
    return counts


def threshold_row(counts: np.ndarray) -> dict[str, float]:
    kept, relevant_kept, relevant_total, questions_any, questions_hit, questions = (int(n) for n in counts)
    return {
        "precision": round(relevant_kept / kept, 4) if kept else 1.0,
        "recall": round(relevant_kept / relevant_total, 4) if relevant_total else 0.0,
        "questions_with_context": round(questions_any / questions, 4) if questions else 0.0,
        "questions_with_relevant_context": round(questions_hit / questions, 4) if questions else 0.0,
    }


def suggest_threshold(rows: list[dict[str, float]], min_recall: float = 0.9) -> float:
    """The highest threshold that still keeps min_recall of the relevant passages the pools hold."""
    passing = [row["threshold"] for row in rows if row["recall"] >= min_recall]
    return max(passing) if passing else min(row["threshold"] for row in rows)


def ndcg_of(pools: list[LabelledPool], chunk_weight: float, blend_weight: float) -> float:
    """Mean nDCG@10 of the pools re-ordered as a plan with these weights would order them."""
    total = 0.0
    for pool in pools:
        ranked = reordered(pool.candidates, chunk_weight, blend_weight, settings.RRF_K)
        total += ndcg_at(documents_by_best_chunk(c.external_id for c in ranked), pool.relevant, 10)
    return round(total / max(len(pools), 1), 4)


def blend_table(pools: list[LabelledPool]) -> list[dict[str, float]]:
    """nDCG@10 for each chunk weight (0: best window alone, 1: whole chunk alone) and blend weight."""
    return [
        {"chunk_weight": chunk_weight, "weight": weight, "ndcg@10": ndcg_of(pools, chunk_weight, weight)}
        for chunk_weight in CHUNK_WEIGHTS
        for weight in BLEND_WEIGHTS
    ]
