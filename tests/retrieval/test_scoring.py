import numpy as np
import pytest

from retrieval.context import Scored
from retrieval.scoring import Calibration, WindowPlan, apply_rerank, score_pool, window_starts, windows

PLAN = WindowPlan(sentences=3, stride=2, max_windows=4, chunk_weight=0.0)


class KeywordReranker:
    """A narrow in-process fake: a passage's logit is how often it says "kiln"; it records every call."""

    name = "keyword"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def score(self, question: str, passages: list[str], deadline: float | None = None) -> np.ndarray:
        self.calls.append(passages)
        return np.array([p.count("kiln") for p in passages], dtype=np.float32)


def candidate(chunk_id: int, text: str, rrf: float = 0.03) -> Scored:
    from ingestion.sentences import sentence_spans

    return Scored(
        chunk_id=chunk_id, document_id=chunk_id, ordinal=0, text=text, page_start=1, page_end=1, token_count=50,
        title="Doc", external_id=str(chunk_id), dense_rank=1, text_rank=1, rrf=rrf,
        sentences=[list(s) for s in sentence_spans(text)],
    )  # fmt: skip


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 10, 16, 31])
@pytest.mark.parametrize(("size", "stride"), [(3, 2), (3, 3), (2, 1), (3, 5)])
def test_windows_cover_every_sentence(count: int, size: int, stride: int) -> None:
    starts = window_starts(count, size, stride)
    assert starts == sorted(set(starts)) and starts[0] == 0 and starts[-1] == max(count - size, 0)
    covered = {i for start in starts for i in range(start, min(start + size, count))}
    assert covered == set(range(count))  # a stride longer than a window is cut to it: no sentence left out


def test_the_travel_policy_hotel_sentence_is_scored_whatever_its_position() -> None:
    """The bug that hid the hotel limit: four windows spread evenly over 16 units never read unit 7."""
    text = " ".join(f"Rule number {i} is about item {i}." for i in range(16)).replace(
        "Rule number 7 is about item 7.", "The hotel cap is 160 EUR per night abroad."
    )
    sentences = [(s, e) for s, e in candidate(1, text).sentences]
    spans = windows(sentences, WindowPlan(3, 2, 4, 0.0), text, "most I can spend on a hotel abroad?")
    assert len(spans) == 4 and any("hotel cap" in text[s:e] for s, e in spans)  # chosen by content, not position
    every = windows(sentences, WindowPlan(3, 2, 60, 0.0), text, "anything")
    assert all(any(s <= a and b <= e for s, e in every) for a, b in sentences)


def test_window_spans_run_from_a_sentence_start_to_a_sentence_end() -> None:
    sentences = [(0, 5), (6, 10), (11, 20), (21, 30), (31, 40)]
    assert windows(sentences, PLAN) == [(0, 20), (11, 40)]
    assert windows([], PLAN) == []


def test_each_candidate_keeps_its_best_window_from_one_batched_call() -> None:
    text = "Alpha one. Beta two. Gamma three. Delta four. The kiln is hot and the kiln is big. Epsilon five."
    pool = [candidate(1, text), candidate(2, "No furnace here. Nothing at all.")]
    reranker = KeywordReranker()
    score_pool(reranker, "kiln?", pool, PLAN, deadline=None)
    assert len(reranker.calls) == 1  # every window of the pool in one call
    best = pool[0]
    assert best.window_logit == 2 and best.logit == 2 and best.chunk_logit is None
    assert best.window_start is not None and best.window_end is not None
    assert "The kiln is hot" in best.text[best.window_start : best.window_end]
    assert pool[1].logit == 0


def test_a_chunk_weight_mixes_the_whole_chunk_into_the_logit() -> None:
    pool = [candidate(1, "A kiln. B. C. D. E. F. G. The kiln again.")]
    score_pool(KeywordReranker(), "kiln?", pool, WindowPlan(1, 1, 20, chunk_weight=0.5), deadline=None)
    assert pool[0].chunk_logit == 2 and pool[0].window_logit == 1 and pool[0].logit == pytest.approx(1.5)


def test_the_final_order_blends_the_reranker_rank_with_the_fused_one() -> None:
    pool = [candidate(1, "x", rrf=1 / 61), candidate(2, "y", rrf=1 / 62)]  # first and second in the fused list
    pool[0].logit, pool[1].logit = -5.0, 5.0
    apply_rerank(pool, Calibration(1.0, 0.0, 0.5), blend_weight=10.0, rrf_k=60)
    assert [c.chunk_id for c in pool] == [2, 1] and [c.final_rank for c in pool] == [1, 2]
    assert pool[0].probability == pytest.approx(1 / (1 + np.exp(-5.0)))
    apply_rerank(pool, Calibration(1.0, 0.0, 0.5), blend_weight=0.0, rrf_k=60)
    assert [c.chunk_id for c in pool] == [1, 2]  # weight 0: the fused order alone


def test_a_window_repeated_by_overlapping_chunks_is_scored_once() -> None:
    shared = "The kiln is hot. It glows. It hums."
    pool = [candidate(1, "Alpha one. Beta two. Gamma three. " + shared), candidate(2, shared + " Delta four.")]
    pool[1].title = pool[0].title
    reranker = KeywordReranker()
    score_pool(reranker, "kiln?", pool, WindowPlan(3, 3, 4, 0.0), deadline=None)
    sent = reranker.calls[0]
    assert len(sent) == len(set(sent)) and sum(shared in text for text in sent) == 1
    assert pool[0].logit == pool[1].logit == 1
