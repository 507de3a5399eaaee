"""Answers and their passages in and out: the one place a retrieved Passage becomes a stored AnswerPassage, and
stored ones become JSON for the page, the API and the feedback export."""

from collections.abc import Iterable
from typing import Any

from answers.models import Answer, AnswerPassage
from retrieval.context import Passage, evidence_text

WITHHELD = "This answer drew on documents you can no longer read, so it is not shown."
# Passage fields an AnswerPassage stores under the same name.
STORED_FIELDS = (
    "document_id", "chunk_ids", "title", "text", "page_start", "page_end", "final_rank", "probability", "logit",
    "window_logit", "dense_rank", "text_rank", "rrf", "evidence_start", "evidence_end",
)  # fmt: skip
# What the page and the API show of a passage; the export adds the scores.
SHOWN_FIELDS = (
    "number", "given", "title", "text", "document_id", "page_start", "page_end", "page", "probability",
    "evidence_start", "evidence_end",
)  # fmt: skip
SCORE_FIELDS = ("chunk_id", "final_rank", "dense_rank", "text_rank", "rrf", "logit", "window_logit")


def answer_passage_of(
    passage: Passage, *, answer: Answer, number: int, given: bool, page: int | None = None
) -> AnswerPassage:
    """page: where its cited text stands, when known better than the start of its evidence (an extract's quote)."""
    return AnswerPassage(
        answer=answer,
        number=number,
        given=given,
        chunk_id=passage.chunk_ids[0] if passage.chunk_ids else None,
        page=page or passage.page_at(passage.evidence_start or 0),
        **{name: getattr(passage, name) for name in STORED_FIELDS},
    )


def answer_data(answer: Answer, *, shown: Iterable[AnswerPassage] | None = None) -> dict[str, Any]:
    """The answer. With shown (the passages this reader may see now): an answer written from any other passage
    is withheld, since it quotes or retells what the reader may no longer read."""
    numbers = None if shown is None else {p.number for p in shown}
    withheld = numbers is not None and answer.passages.filter(given=True).exclude(number__in=numbers).exists()
    return {
        "id": answer.pk,
        "question": answer.question,
        "conversation": answer.conversation_id,
        "search_query": answer.search_query,
        "status": answer.status,
        "mode": answer.mode,
        "answer": WITHHELD if withheld else answer.answer,
        "citations": [] if withheld else answer.citations,
        "collections": sorted(c.pk for c in answer.collections.all()),
        "invalid_citations": answer.invalid_citations,
        "error": answer.error and "The answer could not be completed.",
        "timings_ms": answer.timings_ms,
        "reranker_fell_back": answer.reranker_fell_back,
        "created_at": answer.created_at.isoformat(),
    }


def passage_data(passage: AnswerPassage) -> dict[str, Any]:
    return {name: getattr(passage, name) for name in SHOWN_FIELDS}


def passages_data(passages: Iterable[AnswerPassage]) -> list[dict[str, Any]]:
    return [passage_data(p) for p in passages]


def answer_with_passages(answer: Answer, passages: list[AnswerPassage]) -> dict[str, Any]:
    """The answer with the passages its reader may see (answers.selectors.passages_visible)."""
    return {**answer_data(answer, shown=passages), "passages": passages_data(passages)}


def passage_record(passage: AnswerPassage, *, cited: bool) -> dict[str, Any]:
    """A passage for the feedback export: what was shown, its scores, whether it was cited, and its evidence."""
    return {
        **passage_data(passage),
        **{name: getattr(passage, name) for name in SCORE_FIELDS},
        "cited": cited,
        "evidence": evidence_text(passage.text, passage.evidence_start, passage.evidence_end),
    }
