"""The question-and-answer pages: thin views over the answers services and selectors."""

import codecs
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from answers.forms import AskForm, FeedbackForm, PassageMarkForm
from answers.ratelimit import over_limit, rate_key
from answers.selectors import (
    answer_for_user,
    conversation_for_user,
    conversations_recent,
    marks_of,
    passage_for_user,
    passages_visible,
    thread_of,
    vote_of,
)
from answers.serialize import answer_data, passages_data
from answers.services import Event, answer_stream, feedback_set, passage_mark_set
from answers.streaming import stream_response
from ingestion.extraction import DOCX, HTML, IMAGES, MARKDOWN, PDF, TEXT
from ingestion.selectors import document_readable

View = Callable[..., HttpResponseBase]


def questions_allowed(view: View) -> View:
    """Login required unless ALLOW_ANONYMOUS_QUESTIONS."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.ALLOW_ANONYMOUS_QUESTIONS and not request.user.is_authenticated:
            if request.method == "GET":
                return redirect_to_login(request.get_full_path())
            return JsonResponse({"error": "Please log in to ask questions."}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


def session_answers(request: HttpRequest) -> frozenset[int]:
    return frozenset(request.session.get("answer_ids", []))


def sse(events: Iterator[Event], request: HttpRequest) -> Iterator[str]:
    for event in events:
        if event.name == "answer" and not request.user.is_authenticated:
            request.session["answer_ids"] = [*request.session.get("answer_ids", [])[-49:], event.data["id"]]
            request.session.save()
        yield event.as_sse()


@require_GET
@questions_allowed
def ask_page(request: HttpRequest) -> HttpResponse:
    context = {"form": AskForm(user=request.user), "conversations": conversations_recent(user=request.user)}
    return render(request, "answers/ask.html", context)


@require_POST
@questions_allowed
def ask_stream(request: HttpRequest) -> HttpResponseBase:
    form = AskForm(request.POST, user=request.user)
    if not form.is_valid():
        return JsonResponse({"error": form.error_text()}, status=400)
    if over_limit(rate_key(request)):
        return JsonResponse({"error": "Too many questions; please wait a minute."}, status=429)
    if not request.user.is_authenticated:
        # The session cookie goes out with the headers, before the stream adds this answer to the session.
        request.session["answer_ids"] = request.session.get("answer_ids", [])
        request.session.save()
    conversation = None
    if form.cleaned_data["conversation"] is not None:
        conversation = conversation_for_user(
            conversation_id=form.cleaned_data["conversation"],
            user=request.user,
            session_answer_ids=session_answers(request),
        )
        if conversation is None:
            return JsonResponse({"error": "That conversation is not yours, or no longer exists."}, status=404)
    events = answer_stream(
        question=form.cleaned_data["question"],
        user=request.user,
        collections=form.cleaned_data["collections"],
        conversation=conversation,
    )
    return stream_response(sse(events, request))


@require_GET
@questions_allowed
def answer_page(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = answer_for_user(answer_id=answer_id, user=request.user, session_answer_ids=session_answers(request))
    if answer is None:
        raise Http404("No such answer.")
    shown = passages_visible(answer=answer, user=request.user)
    context = {
        "form": AskForm(initial={"conversation": answer.conversation_id}, user=request.user),
        "answer": answer,
        "answer_json": {
            "answer": answer_data(answer, shown=shown),
            "passages": passages_data(shown),
            "marks": marks_of(answer=answer, user=request.user),
            "vote": vote_of(answer=answer, user=request.user),
        },
        "conversations": conversations_recent(user=request.user),
        "thread": thread_of(answer=answer),
    }
    return render(request, "answers/ask.html", context)


@require_POST
@questions_allowed
def feedback(request: HttpRequest, answer_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Please log in to rate answers."}, status=401)
    answer = answer_for_user(answer_id=answer_id, user=request.user)
    if answer is None:
        return JsonResponse({"error": "No such answer."}, status=404)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": "Rating must be 1 or -1; a comment has at most 2000 characters."}, status=400)
    vote = feedback_set(answer=answer, user=request.user, **form.cleaned_data)
    return JsonResponse({"rating": vote.rating, "comment": vote.comment})


@require_POST
@questions_allowed
def passage_mark(request: HttpRequest, answer_id: int, number: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Please log in to mark sources."}, status=401)
    passage = passage_for_user(answer_id=answer_id, number=number, user=request.user)
    if passage is None:
        return JsonResponse({"error": "No such source."}, status=404)
    form = PassageMarkForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": "relevant must be 1, 0, or empty to take the mark back."}, status=400)
    mark = passage_mark_set(passage=passage, user=request.user, relevant=form.cleaned_data["relevant"])
    return JsonResponse({"relevant": None if mark is None else mark.relevant})


@require_GET
@questions_allowed
def document_file(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """The original file with its own type: PDF (the link adds #page=N), HTML, Markdown and text open in the
    browser, DOCX downloads. Everything but a PDF is sandboxed: an uploaded HTML page never runs as this site."""
    document = document_readable(document_id=document_id, user=request.user)
    if document is None or not document.file:
        raise Http404("No such document.")
    shown_as, inline = SERVED.get(document.content_type, ("application/octet-stream", False))
    stream = document.file.open("rb")
    if shown_as.startswith("text/") and _utf8(stream.read(65536)):
        shown_as += "; charset=utf-8"  # else the browser guesses, as for any text without a declared charset
    stream.seek(0)
    response = FileResponse(stream, as_attachment=not inline, filename=document.original_name)
    response["Content-Type"] = shown_as
    response["X-Content-Type-Options"] = "nosniff"
    if shown_as != PDF:
        response["Content-Security-Policy"] = "sandbox"
    return response


# What each stored type is served as, and whether the browser shows it (Markdown reads well as plain text).
SERVED = {
    PDF: (PDF, True),
    HTML: (HTML, True),
    MARKDOWN: (TEXT, True),
    TEXT: (TEXT, True),
    DOCX: (DOCX, False),
    **{image: (image, True) for image in IMAGES},  # a scan or photo is shown as itself
}


def _utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut at the end is fine
    except UnicodeDecodeError:
        return False
    return True
