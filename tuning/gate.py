"""The regression gate for any reranker: the questions of TUNING_GATE_QUESTIONS (by default the demo's) against
their stored first-stage pools (TUNING_GATE_POOLS), so a version can be gated anywhere, without the documents
ingested. A pool's `relevant` names the answering document; an uncovered question's is empty.

Three figures, as in tests/retrieval/test_demo_gate.py: the answering document first, an answerable question
keeping context (a passage above the threshold), an uncovered one refused. A version passes when each figure
holds the gate's bar (what the shipped reranker measures, less a question of margin).
"""

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from django.conf import settings

from retrieval.calibration import load_pools
from retrieval.context import Scored, choose_context
from retrieval.questionsets import QuestionSet, question_set_load
from retrieval.rerankers import Reranker
from retrieval.scoring import Calibration, Serving, apply_rerank, score_pool
from retrieval.selectors import retrieve

POOLS: Path = settings.TUNING_GATE_POOLS
BARS = {"first": 66 / 69, "context": 42 / 69, "refused": 14 / 22}


def gate_question_set() -> QuestionSet:
    return question_set_load(settings.TUNING_GATE_QUESTIONS)


def gate_pools_build(names: dict[int, str], path: Path = POOLS) -> int:
    """Store the first-stage pool of every gate question (run in a database holding the gate's documents only)."""
    questions = gate_question_set()
    asked = [(a.question, a.document) for a in questions.answerable] + [(q, "") for q in questions.unanswerable]
    with path.open("w", encoding="utf-8") as out:
        for number, (question, expected) in enumerate(asked):
            found = retrieve(question, rerank=False, collections="all")
            candidates = [{**asdict(c), "external_id": names[c.document_id]} for c in found.candidates]
            record = {"question_id": f"g{number}", "question": question, "relevant": {expected: 1} if expected else {}}
            out.write(json.dumps({**record, "candidates": candidates}) + "\n")
    return len(asked)


def gate_questions(path: Path = POOLS) -> dict[str, str]:
    with path.open(encoding="utf-8") as lines:
        return {record["question_id"]: record["question"] for record in map(json.loads, lines)}


def gate_measure(
    reranker: Reranker,
    calibration: Calibration,
    serving: Serving,
    path: Path = POOLS,
    on_pool: Callable[[], None] | None = None,
) -> dict[str, float]:
    """The gate's three figures for this reranker served with its own calibration and weights, and whether
    each holds its bar."""
    questions = gate_questions(path)
    first = context = answerable = refused = uncovered = 0
    for pool in load_pools(path):
        candidates = [Scored(**vars(c)) for c in pool.candidates]
        score_pool(reranker, questions[pool.question_id], candidates, serving.plan, None)
        apply_rerank(candidates, calibration, serving.blend_weight, settings.RRF_K)
        kept = choose_context(candidates, min_score=calibration.threshold,
                              token_budget=settings.CONTEXT_TOKEN_BUDGET, final_k=settings.FINAL_K)  # fmt: skip
        if pool.relevant:
            answerable += 1
            first += candidates[0].external_id in pool.relevant
            context += bool(kept)
        else:
            uncovered += 1
            refused += not kept
        if on_pool is not None:
            on_pool()
    figures = {"first": first / answerable, "context": context / answerable, "refused": refused / uncovered}
    return {**{k: round(v, 4) for k, v in figures.items()}, "passes": all(figures[k] >= BARS[k] for k in BARS)}
