"""JSON API with an OpenAPI description at /api/docs: session auth (with CSRF) for the page, tokens for scripts."""

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from answers.forms import AskForm, FeedbackForm, PassageMarkForm
from answers.models import ApiToken
from answers.ratelimit import over_limit, rate_key
from answers.selectors import answer_for_user, conversation_for_user, passage_for_user, passages_visible
from answers.serialize import answer_with_passages
from answers.services import answer_complete, answer_stream, feedback_set, passage_mark_set
from answers.streaming import stream_response
from ingestion.api import collections_router
from ingestion.api import router as documents_router

HOW_TO_AUTHENTICATE = "log in, or send an API token (made in the admin) as the header 'Authorization: Bearer TOKEN'"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = ApiToken.objects.select_related("user").filter(key_sha256=digest, user__is_active=True).first()
        if found is None:  # said at once: never passed on as an anonymous question, never a CSRF failure
            raise HttpError(401, "The API token is wrong, revoked, or its user is inactive.")
        request.user = found.user
        return found.user


class SessionCookieAuth(SessionAuth):
    """The session, with its CSRF check only when a session cookie came: without one there is nothing for CSRF
    to protect, and a script that sent no valid credentials is told so (401), not "CSRF check Failed" (403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


def anonymous_allowed(request: HttpRequest) -> bool:
    """Requests without credentials pass when ALLOW_ANONYMOUS_QUESTIONS is on."""
    if not settings.ALLOW_ANONYMOUS_QUESTIONS:
        raise HttpError(401, f"No credentials were sent: {HOW_TO_AUTHENTICATE}.")
    return True


api = NinjaAPI(
    title="ragsite",
    version="1",
    # Tokens first: a script sends no CSRF token, and the session check would refuse it before a later
    # authenticator ran.
    auth=[TokenAuth(), SessionCookieAuth(), anonymous_allowed],
    urls_namespace="api",
)
api.add_router("/documents", documents_router)
api.add_router("/collections", collections_router)


class AskIn(Schema):
    question: str
    stream: bool = False
    collections: list[int] = []  # none: every collection the asker may read
    conversation: int | None = None  # continue this conversation (none: start one); the answer says which


class FeedbackIn(Schema):
    rating: int
    comment: str = ""


class MarkIn(Schema):
    relevant: bool | None


class MarkOut(Schema):
    relevant: bool | None


class FeedbackOut(Schema):
    rating: int
    comment: str


def _parsed(request: HttpRequest, payload: AskIn) -> dict[str, Any]:
    """The question and collections, validated by the page's own form, so both refuse the same input with the
    same words (a collection the asker may not read is refused exactly like one that does not exist)."""
    form = AskForm({"question": payload.question, "collections": payload.collections}, user=request.user)
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    return form.cleaned_data


@api.post("/ask", summary="Ask a question; with stream=true the answer comes as server-sent events")
def ask(request: HttpRequest, payload: AskIn) -> Any:
    asked = _parsed(request, payload)
    conversation = None
    if payload.conversation is not None:
        conversation = conversation_for_user(conversation_id=payload.conversation, user=request.user)
        if conversation is None:
            raise HttpError(404, "No such conversation.")
    if over_limit(rate_key(request)):
        raise HttpError(429, "Too many questions; please wait a minute.")
    asked["conversation"] = conversation
    if payload.stream:
        events = answer_stream(user=request.user, **asked)
        return stream_response(e.as_sse() for e in events)
    answer = answer_complete(user=request.user, **asked)
    return answer_with_passages(answer, passages_visible(answer=answer, user=request.user))


@api.get("/answers/{answer_id}", summary="An answer with its passages and citations")
def get_answer(request: HttpRequest, answer_id: int) -> Any:
    answer = answer_for_user(answer_id=answer_id, user=request.user)
    if answer is None:
        raise HttpError(404, "No such answer.")  # a foreign answer looks like a missing one
    return answer_with_passages(answer, passages_visible(answer=answer, user=request.user))


@api.post("/answers/{answer_id}/feedback", response=FeedbackOut, summary="Thumbs up (1) or down (-1)")
def post_feedback(request: HttpRequest, answer_id: int, payload: FeedbackIn) -> Any:
    if not request.user.is_authenticated:
        raise HttpError(401, "Log in or send a token to rate answers.")
    answer = answer_for_user(answer_id=answer_id, user=request.user)
    if answer is None:
        raise HttpError(404, "No such answer.")
    form = FeedbackForm({"rating": str(payload.rating), "comment": payload.comment})
    if not form.is_valid():
        raise HttpError(400, "rating must be 1 (helpful) or -1 (not helpful); a comment has at most 2000 characters.")
    return feedback_set(answer=answer, user=request.user, **form.cleaned_data)


@api.post(
    "/answers/{answer_id}/sources/{number}/mark",
    response=MarkOut,
    summary="Mark a source relevant (true) or not (false) to the question; null takes the mark back",
)
def post_mark(request: HttpRequest, answer_id: int, number: int, payload: MarkIn) -> Any:
    if not request.user.is_authenticated:
        raise HttpError(401, "Log in or send a token to mark sources.")
    passage = passage_for_user(answer_id=answer_id, number=number, user=request.user)
    if passage is None:
        raise HttpError(404, "No such source.")
    form = PassageMarkForm({"relevant": {True: "1", False: "0", None: ""}[payload.relevant]})
    form.is_valid()  # three values, all valid: parsed by the page's own form so both read them alike
    mark = passage_mark_set(passage=passage, user=request.user, relevant=form.cleaned_data["relevant"])
    return {"relevant": None if mark is None else mark.relevant}
