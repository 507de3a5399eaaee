"""Marks on sources: one per user and source, changeable and revocable, only on answers the user may see."""

import json

import pytest

from answers.models import PassageMark
from answers.services import answer_complete

pytestmark = pytest.mark.django_db
QUESTION = "What is the minimum password length?"


@pytest.fixture
def erin(django_user_model):
    return django_user_model.objects.create_user("erin", password="pw-erin-123")


@pytest.fixture
def answer(erin, demo_corpus, no_llm, settings):
    settings.RERANK_MIN_SCORE = 0.0  # every question keeps sources to mark
    return answer_complete(question=QUESTION, user=erin)


def mark_url(answer, number: int) -> str:
    return f"/answers/{answer.pk}/sources/{number}/mark"


def test_marking_a_source_again_changes_the_mark_and_empty_takes_it_back(client, erin, answer) -> None:
    client.force_login(erin)
    assert client.post(mark_url(answer, 1), {"relevant": "1"}).json() == {"relevant": True}
    assert client.post(mark_url(answer, 1), {"relevant": "0"}).json() == {"relevant": False}
    mark = PassageMark.objects.get()
    assert (mark.passage.number, mark.user, mark.relevant) == (1, erin, False)
    assert client.post(mark_url(answer, 1), {"relevant": ""}).json() == {"relevant": None}
    assert not PassageMark.objects.exists()


def test_the_answer_page_carries_the_users_own_marks(client, erin, answer, django_user_model) -> None:
    client.force_login(erin)
    client.post(mark_url(answer, 2), {"relevant": "1"})
    stored = client.get(f"/answers/{answer.pk}/").context["answer_json"]
    assert stored["marks"] == {2: True}
    staff = django_user_model.objects.create_user("sam", password="pw-sam-123", is_staff=True)
    client.force_login(staff)  # staff see others' answers in the admin only, never on the page
    assert client.get(f"/answers/{answer.pk}/").status_code == 404


def test_marks_need_a_login_a_visible_answer_a_real_source_and_a_known_value(
    client, erin, answer, django_user_model
) -> None:
    assert client.post(mark_url(answer, 1), {"relevant": "1"}).status_code in (302, 401)  # not logged in
    other = django_user_model.objects.create_user("fred", password="pw-fred-123")
    client.force_login(other)
    assert client.post(mark_url(answer, 1), {"relevant": "1"}).status_code == 404  # not fred's answer
    client.force_login(erin)
    assert client.post(mark_url(answer, 99), {"relevant": "1"}).status_code == 404
    assert client.post(mark_url(answer, 1), {"relevant": "yes"}).status_code == 400
    assert not PassageMark.objects.exists()


def test_marks_through_the_api(client, erin, answer) -> None:
    client.force_login(erin)
    path = f"/api/answers/{answer.pk}/sources/1/mark"

    def send(value):
        return client.post(path, json.dumps({"relevant": value}), content_type="application/json")

    assert send(True).json() == {"relevant": True}
    assert PassageMark.objects.get().relevant is True
    assert send(None).json() == {"relevant": None}
    assert not PassageMark.objects.exists()
    assert (
        client.post(
            f"/api/answers/{answer.pk}/sources/99/mark", json.dumps({"relevant": True}), content_type="application/json"
        ).status_code
        == 404
    )


def test_the_admin_lists_marks(admin_client, erin, answer, client) -> None:
    client.force_login(erin)
    client.post(mark_url(answer, 1), {"relevant": "0"})
    page = admin_client.get("/admin/answers/passagemark/")
    assert page.status_code == 200 and QUESTION.encode() in page.content
