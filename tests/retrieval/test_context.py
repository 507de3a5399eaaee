import pytest

from retrieval.context import Scored, choose_context


def scored(chunk_id: int, *, doc: int = 1, ordinal: int = 0, prob: float | None = 0.9, tokens: int = 100,
           text: str | None = None) -> Scored:  # fmt: skip
    return Scored(
        chunk_id=chunk_id,
        document_id=doc,
        ordinal=ordinal,
        text=text or f"text {chunk_id}",
        page_start=1,
        page_end=1,
        token_count=tokens,
        title=f"doc {doc}",
        external_id=str(doc),
        dense_rank=1,
        text_rank=1,
        rrf=0.03,
        probability=prob,
        final_rank=chunk_id,
    )


def test_passages_below_the_threshold_are_dropped_and_order_is_kept() -> None:
    candidates = [scored(1, doc=1, prob=0.9), scored(2, doc=2, prob=0.05), scored(3, doc=3, prob=0.5)]
    context = choose_context(candidates, min_score=0.1, token_budget=3000, final_k=5)
    assert [p.chunk_ids for p in context] == [[1], [3]]


def test_nothing_above_the_threshold_gives_no_context() -> None:
    candidates = [scored(1, prob=0.01), scored(2, doc=2, prob=0.02)]
    assert choose_context(candidates, min_score=0.1, token_budget=3000, final_k=5) == []


def test_token_budget_and_final_k_bound_the_context() -> None:
    candidates = [scored(i, doc=i, tokens=1000) for i in range(1, 8)]
    assert len(choose_context(candidates, min_score=0.0, token_budget=3000, final_k=5)) == 3
    assert len(choose_context(candidates, min_score=0.0, token_budget=100_000, final_k=5)) == 5


def test_a_passage_that_does_not_fit_is_skipped_but_a_smaller_later_one_is_kept() -> None:
    candidates = [scored(1, doc=1, tokens=2500), scored(2, doc=2, tokens=800), scored(3, doc=3, tokens=400)]
    context = choose_context(candidates, min_score=0.0, token_budget=3000, final_k=5)
    assert [p.chunk_ids for p in context] == [[1], [3]]


def test_adjacent_chunks_of_one_document_are_merged_without_repeating_the_overlap() -> None:
    first = scored(1, doc=7, ordinal=3, text="Alpha beta gamma. Delta epsilon.")
    second = scored(2, doc=7, ordinal=4, text="Delta epsilon. Zeta eta.")
    context = choose_context([first, second], min_score=0.0, token_budget=3000, final_k=5)
    assert len(context) == 1
    assert context[0].text == "Alpha beta gamma. Delta epsilon. Zeta eta."
    assert sorted(context[0].ordinals) == [3, 4]


def test_without_reranker_probabilities_every_passage_is_eligible() -> None:
    candidates = [scored(1, prob=None), scored(2, doc=2, prob=None)]
    assert len(choose_context(candidates, min_score=0.5, token_budget=3000, final_k=5)) == 2


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("Alpha beta gamma. Delta epsilon.", "Delta epsilon. Zeta eta. Theta iota."),  # overlapping
        ("Alpha beta gamma.", "Zeta eta. Theta iota."),  # only adjacent
    ],
)
def test_the_evidence_still_points_at_its_sentences_when_an_earlier_chunk_is_merged_in(earlier, later) -> None:
    best = scored(1, doc=7, ordinal=4, text=later)
    best.window_start = later.index("Zeta")
    best.window_end = len(later)
    before = scored(2, doc=7, ordinal=3, text=earlier)
    context = choose_context([best, before], min_score=0.0, token_budget=3000, final_k=5)
    assert len(context) == 1 and context[0].text.startswith("Alpha")
    assert context[0].evidence == "Zeta eta. Theta iota."


def test_a_merged_passage_knows_the_page_of_every_offset() -> None:
    first = scored(1, ordinal=0, text="Alpha on page one.\n\nBeta on page two.")
    second = scored(2, ordinal=1, text="Beta on page two. Gamma still two.\n\nDelta on page three.")
    first.page_start, first.page_end, first.page_breaks = 1, 2, [first.text.index("Beta")]
    second.page_start, second.page_end, second.page_breaks = 2, 3, [second.text.index("Delta")]
    [passage] = choose_context([first, second], min_score=0.5, token_budget=1000, final_k=5)
    assert passage.text.count("Beta") == 1  # the overlap is not repeated
    assert [passage.page_at(passage.text.index(w)) for w in ("Alpha", "Beta", "Gamma", "Delta")] == [1, 2, 2, 3]


def test_the_refusal_decision_keeps_the_best_passage_even_below_the_passage_threshold() -> None:
    pool = [scored(1, prob=0.001), scored(2, doc=2, prob=0.002)]
    assert choose_context(pool, min_score=0.01, token_budget=1000, final_k=5) == []
    kept = choose_context(pool, min_score=0.01, token_budget=1000, final_k=5, keep_best=True)
    assert [p.chunk_ids for p in kept] == [[1]]
