"""Choosing a version's serving weights: the best on the held-out pools, but each question scored with the weights
chosen on the other questions, so that the choice never flatters the figures it is judged by."""

from dataclasses import replace

from retrieval.calibration import LabelledPool
from retrieval.context import Scored
from retrieval.scoring import Serving, WindowPlan
from tuning.measure import ranking_metrics, serving_chosen

DEFAULT = Serving(WindowPlan(sentences=3, stride=2, max_windows=4, chunk_weight=0.0), blend_weight=10.0)


def pool(name: str, relevant_at: int, chunk: list[float], window: list[float]) -> LabelledPool:
    """Five candidates in fused order (the first has the highest RRF), each scored as a whole and as windows."""
    candidates = [
        Scored(
            chunk_id=r, document_id=r, ordinal=0, text=f"passage {r}", page_start=1, page_end=1, token_count=5,
            title="", external_id=f"{name}-{r}", dense_rank=r + 1, text_rank=r + 1, rrf=2 / (60 + r + 1),
            chunk_logit=chunk[r], window_logit=window[r], logit=window[r],
        )
        for r in range(5)
    ]  # fmt: skip
    return LabelledPool(name, candidates, {f"{name}-{relevant_at}": 1})


def trusting(name: str) -> LabelledPool:
    """The answer is last by the fused order, first by its whole chunk's logit; its windows mislead."""
    return pool(name, 4, chunk=[0, 0, 0, 0, 5], window=[3, 0, 0, 0, 0])


def odd(name: str) -> LabelledPool:
    """The fused order is right and the reranker wrong: only blend weights near 0 serve it."""
    return pool(name, 0, chunk=[0, 1, 1, 1, 1], window=[0, 1, 1, 1, 1])


def test_the_weights_chosen_are_those_most_questions_need() -> None:
    chosen, crossfit = serving_chosen([*(trusting(f"a{i}") for i in range(9)), odd("odd")], DEFAULT)

    assert chosen.plan.chunk_weight >= 0.5 and chosen.blend_weight >= 3  # what the nine need
    assert chosen.plan.sentences == DEFAULT.plan.sentences  # only the two weights are chosen
    assert [q["ndcg@10"] for q in crossfit[:9]] == [1.0] * 9
    assert crossfit[9]["ndcg@10"] < 1.0  # scored with the nine's choice, not with the weights best for itself
    assert ranking_metrics([odd("odd")], Serving(replace(DEFAULT.plan, chunk_weight=0.5), 0.0))["ndcg@10"] == 1.0


def test_each_question_is_scored_with_weights_chosen_without_it() -> None:
    # Two questions, each alone in its fold: each is scored with the weights the other one needs.
    pools = [trusting("a"), odd("b")]
    chosen, crossfit = serving_chosen(pools, DEFAULT)
    in_sample = ranking_metrics(pools, chosen)["ndcg@10"]
    assert max(q["ndcg@10"] for q in crossfit) < 1.0
    assert sum(q["ndcg@10"] for q in crossfit) / 2 < in_sample  # choosing on the scored questions would flatter


def test_the_settings_weights_stand_when_no_other_weights_do_better() -> None:
    flat = [pool(f"q{i}", 0, chunk=[1] * 5, window=[1] * 5) for i in range(4)]
    chosen, crossfit = serving_chosen(flat, DEFAULT)
    assert chosen == DEFAULT
    assert [q["ndcg@10"] for q in crossfit] == [1.0] * 4
