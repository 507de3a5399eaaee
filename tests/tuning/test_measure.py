"""Choosing a version's serving weights and threshold: the best on the held-out pools, but each question scored
with the weights and threshold chosen on the other questions, so that the choice never flatters the figures it is
judged by."""

from dataclasses import replace

from retrieval.calibration import LabelledPool
from retrieval.context import Scored
from retrieval.scoring import Serving, WindowPlan
from tuning.measure import platt_fit, ranking_metrics, serving_chosen, threshold_crossfit, threshold_figures

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


def separable(name: str, relevant_logit: float) -> LabelledPool:
    """One relevant passage scored `relevant_logit` (whole chunk), three others scored -4."""
    return pool(name, 0, chunk=[relevant_logit, -4, -4, -4, 0], window=[0] * 5)


def test_a_questions_threshold_figures_come_from_a_fit_on_the_other_questions() -> None:
    # Five questions, each alone in its fold. Four rank their answer clearly; the fifth scores it like its noise.
    pools = [separable(f"clear{i}", 4.0) for i in range(4)] + [separable("hard", -4.0)]
    pools = [replace(p, candidates=p.candidates[:4]) for p in pools]
    a, b, threshold = platt_fit(pools, chunk_weight=1.0)
    in_sample = threshold_figures(pools, a, b, threshold, chunk_weight=1.0)
    assert in_sample["recall"] >= 0.9  # a threshold chosen where it is measured meets its own target
    crossfit = threshold_crossfit(pools, chunk_weight=1.0)
    # Fitted without it, the hard question's threshold is the clear ones' and drops its answer; each clear one's
    # fit includes the hard question, so it keeps its answer: 4 of the 5 relevant passages.
    assert crossfit["recall"] == 0.8 and crossfit["recall"] < in_sample["recall"]
