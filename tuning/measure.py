"""Measuring a reranker on labelled pools it never trained on, with the code that serves it.

The pools are evaluate's stored first-stage pools (retrieval/calibration.py): each version rescores the same
candidates, so hybrid, the active reranker and a candidate are compared in one run on the same questions.
"""

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from django.conf import settings

from retrieval.calibration import (
    BLEND_WEIGHTS,
    CHUNK_WEIGHTS,
    LabelledPool,
    fit_platt,
    kept_counts,
    labelled_logits,
    probabilities_of,
    suggest_threshold,
    threshold_row,
    threshold_table,
)
from retrieval.context import Scored
from retrieval.evaluation import scores
from retrieval.metrics import documents_by_best_chunk
from retrieval.rerankers import Reranker
from retrieval.scoring import Serving, WindowPlan, score_pool

METRICS = ("ndcg@10", "mrr@10", "recall@5")
Order = Callable[[list[Scored]], list[Scored]]


def cut(pools: list[LabelledPool], depth: int) -> list[LabelledPool]:
    """The pools as a first stage of `depth` would have given them: the best `depth` by RRF."""
    return [LabelledPool(p.question_id, sorted(p.candidates, key=lambda c: -c.rrf)[:depth], p.relevant) for p in pools]


def rescored(
    pools: list[LabelledPool],
    queries: dict[str, str],
    reranker: Reranker,
    plan: WindowPlan,
    on_pool: Callable[[], None] | None = None,
) -> list[LabelledPool]:
    """Copies of the pools scored by this reranker with this window plan (serving's: selectors.serving_of)."""
    out = []
    for pool in pools:
        candidates = [Scored(**vars(c)) for c in pool.candidates]
        score_pool(reranker, queries[pool.question_id], candidates, plan, None)
        out.append(LabelledPool(pool.question_id, candidates, pool.relevant))
        if on_pool is not None:
            on_pool()
    return out


def served_order(serving: Serving) -> Order:
    """The order retrieval serves with these weights: the plan's logits blended with the fused rank."""
    return lambda candidates: serving.order(candidates, settings.RRF_K)


def fused_order(candidates: list[Scored]) -> list[Scored]:
    return sorted(candidates, key=lambda c: -c.rrf)


def question_scores(pools: list[LabelledPool], order: Order) -> list[dict[str, float]]:
    return [
        scores(documents_by_best_chunk(c.external_id for c in order(pool.candidates)), pool.relevant, 10)
        for pool in pools
    ]


def mean_scores(found: list[dict[str, float]]) -> dict[str, float]:
    return {name: round(sum(q[name] for q in found) / max(len(found), 1), 4) for name in METRICS}


def ranking_metrics(pools: list[LabelledPool], serving: Serving | None) -> dict[str, float]:
    """Mean nDCG@10, MRR@10 and Recall@5 of the order served with these weights (None: the fused order)."""
    return mean_scores(question_scores(pools, fused_order if serving is None else served_order(serving)))


def ndcg_of(found: list[dict[str, float]]) -> np.ndarray:
    return np.array([q["ndcg@10"] for q in found])


def serving_chosen(
    pools: list[LabelledPool], default: Serving, folds: int = 5, seed: int = 13
) -> tuple[Serving, list[dict[str, float]]]:
    """The chunk and blend weights with the best mean nDCG@10 on pools scored both ways (ties: `default`), and
    each question's scores under the weights chosen on the other folds of questions: what choosing is worth on
    questions it did not see, so that choosing never flatters a version's figures."""
    grid = [default] + [
        Serving(replace(default.plan, chunk_weight=chunk), blend)
        for chunk in CHUNK_WEIGHTS
        for blend in BLEND_WEIGHTS
        if (chunk, blend) != (default.plan.chunk_weight, default.blend_weight)
    ]
    table = [question_scores(pools, served_order(serving)) for serving in grid]
    ndcg = np.array([ndcg_of(found) for found in table])  # weights x questions
    fold = folds_of(len(pools), folds, seed)
    crossfit = list(table[0])
    for held in set(fold.tolist()):
        others = fold != held
        best = int(np.argmax(ndcg[:, others].mean(axis=1))) if others.any() else 0
        for index in np.flatnonzero(~others):
            crossfit[index] = table[best][index]
    return grid[int(np.argmax(ndcg.mean(axis=1)))], crossfit


def bootstrap_interval(differences: np.ndarray, seed: int = 7, rounds: int = 2000) -> tuple[float, float]:
    """95% interval of the mean difference, resampling questions."""
    rng = np.random.default_rng(seed)
    means = [float(rng.choice(differences, len(differences)).mean()) for _ in range(rounds)]
    return round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)


def folds_of(count: int, folds: int = 5, seed: int = 13) -> np.ndarray:
    """Each of `count` questions' fold, at random but the same every run."""
    return np.random.default_rng(seed).permutation(count) % max(min(folds, count), 1)


def platt_fit(pools: list[LabelledPool], chunk_weight: float) -> tuple[float, float, float]:
    """A Platt fit for a reranker's logits with this chunk weight and the threshold keeping 90% of the relevant
    passages, both from these pools."""
    logits, labels = labelled_logits(pools, chunk_weight)
    a, b = fit_platt(logits, labels)
    return a, b, suggest_threshold(threshold_table(pools, a, b, chunk_weight))


def threshold_crossfit(pools: list[LabelledPool], chunk_weight: float, folds: int = 5) -> dict[str, float]:
    """The threshold's precision and recall, and the share of questions keeping context, with each question's
    passages kept or dropped by a fit (platt_fit) on the other folds of questions. A model's logits are
    over-confident on the questions it trained on (after two epochs a fit there kept 73% of held-out relevant
    passages, not 90%), and a fit on the questions it is measured on flatters it; this measures neither way."""
    fold = folds_of(len(pools), folds)
    if len(set(fold.tolist())) < 2:  # one question: nothing else to fit on
        a, b, threshold = platt_fit(pools, chunk_weight)
        return threshold_figures(pools, a, b, threshold, chunk_weight)
    counts = np.zeros(6, dtype=np.int64)
    for held in set(fold.tolist()):
        a, b, threshold = platt_fit([p for p, f in zip(pools, fold, strict=True) if f != held], chunk_weight)
        judged = [p for p, f in zip(pools, fold, strict=True) if f == held]
        counts += kept_counts(judged, probabilities_of(judged, a, b, chunk_weight), threshold)
    return threshold_row(counts)


def threshold_figures(
    pools: list[LabelledPool], a: float, b: float, threshold: float, chunk_weight: float
) -> dict[str, float]:
    """Precision and recall of the threshold on these pools, and the share of questions keeping context."""
    row = threshold_table(pools, a, b, chunk_weight, (threshold,))[0]
    return {name: value for name, value in row.items() if name != "threshold"}
