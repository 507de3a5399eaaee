"""Reads of the answers app."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from answers.models import Answer, AnswerPassage, PassageMark
from ingestion.selectors import collections_readable


def answers_recent(*, user: User | AnonymousUser, limit: int = 10) -> QuerySet[Answer]:
    if not user.is_authenticated:
        return Answer.objects.none()
    return Answer.objects.filter(user=user).only("id", "question", "created_at", "status")[:limit]


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
