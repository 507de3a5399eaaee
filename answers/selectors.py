"""Reads of the answers app."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, QuerySet

from answers.models import Answer, AnswerPassage, Conversation, Feedback, PassageMark
from ingestion.selectors import collections_readable
from retrieval.coverage import CoverageFeatures


def conversations_recent(*, user: User | AnonymousUser, limit: int = 10) -> QuerySet[Conversation]:
    """This user's latest conversations, each with its number of turns and its latest answer (to open it at)."""
    if not user.is_authenticated:
        return Conversation.objects.none()
    found = Conversation.objects.filter(user=user).annotate(latest=Max("answers__id"), turns=Count("answers"))
    return found.filter(latest__isnull=False)[:limit]


def thread_of(*, answer: Answer) -> list[Answer]:
    """The turns of the answer's conversation, oldest first (itself among them); the answer alone without one."""
    if answer.conversation_id is None:
        return [answer]
    turns = Answer.objects.filter(conversation_id=answer.conversation_id).order_by("created_at")
    return list(turns.only("id", "question", "status", "created_at"))


def answer_for_user(
    *, answer_id: int, user: User | AnonymousUser, session_answer_ids: frozenset[int] = frozenset()
) -> Answer | None:
    """The answer if this user may see it: their own, or an anonymous one asked in this browser session
    (ALLOW_ANONYMOUS_QUESTIONS). None otherwise, so a foreign answer looks like a missing one. Staff see
    everyone's answers in the admin, not here."""
    answer = Answer.objects.filter(pk=answer_id).first()
    if answer is None:
        return None
    if user.is_authenticated and answer.user_id == user.pk:
        return answer
    if answer.user_id is None and answer.pk in session_answer_ids:
        return answer
    return None


def conversation_for_user(
    *, conversation_id: int, user: User | AnonymousUser, session_answer_ids: frozenset[int] = frozenset()
) -> Conversation | None:
    """The conversation if this user may continue it: their own, or an anonymous one with an answer asked in this
    browser session (answer_for_user's rule). None otherwise, so a foreign one looks like a missing one."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    if user.is_authenticated and conversation.user_id == user.pk:
        return conversation
    if conversation.user_id is None and conversation.answers.filter(pk__in=session_answer_ids).exists():
        return conversation
    return None


def _readable_passages(answer: Answer, user: User | AnonymousUser) -> QuerySet[AnswerPassage]:
    """The answer's passages whose document this user may read now: access withdrawn later hides them from old
    answers too, and so does the document's deletion (nothing says who may read it any more)."""
    return answer.passages.filter(document__collection__in=collections_readable(user=user))


def passages_visible(*, answer: Answer, user: User | AnonymousUser) -> list[AnswerPassage]:
    return list(_readable_passages(answer, user).order_by("number"))


def passage_for_user(*, answer_id: int, number: int, user: User | AnonymousUser) -> AnswerPassage | None:
    """A source of an answer this user may see (answer_for_user's rule) from a collection they may read, or None."""
    answer = answer_for_user(answer_id=answer_id, user=user)
    return None if answer is None else _readable_passages(answer, user).filter(number=number).first()


def marks_of(*, answer: Answer, user: User | AnonymousUser) -> dict[int, bool]:
    """This user's relevance marks on the answer's sources they may still read, by source number."""
    if not user.is_authenticated:
        return {}
    marks = PassageMark.objects.filter(passage__in=_readable_passages(answer, user), user=user)
    return dict(marks.values_list("passage__number", "relevant"))


def vote_of(*, answer: Answer, user: User | AnonymousUser) -> dict[str, object] | None:
    """This user's vote and comment on the answer, for the answer page to show; None when they gave none."""
    if not user.is_authenticated:
        return None
    found = Feedback.objects.filter(answer=answer, user=user).values("rating", "comment").first()
    return dict(found) if found else None


def coverage_label(answer: Answer) -> bool | None:
    """Did the documents cover this answer's question, by what people said of it? None: nobody said.

    A source marked relevant says covered; sources marked, none of them relevant, say not covered. Without marks,
    a thumbs-up says the answer given was right: covered if sourced, not covered if it was a refusal. A thumbs-down
    says nothing certain (a bad answer, or an unwelcome refusal), so it is left out.
    """
    marks = [m.relevant for p in answer.passages.all() for m in p.marks.all()]
    if marks:
        return any(marks)
    ratings = {f.rating for f in answer.feedback.all()}
    if ratings == {Feedback.Rating.UP}:
        return answer.status == Answer.Status.COMPLETE
    return None


def coverage_marks(*, collection_id: int) -> list[tuple[CoverageFeatures, bool]]:
    """The refusal decision's features and the label people gave, for every marked answer whose evidence came
    from this collection (the collection of its best passage: the one whose calibration judged it)."""
    answers = (
        Answer.objects.filter(coverage__collection_id=collection_id)
        .exclude(coverage__features=None)
        .prefetch_related("passages__marks", "feedback")
    )
    labelled = []
    for answer in answers:
        label = coverage_label(answer)
        if label is not None:
            labelled.append((CoverageFeatures.from_dict(answer.coverage["features"]), label))
    return labelled
