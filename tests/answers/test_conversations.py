"""Conversations: each answer belongs to one, a follow-up is searched made standalone, and only its owner (or the
browser session that asked it anonymously) can continue it, on the page and through the API."""

import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from answers.models import Answer, ApiToken, Conversation
from answers.services import answer_complete
from tests.answers.test_views import events_of

pytestmark = pytest.mark.django_db
FIRST = "Who do I tell if my work laptop gets stolen?"


def test_a_follow_up_is_searched_with_its_topic_and_answered_from_it(demo_corpus, no_llm) -> None:
    first = answer_complete(question=FIRST, user=None)
    assert first.conversation is not None and first.search_query == FIRST
    follow_up = answer_complete(question="How fast?", user=None, conversation=first.conversation)
    assert follow_up.conversation == first.conversation and follow_up.question == "How fast?"
    assert "laptop" in follow_up.search_query and "stolen" in follow_up.search_query
    assert "1 hour" in follow_up.answer  # "How fast?" alone finds nothing of the sort
    assert answer_complete(question=FIRST, user=None).conversation != first.conversation  # no id: a new one


def test_the_page_continues_only_the_browsers_own_conversation(client, settings, demo_corpus, no_llm) -> None:
    settings.ALLOW_ANONYMOUS_QUESTIONS = True
    started = events_of(client.post(reverse("answers:ask-stream"), {"question": FIRST}))[0][1]
    assert started["search_query"] == FIRST and started["conversation"]
    asked = {"question": "How fast?", "conversation": started["conversation"]}
    follow_up = events_of(client.post(reverse("answers:ask-stream"), asked))
    assert follow_up[0][1]["conversation"] == started["conversation"] and "laptop" in follow_up[0][1]["search_query"]
    assert Client().post(reverse("answers:ask-stream"), asked).status_code == 404  # another browser session


def test_the_api_takes_a_conversation_and_refuses_another_users(client, django_user_model, demo_corpus, no_llm) -> None:
    dave = django_user_model.objects.create_user("dave", password="pw-dave-123")
    ApiToken.objects.create(user=dave, name="script", key_sha256=hashlib.sha256(b"dave-token").hexdigest())
    auth = {"HTTP_AUTHORIZATION": "Bearer dave-token"}

    def ask(payload: dict) -> Any:
        return client.post("/api/ask", json.dumps(payload), content_type="application/json", **auth)

    first = ask({"question": FIRST}).json()
    follow_up = ask({"question": "How fast?", "conversation": first["conversation"]}).json()
    assert follow_up["conversation"] == first["conversation"] and "laptop" in follow_up["search_query"]
    someone_elses = Conversation.objects.create(user=django_user_model.objects.create_user("erin"), title="x")
    assert ask({"question": "How fast?", "conversation": someone_elses.pk}).status_code == 404
    assert Answer.objects.filter(conversation=someone_elses).count() == 0


def test_the_answer_prompt_carries_earlier_turns_oldest_dropped_first_and_never_as_sources(
    demo_corpus, fake_llm, settings
) -> None:
    fake_llm.reply = "Report it within 1 hour [1]."
    first = answer_complete(question=FIRST, user=None)
    second = answer_complete(question="How fast?", user=None, conversation=first.conversation)
    answer_complete(question="And the extension?", user=None, conversation=first.conversation)
    messages = fake_llm.requests[-1]["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[1]["content"] == FIRST and messages[3]["content"] == second.question
    assert "not sources" in messages[0]["content"] and "<source" in messages[-1]["content"]
    assert "<source" not in messages[1]["content"]  # earlier turns are never numbered sources
    settings.LLM_HISTORY_TOKENS = 25  # room for the latest turn only: the oldest goes first
    answer_complete(question="Who do I call?", user=None, conversation=first.conversation)
    kept = [m["content"] for m in fake_llm.requests[-1]["messages"] if m["role"] == "user"][:-1]
    assert kept == ["And the extension?"]
