"""Choose what the LLM sees: passages above the calibrated threshold, best first, within a token budget."""

from dataclasses import dataclass, field

from retrieval.first_stage import Candidate


@dataclass
class Scored(Candidate):
    """A first-stage candidate with its reranker scores and final place."""

    logit: float | None = None
    probability: float | None = None
    rerank_rank: int | None = None
    final_score: float = 0.0
    final_rank: int = 0


@dataclass
class Passage:
    document_id: int
    title: str
    text: str
    page_start: int
    page_end: int
    token_count: int
    probability: float | None
    final_rank: int
    chunk_ids: list[int] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, candidate: Scored) -> "Passage":
        return cls(
            document_id=candidate.document_id,
            title=candidate.title,
            text=candidate.text,
            page_start=candidate.page_start,
            page_end=candidate.page_end,
            token_count=candidate.token_count,
            probability=candidate.probability,
            final_rank=candidate.final_rank,
            chunk_ids=[candidate.chunk_id],
            ordinals=[candidate.ordinal],
        )


def choose_context(candidates: list[Scored], *, min_score: float, token_budget: int, final_k: int) -> list[Passage]:
    """Greedy in final order: keep passages at or above min_score until FINAL_K or the budget is reached.

    A chunk next to or overlapping one already chosen from the same document is merged into it, so the
    LLM reads one continuous passage instead of two that repeat each other.
    """
    passages: list[Passage] = []
    used = 0
    for candidate in candidates:
        if candidate.probability is not None and candidate.probability < min_score:
            continue
        neighbour = next((p for p in passages if _adjacent(p, candidate)), None)
        if neighbour is not None:
            extra = _merge_cost(neighbour, candidate)
            if used + extra <= token_budget:
                _merge(neighbour, candidate, extra)
                used += extra
            continue
        if len(passages) >= final_k or used + candidate.token_count > token_budget:
            continue
        passages.append(Passage.of(candidate))
        used += candidate.token_count
    return passages


def _adjacent(passage: Passage, candidate: Scored) -> bool:
    return passage.document_id == candidate.document_id and (
        candidate.ordinal == min(passage.ordinals) - 1 or candidate.ordinal == max(passage.ordinals) + 1
    )


def _overlap_chars(first: str, second: str) -> int:
    """Length of the longest end of `first` that starts `second` (chunks repeat their overlap)."""
    for size in range(min(len(first), len(second)), 0, -1):
        if first.endswith(second[:size]):
            return size
    return 0


def _merge_cost(passage: Passage, candidate: Scored) -> int:
    before = candidate.ordinal < min(passage.ordinals)
    first, second = (candidate.text, passage.text) if before else (passage.text, candidate.text)
    overlap = _overlap_chars(first, second)
    share = 1 - overlap / max(len(candidate.text), 1)
    return max(0, round(candidate.token_count * share))


def _merge(passage: Passage, candidate: Scored, extra_tokens: int) -> None:
    before = candidate.ordinal < min(passage.ordinals)
    first, second = (candidate.text, passage.text) if before else (passage.text, candidate.text)
    overlap = _overlap_chars(first, second)
    passage.text = first + ("" if overlap else "\n") + second[overlap:]
    passage.page_start = min(passage.page_start, candidate.page_start)
    passage.page_end = max(passage.page_end, candidate.page_end)
    passage.token_count += extra_tokens
    passage.chunk_ids.append(candidate.chunk_id)
    passage.ordinals.append(candidate.ordinal)
