"""Measuring a reranker on labelled pools it never trained on, with the code that serves it.

The pools are evaluate's stored first-stage pools (retrieval/calibration.py): each version rescores the same
candidates, so hybrid, the active reranker and a candidate are compared in one run on the same questions.
"""

from collections.abc import Callable

import numpy as np
from django.conf import settings

from retrieval.calibration import LabelledPool, fit_platt, labelled_logits, suggest_threshold, threshold_table
from retrieval.context import Scored
from retrieval.evaluation import scores
from retrieval.metrics import documents_by_best_chunk
from retrieval.rerankers import Reranker
from retrieval.scoring import reordered, score_pool
from retrieval.selectors import window_plan

METRICS = ("ndcg@10", "mrr@10", "recall@5")


def cut(pools: list[LabelledPool], depth: int) -> list[LabelledPool]:
    """The pools as a first stage of `depth` would have given them: the best `depth` by RRF."""
    return [LabelledPool(p.question_id, sorted(p.candidates, key=lambda c: -c.rrf)[:depth], p.relevant) for p in pools]


def rescored(
    pools: list[LabelledPool], queries: dict[str, str], reranker: Reranker, on_pool: Callable[[], None] | None = None
) -> list[LabelledPool]:
    """Copies of the pools scored by this reranker with the configured window plan (what serving scores)."""
    plan = window_plan()
    out = []
    for pool in pools:
        candidates = [Scored(**vars(c)) for c in pool.candidates]
        score_pool(reranker, queries[pool.question_id], candidates, plan, None)
        out.append(LabelledPool(pool.question_id, candidates, pool.relevant))
        if on_pool is not None:
            on_pool()
    return out


def served_order(candidates: list[Scored]) -> list[Scored]:
    """The order retrieval serves: the configured window plan's logits blended with the fused rank."""
    weights = (settings.RERANK_WINDOW_CHUNK_WEIGHT, settings.RERANK_BLEND_WEIGHT, settings.RRF_K)
    return reordered(candidates, *weights)


def fused_order(candidates: list[Scored]) -> list[Scored]:
    return sorted(candidates, key=lambda c: -c.rrf)


def question_scores(pools: list[LabelledPool], order: Callable[[list[Scored]], list[Scored]]) -> list[dict[str, float]]:
    return [
        scores(documents_by_best_chunk(c.external_id for c in order(pool.candidates)), pool.relevant, 10)
        for pool in pools
    ]


def ranking_metrics(pools: list[LabelledPool], *, reranked: bool) -> dict[str, float]:
    """Mean nDCG@10, MRR@10 and Recall@5 of the served order (reranked) or of the fused one."""
    found = question_scores(pools, served_order if reranked else fused_order)
    return {name: round(sum(q[name] for q in found) / max(len(found), 1), 4) for name in METRICS}


def per_question_ndcg(pools: list[LabelledPool]) -> np.ndarray:
    return np.array([q["ndcg@10"] for q in question_scores(pools, served_order)])


def bootstrap_interval(differences: np.ndarray, seed: int = 7, rounds: int = 2000) -> tuple[float, float]:
    """95% interval of the mean difference, resampling questions."""
    rng = np.random.default_rng(seed)
    means = [float(rng.choice(differences, len(differences)).mean()) for _ in range(rounds)]
    return round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)


def platt_fit(pools: list[LabelledPool]) -> tuple[float, float, float]:
    """A Platt fit for a reranker's logits and the threshold keeping 90% of the relevant passages, both from
    these pools (the training side: never the questions it is judged on)."""
    chunk_weight = settings.RERANK_WINDOW_CHUNK_WEIGHT
    logits, labels = labelled_logits(pools, chunk_weight)
    a, b = fit_platt(logits, labels)
    return a, b, suggest_threshold(threshold_table(pools, a, b, chunk_weight))


def threshold_figures(pools: list[LabelledPool], a: float, b: float, threshold: float) -> dict[str, float]:
    """Precision and recall of the threshold on these pools, and the share of questions keeping context."""
    row = threshold_table(pools, a, b, settings.RERANK_WINDOW_CHUNK_WEIGHT, (threshold,))[0]
    return {name: value for name, value in row.items() if name != "threshold"}
