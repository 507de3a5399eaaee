"""Writes of the answers app: answering a question (streamed), and feedback on answers."""

import json
import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from answers.citations import check_citations
from answers.extractive import Extract, extractive_answer
from answers.llm import LLMError, StreamStats, llm_configured, llm_judges, stream_chat, yes_probability
from answers.models import Answer, AnswerPassage, Conversation, Feedback, PassageMark
from answers.prompts import JUDGE_FORM, build_messages, declined, history_within, may_become_declined
from answers.rewrite import standalone_query
from answers.serialize import answer_data, answer_passage_of, passages_data
from ingestion.selectors import collection_ids_readable
from retrieval.context import Passage
from retrieval.selectors import RetrievalResult, calibration_current, reranker_current, retrieve, window_plan

logger = logging.getLogger(__name__)
NOT_COVERED = "The documents do not cover this question. The closest passages found are listed below."
CLOSEST_SHOWN = 3
REWRITE_TURNS = 3  # the turns a follow-up is rewritten in the light of (the model reads their questions)


@dataclass
class Event:
    """One server-sent event of a streamed answer: answer, sources, token, error or done."""

    name: str
    data: dict[str, Any]

    def as_sse(self) -> str:
        return f"event: {self.name}\ndata: {json.dumps(self.data)}\n\n"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def answer_stream(
    *,
    question: str,
    user: User | AnonymousUser | None,
    collections: Sequence[int] = (),
    conversation: Conversation | None = None,
) -> Generator[Event, None, None]:
    """Answer a question from the chosen collections (none chosen: all), of those the asker may read; yielding
    events as the answer forms; everything is stored on the Answer, with the collections searched. The answer
    continues the conversation given (a follow-up is searched made standalone), else starts one."""
    started = time.perf_counter()
    owner = user if user is not None and user.is_authenticated else None
    readable = collection_ids_readable(user=user)
    searched = [pk for pk in readable if pk in collections] if collections else readable
    conversation, query = _in_conversation(conversation, question, owner)
    answer = Answer.objects.create(question=question, user=owner, conversation=conversation, search_query=query)
    answer.collections.set(searched)
    try:
        yield Event("answer", {"id": answer.pk, "conversation": conversation.pk, "search_query": query})
        yield from _answer_events(answer, query, searched, started)
    finally:
        if answer.status == Answer.Status.STREAMING:  # the client went away, or something unforeseen broke
            _finish(answer, status=Answer.Status.FAILED, error="The answer was interrupted before it was complete.")


def _in_conversation(conversation: Conversation | None, question: str, owner: User | None) -> tuple[Conversation, str]:
    """The conversation the question belongs to (a new one if none is given) and the question made to stand
    alone in the light of its previous turn, for retrieval and for the model."""
    if conversation is None:
        return Conversation.objects.create(user=owner, title=question[:200]), question
    earlier = conversation.answers.order_by("-created_at").values_list("question", flat=True)[:REWRITE_TURNS]
    conversation.save(update_fields=["updated_at"])
    return conversation, standalone_query(question, list(earlier)[::-1])


def _answer_events(answer: Answer, question: str, searched: list[int], started: float) -> Iterator[Event]:
    try:
        result = _retrieve(question, searched)
    except Exception as exc:  # database or model down: the question is kept with its error
        logger.exception("retrieval failed")
        _finish(answer, status=Answer.Status.FAILED, error=f"Search failed: {type(exc).__name__}: {exc}"[:2000])
        yield Event("error", {"message": "Searching the documents failed. Please try again in a moment."})
        yield Event("done", answer_data(answer))
        return
    answer.timings_ms = {
        "retrieve": result.timings_ms.get("total", 0.0),
        "rerank": result.timings_ms.get("rerank", 0.0),
    }
    answer.reranker_fell_back = result.reranker_fell_back
    answer.coverage = result.coverage.as_dict() if result.coverage else {}
    if result.nothing_relevant:
        closest = [Passage.of(c) for c in result.candidates[:CLOSEST_SHOWN]]
        _store_passages(answer, closest, given=False)
        yield Event("sources", {"passages": passages_data(answer.passages.all()), "given": False})
        _finish(answer, status=Answer.Status.NO_CONTEXT, text=NOT_COVERED, started=started)
        yield Event("token", {"text": NOT_COVERED})
        yield Event("done", answer_data(answer))
        return
    # An extract is made first, so that each source's stored page is that of the sentence it quotes from the start.
    extract = None if llm_configured() else _extract(question, result.context, reranked=result.reranked)
    _store_passages(answer, result.context, given=True, pages=extract.pages if extract else {})
    yield Event("sources", {"passages": passages_data(answer.passages.all()), "given": True})
    if extract is None:
        yield from _written_answer(answer, question, result.context, started)
    else:
        yield from _quoted_answer(answer, extract, started)
    yield Event("done", answer_data(answer))


