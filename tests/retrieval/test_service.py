import pytest

from retrieval import selectors
from retrieval.scoring import Calibration, WindowPlan
from retrieval.selectors import calibration_current, calibration_key, forget_calibrations, retrieve, window_plan
from retrieval.services import calibration_save

pytestmark = pytest.mark.django_db


def test_result_reports_every_stage(demo_corpus) -> None:
    result = retrieve("What is the minimum password length?", collections="all")
    assert result.reranked and not result.reranker_fell_back
    assert set(result.timings_ms) == {"embed", "sql", "rerank", "total"}
    first = result.candidates[0]
    assert first.logit is not None and 0 <= (first.probability or 0) <= 1
    assert [c.final_rank for c in result.candidates] == list(range(1, len(result.candidates) + 1))
    assert {c.rerank_rank for c in result.candidates} == set(range(1, len(result.candidates) + 1))


def test_a_reranker_past_its_time_limit_falls_back_to_the_fused_order(demo_corpus, settings) -> None:
    settings.RERANK_TIMEOUT_MS = 0
    result = retrieve("What is the minimum password length?", collections="all")
    assert result.reranker_fell_back and not result.reranked
    assert "timed out" in result.fallback_reason
    assert [c.rrf for c in result.candidates] == sorted((c.rrf for c in result.candidates), reverse=True)
    assert result.context  # still answerable from the fused order


def test_a_failing_reranker_falls_back_and_says_why(demo_corpus, monkeypatch) -> None:
    class Broken:
        name = "broken"

        def score(self, question, passages, deadline=None):
            raise MemoryError("out of memory in the cross-encoder")

    monkeypatch.setattr(selectors, "get_reranker", lambda: Broken())
    result = retrieve("What is the minimum password length?", collections="all")
    assert result.reranker_fell_back
    assert "MemoryError" in result.fallback_reason


def test_nothing_above_the_threshold_is_said_plainly(demo_corpus, settings) -> None:
    settings.RERANK_MIN_SCORE = 0.999999
    result = retrieve("What is the airspeed velocity of an unladen swallow?", collections="all")
    assert result.candidates and result.context == []
    assert result.nothing_relevant


def test_a_stored_calibration_brings_its_own_threshold(demo_corpus, settings) -> None:
    settings.RERANK_MIN_SCORE = 0.0
    plan = window_plan()
    assert calibration_current(plan).threshold == 0.0
    calibration_save(
        reranker=calibration_key(plan), a=1.0, b=-100.0, suggested_threshold=0.5, pairs=2, positives=1, source="t",
        report={},
    )  # fmt: skip
    forget_calibrations()  # the commit hook is what does this in production; tests never commit
    assert calibration_current(plan) == Calibration(1.0, -100.0, 0.5)
    assert retrieve(
        "How many days of paid annual leave do employees get?", collections="all"
    ).nothing_relevant  # on its own scale
    other = WindowPlan(plan.sentences + 1, plan.stride, plan.max_windows, plan.chunk_weight)
    assert calibration_current(other).threshold == 0.0  # another plan's logits are on another scale
