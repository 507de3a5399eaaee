import math

import pytest

from retrieval.metrics import documents_by_best_chunk, mrr_at, ndcg_at, percentile, recall_at


def test_ndcg_matches_a_hand_computed_value() -> None:
    relevant = {"a": 1, "b": 1}
    # hits at positions 2 and 3: (1/log2(3) + 1/log2(4)) / (1/log2(2) + 1/log2(3))
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at(["x", "a", "b"], relevant, 10) == pytest.approx(expected)


def test_ndcg_is_one_for_a_perfect_ranking_and_zero_without_hits() -> None:
    assert ndcg_at(["a", "b", "x"], {"a": 1, "b": 1}) == pytest.approx(1.0)
    assert ndcg_at(["x", "y"], {"a": 1}) == 0.0


def test_ndcg_counts_only_the_top_k() -> None:
    assert ndcg_at(["x"] * 10 + ["a"], {"a": 1}, 10) == 0.0


def test_mrr_uses_the_first_relevant_position() -> None:
    assert mrr_at(["x", "y", "a", "b"], {"a": 1, "b": 1}) == pytest.approx(1 / 3)
    assert mrr_at(["x"] * 10 + ["a"], {"a": 1}, 10) == 0.0


def test_recall_is_the_share_of_relevant_documents_found() -> None:
    assert recall_at(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, 2) == pytest.approx(1 / 3)
    assert recall_at(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, 3) == pytest.approx(2 / 3)


def test_a_document_scores_by_its_best_chunk_and_its_other_chunks_are_dropped() -> None:
    assert documents_by_best_chunk(["d1", "d2", "d1", "d3", "d2"]) == ["d1", "d2", "d3"]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([], 50) == 0.0
