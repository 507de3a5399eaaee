"""The refusal decision: features of a reranked pool, a fitted model with its threshold, and where it serves from."""

import json

import numpy as np
import pytest

from retrieval.context import Scored
from retrieval.coverage import DEFAULT_FEATURES, CoverageFeatures, CoverageModel, pool_features
from retrieval.coverage_fit import best_threshold, coverage_fit, rates
from retrieval.questionsets import Answerable, QuestionSet, question_set_load


def scored(chunk_id: int, doc: int, logit: float, text: str, similarity: float = 0.5) -> Scored:
    return Scored(
        chunk_id=chunk_id, document_id=doc, ordinal=0, text=text, page_start=1, page_end=1, token_count=50,
        title="t", external_id=str(doc), dense_rank=1, text_rank=None, rrf=0.03, logit=logit,
        window_start=0, window_end=len(text), dense_similarity=similarity,
    )  # fmt: skip


def features(best: float, other: float) -> CoverageFeatures:
    return CoverageFeatures(best, best - other, 0.5, 0.5, 0.4, (best + other) / 2, other)


def test_pool_features_read_the_best_passage_and_the_best_of_another_document() -> None:
    pool = [
        scored(1, 1, -2.0, "Dogs need written permission."),
        scored(2, 1, 4.0, "The hotel cap is 160 EUR per night abroad."),
        scored(3, 2, 1.0, "Book hotels through the desk.", similarity=0.7),
    ]
    found = pool_features("What is the hotel cap abroad?", pool)
    assert found is not None
    assert found.best_logit == 4.0 and found.other_logit == 1.0 and found.gap == 3.0
    assert found.evidence_terms == 1.0  # hotel, cap, abroad all in the best window
    assert found.dense_similarity == 0.7 and found.top3_logit == pytest.approx(1.0)
    assert pool_features("anything", [scored(1, 1, 0.0, "x")]).other_logit == -12.0  # type: ignore[union-attr]
    assert pool_features("anything", []) is None


def test_a_fit_separates_what_it_can_and_its_threshold_keeps_the_share_asked_for() -> None:
    rng = np.random.default_rng(3)
    covered = [features(b, o) for b, o in zip(rng.normal(3, 2, 40), rng.normal(-4, 2, 40), strict=True)]
    uncovered = [features(b, o) for b, o in zip(rng.normal(-5, 2, 30), rng.normal(-6, 2, 30), strict=True)]
    model, report, _ = coverage_fit(covered + uncovered, [True] * 40 + [False] * 30, keep=0.9)
    assert model.features == DEFAULT_FEATURES and report.questions == 70 and report.covered == 40
    assert report.kept_covered >= 0.9 and report.refused_uncovered > 0.7  # out of fold, on a separable set
    assert model.covers(features(4.0, -5.0)) and not model.covers(features(-7.0, -7.0))
    again = CoverageModel.from_dict(json.loads(json.dumps(model.as_dict())))
    assert again.probability(features(1.0, -2.0)) == pytest.approx(model.probability(features(1.0, -2.0)))


def test_a_stored_fit_for_features_this_code_does_not_know_is_refused() -> None:
    data = {"means": [0.0], "scales": [1.0], "weights": [1.0], "intercept": 0.0, "threshold": 0.5}
    with pytest.raises(ValueError, match="refit it"):
        CoverageModel.from_dict({**data, "features": ["reader_says_yes"]})


def test_the_threshold_rule_prefers_answering_on_a_tie() -> None:
    probabilities, labels = np.array([0.1, 0.2, 0.6, 0.8]), np.array([0, 0, 1, 1])
    assert rates(probabilities, labels, 0.5) == (1.0, 1.0, 1.0)
    assert best_threshold(probabilities, labels) == 0.5  # the lowest tried (0.5 and each probability) that separates
    assert best_threshold(np.array([0.3, 0.4, 0.35, 0.9]), np.array([0, 0, 1, 1]), keep=1.0) == 0.35


def test_a_question_set_file_is_read_and_a_malformed_entry_is_named(tmp_path) -> None:
    good = QuestionSet([Answerable("How long?", "a.md", "six months")], ["Who?"])
    path = tmp_path / "set.json"
    path.write_text(json.dumps({**good.as_json(), "about": "ignored"}))
    assert question_set_load(path) == good
    path.write_text(json.dumps({"answerable": [["How long?", "a.md"]]}))
    with pytest.raises(ValueError, match="How long"):
        question_set_load(path)