def _retrieve(question: str, searched: list[int]) -> RetrievalResult:
    """With the reader judging coverage, every passage above the looser LLM_JUDGE_MIN_SCORE goes to it and the
    reader, not the passage threshold or the refusal decision, says whether the documents answer."""
    if llm_judges():
        return retrieve(question, collections=searched, min_score=settings.LLM_JUDGE_MIN_SCORE, decide=False)
    return retrieve(question, collections=searched)


def _reader_says_covered(answer: Answer, question: str, context: list[Passage]) -> bool:
    """The model's probability that the sources answer, against LLM_JUDGE_MIN_YES; when it cannot judge, the
    passage threshold decides as it would without the reader."""
    started = time.perf_counter()
    try:
        yes = yes_probability(build_messages(question, context, settings.LLM_SOURCE_TEXT, JUDGE_FORM))
    except LLMError as exc:
        threshold = calibration_current(window_plan()).threshold
        covered = any((p.probability or 0.0) >= threshold for p in context)
        answer.coverage = {**answer.coverage, "reader_error": str(exc), "threshold_covered": covered}
        return covered
    finally:
        answer.timings_ms["judge"] = _ms(started)
    answer.coverage = {**answer.coverage, "reader_yes": round(yes, 4), "reader_min_yes": settings.LLM_JUDGE_MIN_YES}
    return yes >= settings.LLM_JUDGE_MIN_YES


def _extract(question: str, context: list[Passage], *, reranked: bool) -> Extract:
    return extractive_answer(question, context, reranker_current() if reranked else None)


def _quoted_answer(answer: Answer, extract: Extract, started: float, error: str = "") -> Iterator[Event]:
    """The extract as the answer; each quoted source's page becomes the page its quoted sentence stands on."""
    for number, page in extract.pages.items():
        answer.passages.filter(number=number).update(page=page)
    answer.timings_ms.setdefault("first_token", _ms(started))
    yield Event("token", {"text": extract.text})
    _finish(answer, status=Answer.Status.COMPLETE, text=extract.text, mode=Answer.Mode.EXTRACTIVE, started=started,
            error=error)  # fmt: skip


def _written_answer(answer: Answer, question: str, context: list[Passage], started: float) -> Iterator[Event]:
    if llm_judges() and not _reader_says_covered(answer, question, context):
        yield from _declined_by_reader(answer, started)
        return
    stats = StreamStats()
    pieces: list[str] = []
    shown = 0  # pieces streamed to the reader; the start of a reply that may be the declined sentence is held back
    try:
        messages = build_messages(question, context, settings.LLM_SOURCE_TEXT, history=_history(answer))
        for piece in stream_chat(messages, stats):
            if not pieces:
                answer.timings_ms["first_token"] = _ms(started)
            pieces.append(piece)
            if not may_become_declined("".join(pieces)):
                yield from (Event("token", {"text": p}) for p in pieces[shown:])
                shown = len(pieces)
    except LLMError as exc:
        error = f"{exc}; " + " | ".join(stats.errors)
        if shown == 0:  # nothing reached the reader yet: the answer is extracted instead, with a notice
            yield Event("error", {"message": f"The language model did not answer ({exc}); this answer is "
                                             "extracted from the sources instead."})  # fmt: skip
            yield from _quoted_answer(answer, _extract(question, context, reranked=True), started, error)
            return
        message = f"The answer could not be written: {exc}. The sources found for your question are listed below."
        _finish(
            answer,
            status=Answer.Status.FAILED,
            text="".join(pieces),
            mode=Answer.Mode.LLM,
            started=started,
            error=error,
            stats=stats,
        )
        yield Event("error", {"message": message})
        return
    if declined("".join(pieces)):  # the model read the sources and found no answer: say so as retrieval would
        yield from _declined_by_reader(answer, started, stats)
        return
    yield from (Event("token", {"text": p}) for p in pieces[shown:])
    _finish(
        answer, status=Answer.Status.COMPLETE, text="".join(pieces), mode=Answer.Mode.LLM, started=started, stats=stats
    )


