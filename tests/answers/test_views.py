"""The Q&A page, its streaming endpoint, feedback and the original-file link."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from answers.models import Answer, Feedback
from answers.services import answer_complete

pytestmark = pytest.mark.django_db
QUESTION = "How many days of paid annual leave do employees get?"


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw-alice-123")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def events_of(response) -> list[tuple[str, dict]]:
    body = b"".join(response.streaming_content).decode()
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_the_page_requires_login_by_default(client) -> None:
    response = client.get(reverse("answers:ask"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("answers:ask-stream"), {"question": "x"}).status_code == 401


def test_anonymous_questions_can_be_allowed(client, settings, demo_corpus, no_llm) -> None:
    settings.ALLOW_ANONYMOUS_QUESTIONS = True
    assert client.get(reverse("answers:ask")).status_code == 200
    events = events_of(client.post(reverse("answers:ask-stream"), {"question": QUESTION}))
    answer_id = events[0][1]["id"]
    assert client.get(reverse("answers:answer", args=[answer_id])).status_code == 200  # same browser session
    assert Client().get(reverse("answers:answer", args=[answer_id])).status_code == 404  # another one


def test_asking_streams_sources_tokens_and_the_final_answer(alice_client, alice, demo_corpus, no_llm) -> None:
    response = alice_client.post(reverse("answers:ask-stream"), {"question": QUESTION})
    assert response["Content-Type"] == "text/event-stream"
    events = events_of(response)
    assert [name for name, _ in events][:2] == ["answer", "sources"]
    done = events[-1][1]
    assert events[-1][0] == "done" and done["mode"] == "extractive" and "27 days" in done["answer"]
    assert Answer.objects.get().user == alice


@pytest.mark.parametrize(("question", "message"), [("   ", "Please type a question."), ("x" * 1001, "limited to")])
def test_empty_or_over_long_questions_are_refused_with_a_message(alice_client, question, message) -> None:
    response = alice_client.post(reverse("answers:ask-stream"), {"question": question})
    assert response.status_code == 400 and message in response.json()["error"]


def test_asking_is_rate_limited_per_user(alice_client, settings, demo_corpus, no_llm) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.ASK_RATE_LIMIT = "2/m"
    codes = [alice_client.post(reverse("answers:ask-stream"), {"question": QUESTION}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_one_vote_per_user_per_answer_that_can_be_changed(alice_client, alice, demo_corpus, no_llm) -> None:
    answer = answer_complete(question=QUESTION, user=alice)
    url = reverse("answers:feedback", args=[answer.pk])
    assert alice_client.post(url, {"rating": "1"}).json() == {"rating": 1, "comment": ""}
    assert alice_client.post(url, {"rating": "-1", "comment": "wrong page"}).status_code == 200
    vote = Feedback.objects.get()
    assert (vote.rating, vote.comment, vote.user) == (-1, "wrong page", alice)
    assert alice_client.post(url, {"rating": "5"}).status_code == 400


def test_someone_elses_answer_is_not_found(client, django_user_model, alice, demo_corpus, no_llm) -> None:
    answer = answer_complete(question=QUESTION, user=alice)
    client.force_login(django_user_model.objects.create_user("bob", password="pw-bob-123"))
    assert client.get(reverse("answers:answer", args=[answer.pk])).status_code == 404
    assert client.post(reverse("answers:feedback", args=[answer.pk]), {"rating": "1"}).status_code == 404


def test_a_stored_answer_page_lists_ones_conversations_and_its_thread(alice_client, alice, demo_corpus, no_llm) -> None:
    answer = answer_complete(question=QUESTION, user=alice)
    follow_up = answer_complete(question="And how many can I carry over?", user=alice, conversation=answer.conversation)
    page = alice_client.get(reverse("answers:answer", args=[answer.pk])).content.decode()
    assert "Your conversations" in page and QUESTION in page and "(2 questions," in page
    assert f'href="/answers/{follow_up.pk}/"' in page  # a conversation opens at its latest answer
    assert "This conversation" in page and 'aria-current="page"' in page  # the thread, this turn marked
    assert 'id="stored-answer"' in page


@pytest.mark.parametrize(
    ("stored", "served", "inline"),
    [
        ("application/pdf", "application/pdf", True),
        ("text/html", "text/html; charset=utf-8", True),
        ("text/markdown", "text/plain; charset=utf-8", True),
        ("text/plain", "text/plain; charset=utf-8", True),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ],
)  # fmt: skip
def test_the_original_file_is_served_with_its_own_type(alice_client, demo_corpus, stored, served, inline) -> None:
    document = next(d for d in demo_corpus if d.content_type == stored)
    response = alice_client.get(reverse("answers:document-file", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == served
    assert ("attachment" in response["Content-Disposition"]) is not inline
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (response.get("Content-Security-Policy") == "sandbox") is (stored != "application/pdf")


def test_a_scan_or_photo_is_served_as_the_image_it_is(alice_client, demo_corpus) -> None:
    document = demo_corpus[0]
    type(document).objects.filter(pk=document.pk).update(content_type="image/png")  # rolled back with the test
    response = alice_client.get(reverse("answers:document-file", args=[document.pk]))
    assert response["Content-Type"] == "image/png" and "attachment" not in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox"
