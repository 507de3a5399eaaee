"""Choose what the LLM sees: passages above the calibrated threshold, best first, within a token budget."""

from dataclasses import dataclass, field

from retrieval.first_stage import Candidate


@dataclass
class Scored(Candidate):
    """A first-stage candidate with its reranker scores and final place."""

    logit: float | None = None  # the one the order and threshold use (retrieval.scoring.combine)
    chunk_logit: float | None = None  # the whole chunk's, when scored
    window_logit: float | None = None  # the best window's, when scored
    window_start: int | None = None  # the best window, as character offsets into text
    window_end: int | None = None
    probability: float | None = None
    rerank_rank: int | None = None
    final_score: float = 0.0
    final_rank: int = 0


@dataclass
class Passage:
    """What an answer is given and shows: one chunk, or neighbouring chunks merged, with the scores of the best.

    The evidence is the best window's span in `text` (the sentences the reranker liked most): cards highlight it
    and extracted answers quote it. It is a display and threshold aid; the model reads the whole passage.
    """

    document_id: int
    title: str
    text: str
    page_start: int
    page_end: int
    token_count: int
    final_rank: int
    probability: float | None = None
    logit: float | None = None
    window_logit: float | None = None
    dense_rank: int | None = None
    text_rank: int | None = None
    rrf: float | None = None
    evidence_start: int | None = None
    evidence_end: int | None = None
    chunk_ids: list[int] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)
    page_breaks: list[int] = field(default_factory=list)  # offsets into text where pages after page_start begin

    def page_at(self, offset: int) -> int:
        """The page on which the character at this offset of the text stands."""
        return min(self.page_start + sum(1 for b in self.page_breaks if b <= offset), self.page_end)

    @classmethod
    def of(cls, candidate: Scored) -> "Passage":
        return cls(
            document_id=candidate.document_id,
            title=candidate.title,
            text=candidate.text,
            page_start=candidate.page_start,
            page_end=candidate.page_end,
            token_count=candidate.token_count,
            final_rank=candidate.final_rank,
            probability=candidate.probability,
            logit=candidate.logit,
            window_logit=candidate.window_logit,
            dense_rank=candidate.dense_rank,
            text_rank=candidate.text_rank,
            rrf=candidate.rrf,
            evidence_start=candidate.window_start,
            evidence_end=candidate.window_end,
            chunk_ids=[candidate.chunk_id],
            ordinals=[candidate.ordinal],
            page_breaks=list(candidate.page_breaks),
        )

    @property
    def evidence(self) -> str:
        return evidence_text(self.text, self.evidence_start, self.evidence_end)


def evidence_span(text: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """The evidence's (start, end) in text, or None when windows were not scored; the one reading of the offsets
    that a Passage and a stored AnswerPassage both carry."""
    if start is None or end is None or not 0 <= start <= end <= len(text):
        return None
    return start, end


def evidence_text(text: str, start: int | None, end: int | None) -> str:
    span = evidence_span(text, start, end)
    return text[span[0] : span[1]] if span else ""


def choose_context(
    candidates: list[Scored], *, min_score: float, token_budget: int, final_k: int, keep_best: bool = False
) -> list[Passage]:
    """Greedy in final order: keep passages at or above min_score until FINAL_K or the budget is reached.

    keep_best: the first candidate is kept whatever its score, because the refusal decision, which sees more than
    one passage's score, has already said that the documents cover the question.

    A chunk next to or overlapping one already chosen from the same document is merged into it, so the
    LLM reads one continuous passage instead of two that repeat each other.
    """
    passages: list[Passage] = []
    used = 0
    for index, candidate in enumerate(candidates):
        below = candidate.probability is not None and candidate.probability < min_score
        if below and not (keep_best and index == 0):
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
    shift = len(first) + (0 if overlap else 1) - overlap  # where the second text's remainder now starts
    if before and passage.evidence_start is not None and passage.evidence_end is not None:
        passage.evidence_start, passage.evidence_end = passage.evidence_start + shift, passage.evidence_end + shift
    first_breaks, second_breaks = (candidate.page_breaks, passage.page_breaks) if before else (
        passage.page_breaks, candidate.page_breaks)  # fmt: skip
    passage.page_breaks = sorted({*first_breaks, *(b + shift for b in second_breaks if b >= overlap)})
    passage.text = first + ("" if overlap else "\n") + second[overlap:]
    passage.page_start = min(passage.page_start, candidate.page_start)
    passage.page_end = max(passage.page_end, candidate.page_end)
    passage.token_count += extra_tokens
    passage.chunk_ids.append(candidate.chunk_id)
    passage.ordinals.append(candidate.ordinal)
