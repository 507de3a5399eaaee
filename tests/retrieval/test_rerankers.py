import time

import pytest

from retrieval.rerankers import RerankTimeout, get_reranker

PRUNING = "best practices for pruning apple trees"
PASSAGES = [
    "Prune apple trees in late winter while they are dormant: remove dead wood, crossing branches and water "
    "sprouts, and open the centre of the tree to light.",
    "Apple Inc. shares rose 3 percent after the company reported record quarterly revenue from iPhone sales.",
    "For the apple pie, mix sliced apples with sugar and cinnamon, fill the crust and bake for 45 minutes.",
]


@pytest.fixture(scope="module")
def reranker():
    model = get_reranker()
    assert model is not None
    return model


def test_the_bundled_cross_encoder_ranks_the_relevant_passage_far_above_the_others(reranker) -> None:
    logits = reranker.score(PRUNING, PASSAGES)
    assert logits[0] > 0
    assert logits[1] < -5 and logits[2] < -5


def test_scores_follow_their_passages_through_batching_and_reordering(reranker) -> None:
    # Dynamic int8 quantisation scales activations per batch, so padding moves a logit by a few tenths;
    # a mix-up of passages would move it by more than ten.
    together = reranker.score(PRUNING, PASSAGES)
    alone = [reranker.score(PRUNING, [p])[0] for p in PASSAGES]
    assert together == pytest.approx(alone, abs=0.5)
    assert reranker.score(PRUNING, PASSAGES[::-1])[::-1] == pytest.approx(together, abs=1e-3)


def test_a_passage_longer_than_the_window_is_cut_and_the_question_kept(reranker) -> None:
    long_passage = PASSAGES[0] + " Further notes about orchards." * 400
    logit = reranker.score(PRUNING, [long_passage])[0]
    assert logit > 0  # the relevant opening survived; the question was not cut away


def test_an_expired_deadline_raises_a_timeout(reranker) -> None:
    with pytest.raises(RerankTimeout):
        reranker.score(PRUNING, PASSAGES, deadline=time.monotonic() - 1)
