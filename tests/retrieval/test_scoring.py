import itertools

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


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 10, 31])
def test_windows_cover_every_sentence_within_the_cap(count: int) -> None:
    starts = window_starts(count, 3, 2, 4)
    assert 1 <= len(starts) <= 4 and starts == sorted(set(starts))
    assert starts[0] == 0 and starts[-1] == max(count - 3, 0)
    if count <= 3 * 4 - 4:  # with room for the cap, consecutive windows leave no sentence out
        assert all(b - a <= 3 for a, b in itertools.pairwise(starts))


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
