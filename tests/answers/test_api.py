import hashlib
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from answers.models import ApiToken
from answers.services import answer_complete

pytestmark = pytest.mark.django_db
QUESTION = "What is the minimum password length?"


@pytest.fixture
def dave(django_user_model):
    return django_user_model.objects.create_user("dave", password="pw-dave-123")


@pytest.fixture
def token(dave) -> str:
    ApiToken.objects.create(user=dave, name="script", key_sha256=hashlib.sha256(b"secret-token").hexdigest())
    return "secret-token"


def post(client, path, payload, **extra):
    return client.post(path, json.dumps(payload), content_type="application/json", **extra)


def test_ask_with_a_token_returns_the_whole_answer(client, token, demo_corpus, no_llm, settings) -> None:
    settings.RERANK_MIN_SCORE = 0.0  # this test is about the API, not about the threshold
    response = post(client, "/api/ask", {"question": QUESTION}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert "14 characters" in body["answer"] and body["passages"] and body["mode"] == "extractive"


def test_ask_can_stream_server_sent_events(client, token, demo_corpus, no_llm) -> None:
    response = post(client, "/api/ask", {"question": QUESTION, "stream": True}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response["Content-Type"] == "text/event-stream"
    assert b"event: done" in b"".join(response.streaming_content)


def test_requests_without_valid_credentials_are_told_so_with_401(settings) -> None:
    script = Client(enforce_csrf_checks=True)  # like a script: no session, no CSRF cookie
    missing = post(script, "/api/ask", {"question": QUESTION})
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["detail"]
    wrong = post(script, "/api/ask", {"question": QUESTION}, HTTP_AUTHORIZATION="Bearer wrong")
    assert wrong.status_code == 401 and "token is wrong" in wrong.json()["detail"]
    settings.ALLOW_ANONYMOUS_QUESTIONS = True  # a wrong token is still refused, never served as anonymous
    assert post(script, "/api/ask", {"question": QUESTION}, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


@pytest.mark.parametrize(("question", "message"), [("  ", "empty"), ("y" * 1001, "longer than")])
def test_bad_questions_get_a_clear_400(client, token, question, message) -> None:
    response = post(client, "/api/ask", {"question": question}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and message in response.json()["detail"]


def test_unknown_and_foreign_answers_are_404(client, token, django_user_model, demo_corpus, no_llm) -> None:
    other = django_user_model.objects.create_user("erin", password="pw-erin-123")
    foreign = answer_complete(question=QUESTION, user=other)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/answers/999999", **auth).status_code == 404
    assert client.get(f"/api/answers/{foreign.pk}", **auth).status_code == 404
    assert post(client, f"/api/answers/{foreign.pk}/feedback", {"rating": 1}, **auth).status_code == 404


def test_feedback_through_the_api(client, dave, token, demo_corpus, no_llm) -> None:
    answer = answer_complete(question=QUESTION, user=dave)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert post(client, f"/api/answers/{answer.pk}/feedback", {"rating": -1, "comment": "meh"}, **auth).json() == {
        "rating": -1,
        "comment": "meh",
    }
    assert post(client, f"/api/answers/{answer.pk}/feedback", {"rating": 3}, **auth).status_code == 400
    assert client.get(f"/api/answers/{answer.pk}", **auth).json()["id"] == answer.pk


def test_session_auth_respects_csrf(dave) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(dave)
    assert post(client, "/api/ask", {"question": QUESTION}).status_code == 403


def test_the_api_is_described_by_openapi(client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert {"/api/ask", "/api/answers/{answer_id}", "/api/answers/{answer_id}/feedback"} <= set(schema["paths"])


def test_the_api_docs_work_offline(client) -> None:
    page = client.get("/api/docs").content.decode()
    assert "cdn." not in page and "https://" not in page  # every script and style from this server
    scripts = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in scripts)
    for path in scripts:  # collectstatic gathers them (make run and the Docker image run it); whitenoise serves them
        assert finders.find(path), path


def test_a_token_needs_no_csrf_token(token, demo_corpus, no_llm) -> None:
    client = Client(enforce_csrf_checks=True)  # like a script: no session, no CSRF cookie
    response = post(client, "/api/ask", {"question": QUESTION}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