def _history(answer: Answer) -> list[tuple[str, str]]:
    """The conversation's earlier answered turns (question, answer), oldest first, within LLM_HISTORY_TOKENS."""
    if answer.conversation_id is None or settings.LLM_HISTORY_TOKENS <= 0:
        return []
    earlier = (
        Answer.objects.filter(conversation_id=answer.conversation_id, status=Answer.Status.COMPLETE)
        .exclude(pk=answer.pk)
        .order_by("-created_at")
        .values_list("question", "answer")[:REWRITE_TURNS]
    )
    return history_within(list(earlier)[::-1], settings.LLM_HISTORY_TOKENS)


def _declined_by_reader(answer: Answer, started: float, stats: StreamStats | None = None) -> Iterator[Event]:
    """The model read the sources and found no answer: "not covered", the sources kept as the closest found."""
    answer.passages.update(given=False)
    answer.coverage = {**answer.coverage, "reader_declined": True}
    yield Event("token", {"text": NOT_COVERED})
    _finish(answer, status=Answer.Status.NO_CONTEXT, text=NOT_COVERED, started=started, stats=stats)


@transaction.atomic
def _store_passages(
    answer: Answer, passages: list[Passage], *, given: bool, pages: dict[int, int] | None = None
) -> None:
    """pages: the page each numbered source's quoted sentence stands on (else that of its evidence)."""
    pages = pages or {}
    AnswerPassage.objects.bulk_create(
        answer_passage_of(passage, answer=answer, number=number, given=given, page=pages.get(number))
        for number, passage in enumerate(passages, start=1)
    )


def _finish(
    answer: Answer,
    *,
    status: str,
    text: str = "",
    mode: str = Answer.Mode.NONE,
    started: float | None = None,
    error: str = "",
    stats: StreamStats | None = None,
) -> None:
    """Check the citations against the passages given and store the outcome. Each citation links to its source's
    stored page (where its quoted sentence, else its evidence, stands)."""
    given = {p.number: p for p in answer.passages.filter(given=True)}
    checked = check_citations(text, len(given)) if mode != Answer.Mode.NONE else None
    answer.status, answer.mode, answer.raw_answer, answer.error = status, mode, text, error
    answer.answer = checked.text if checked else text
    answer.invalid_citations = checked.invalid if checked else []
    answer.citations = [
        {
            "number": n,
            "chunk_id": given[n].chunk_id,
            "document_id": given[n].document_id,
            "page": given[n].page or given[n].page_start,
        }
        for n in (checked.cited if checked else [])
    ]
    if stats is not None:
        answer.model = stats.model[:200]
        answer.prompt_tokens, answer.completion_tokens = stats.prompt_tokens, stats.completion_tokens
    if started is not None:
        answer.timings_ms["total"] = _ms(started)
    answer.save()


def answer_complete(
    *,
    question: str,
    user: User | AnonymousUser | None,
    collections: Sequence[int] = (),
    conversation: Conversation | None = None,
) -> Answer:
    """The whole answer at once (the API without streaming)."""
    answer_id = 0
    for event in answer_stream(question=question, user=user, collections=collections, conversation=conversation):
        if event.name == "answer":
            answer_id = int(event.data["id"])
    return Answer.objects.get(pk=answer_id)


@transaction.atomic
def feedback_set(*, answer: Answer, user: User, rating: int, comment: str = "") -> Feedback:
    """One vote per user per answer; voting again changes it."""
    feedback, _ = Feedback.objects.update_or_create(
        answer=answer, user=user, defaults={"rating": rating, "comment": comment[:2000]}
    )
    return feedback


@transaction.atomic
def passage_mark_set(*, passage: AnswerPassage, user: User, relevant: bool | None) -> PassageMark | None:
    """One mark per user per source; marking again changes it, None takes it back."""
    if relevant is None:
        PassageMark.objects.filter(passage=passage, user=user).delete()
        return None
    mark, _ = PassageMark.objects.update_or_create(passage=passage, user=user, defaults={"relevant": relevant})
    return mark
