"""Reads of the answers app."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from answers.models import Answer, AnswerPassage, PassageMark


def answers_recent(*, user: User | AnonymousUser, limit: int = 10) -> QuerySet[Answer]:
    if not user.is_authenticated:
        return Answer.objects.none()
    return Answer.objects.filter(user=user).only("id", "question", "created_at", "status")[:limit]


def answer_for_user(
    *, answer_id: int, user: User | AnonymousUser, session_answer_ids: frozenset[int] = frozenset()
) -> Answer | None:
    """The answer if this user may see it: their own, anyone's for staff, or an anonymous one asked in this
    browser session (ALLOW_ANONYMOUS_QUESTIONS). None otherwise, so a foreign answer looks like a missing one."""
    answer = Answer.objects.filter(pk=answer_id).first()
    if answer is None:
        return None
    if user.is_authenticated and (user.is_staff or answer.user_id == user.pk):
        return answer
    if answer.user_id is None and answer.pk in session_answer_ids:
        return answer
    return None


def passage_for_user(*, answer_id: int, number: int, user: User | AnonymousUser) -> AnswerPassage | None:
    """A source of an answer this user may see (answer_for_user's rule), or None."""
    answer = answer_for_user(answer_id=answer_id, user=user)
    return None if answer is None else answer.passages.filter(number=number).first()


def marks_of(*, answer: Answer, user: User | AnonymousUser) -> dict[int, bool]:
    """This user's relevance marks on the answer's sources, by source number."""
    if not user.is_authenticated:
        return {}
    marks = PassageMark.objects.filter(passage__answer=answer, user=user).values_list("passage__number", "relevant")
    return dict(marks)
