"""Every read path against every role and collection (tests/permissions.py holds the expected matrix).

Each collection holds one document whose title and text carry a secret word of its own, and the question matches
all four, so a path that forgot the rule shows a secret it must not: these tests fail on a retrieval statement
that ignores the collections, on a page or API that shows stored passages without the rule, and on a file view
that serves any document.
"""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from answers.models import Answer, Feedback
from ingestion.models import Collection, Document
from ingestion.pipeline import documents_ingest
from ingestion.services import document_create, documents_move
from tests.permissions import COLLECTIONS, READS, ROLES, render

pytestmark = pytest.mark.django_db
QUESTION = "What is the vault code of the archive?"
SECRETS = {"public": "amber4417", "logged-in": "birch5528", "group-only": "cedar6639", "user-only": "delta7740"}


@pytest.fixture
def world(settings, django_user_model) -> dict:
    settings.ALLOW_ANONYMOUS_QUESTIONS = True
    settings.RERANK_MIN_SCORE = 0.0  # every matching passage is given: this is about access, not the threshold
    settings.ASK_RATE_LIMIT = ""  # many questions a test, all from one address
    group = Group.objects.create(name="hr")
    users = {
        "plain": django_user_model.objects.create_user("plain"),
        "member": django_user_model.objects.create_user("member"),
        "listed": django_user_model.objects.create_user("listed"),
        "staff": django_user_model.objects.create_user("staff", is_staff=True),
        "superuser": django_user_model.objects.create_superuser("superuser"),
    }
    users["member"].groups.add(group)
    collections, documents = {}, {}
    for name, access in COLLECTIONS.items():
        collection = Collection.objects.create(name=name, access=access)
        collections[name] = collection
        text = (
            f"Vault register of the {name} archive.\n\nThe vault code of the {name} archive is {SECRETS[name]}. "
            f"Only keepers of the {name} archive may open its vault with the code {SECRETS[name]}.\n"
        )
        outcome = document_create(
            name=f"vault-{SECRETS[name]}.txt", stream=io.BytesIO(text.encode()), collection=collection, enqueue=False
        )
        assert outcome.document is not None
        documents[name] = outcome.document
    collections["group-only"].groups.add(group)
    collections["user-only"].users.add(users["listed"])
    documents_ingest(document_ids=[d.pk for d in documents.values()])
    assert all(d.status == Document.Status.READY for d in Document.objects.all())
    return {"users": users, "collections": collections, "documents": documents, "group": group}


def client_for(world: dict, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def assert_reads(body: bytes | str, readable: frozenset[str], *, all_readable_shown: bool = True) -> None:
    text = body if isinstance(body, str) else body.decode()
    for name, secret in SECRETS.items():
        if name in readable:
            assert not all_readable_shown or secret in text, f"{name} is readable but missing"
        else:
            assert secret not in text, f"{name} leaked"


def streamed_body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def api_ask(client: Client, **payload: object) -> Any:
    return client.post("/api/ask", json.dumps({"question": QUESTION, **payload}), content_type="application/json")


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_retrieves_sees_and_downloads_only_what_it_may_read(world, role, no_llm) -> None:
    """no_llm: the extractive answer quotes the passages, so a leak would show in the answer text too."""
    readable = READS[role]
    client = client_for(world, role)
    body = streamed_body(client.post("/ask", {"question": QUESTION}))
    assert_reads(body, readable)
    answer_id = json.loads(body.split(b"data: ", 1)[1].split(b"\n", 1)[0])["id"]
    assert_reads(client.get(f"/answers/{answer_id}/").content, readable)

    response = api_ask(client)
    assert response.status_code == 200
    assert_reads(response.content, readable)
    if role != "anonymous":  # an anonymous asker's answers live in the browser session, not the API
        assert_reads(client.get(f"/api/answers/{response.json()['id']}").content, readable)
    searched = Answer.objects.get(pk=response.json()["id"]).collections.exclude(is_default=True)  # empty, public
    assert {c.name for c in searched} == readable

    for name, document in world["documents"].items():
        download = client.get(f"/documents/{document.pk}/file")
        if name in readable:
            assert download.status_code == 200 and SECRETS[name].encode() in streamed_body(download)
        else:
            missing = client.get("/documents/999999/file")
            assert (download.status_code, download.content) == (missing.status_code, missing.content)


@pytest.mark.parametrize("role", list(ROLES))
def test_asking_one_collection_searches_it_or_is_refused_like_a_missing_one(world, role, no_llm) -> None:
    client = client_for(world, role)
    missing = api_ask(client, collections=[999999])
    assert missing.status_code == 400
    for name, collection in world["collections"].items():
        response = api_ask(client, collections=[collection.pk])
        if name in READS[role]:
            assert response.status_code == 200
            assert_reads(response.content, frozenset({name}))
        else:
            assert response.status_code == 400
            assert response.json() == json.loads(missing.content.decode().replace("999999", str(collection.pk)))
            assert_reads(response.content, frozenset())


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_other_peoples_answers_look_missing_on_every_path(world, role, no_llm) -> None:
    owner = world["users"]["superuser"] if role != "superuser" else world["users"]["plain"]
    owners_client = Client()
    owners_client.force_login(owner)
    answer_id = api_ask(owners_client).json()["id"]
    client = client_for(world, role)
    for path in (f"/api/answers/{answer_id}", f"/api/answers/{answer_id + 1000}"):
        assert client.get(path).status_code == 404 and client.get(path).json() == {"detail": "No such answer."}
    assert client.get(f"/answers/{answer_id}/").status_code == 404
    assert client.post(f"/answers/{answer_id}/feedback", {"rating": "1"}).status_code == 404
    assert client.post(f"/answers/{answer_id}/sources/1/mark", {"relevant": "1"}).status_code == 404
    recent = client.get("/").content
    assert QUESTION.encode() not in recent and f"/answers/{answer_id}/".encode() not in recent


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_the_export_as_a_user_holds_only_what_they_may_read(world, role, no_llm, tmp_path: Path) -> None:
    superuser = world["users"]["superuser"]
    owner_client = Client()
    owner_client.force_login(superuser)
    answer_id = api_ask(owner_client).json()["id"]
    Feedback.objects.create(answer_id=answer_id, user=superuser, rating=1)
    out = tmp_path / "export.jsonl"
    call_command("export_feedback", "--out", str(out), "--as-user", world["users"][role].username)
    record = json.loads(out.read_text())
    assert_reads(json.dumps([p["text"] for p in record["passages"]]), READS[role])


def test_withdrawn_access_hides_old_passages_files_and_the_answer_written_from_them(world, no_llm) -> None:
    member = world["users"]["member"]
    client = client_for(world, "member")
    answer_id = api_ask(client, collections=[world["collections"]["group-only"].pk]).json()["id"]
    assert_reads(client.get(f"/api/answers/{answer_id}").content, frozenset({"group-only"}))
    document = world["documents"]["group-only"]
    assert client.get(f"/documents/{document.pk}/file").status_code == 200
    assert client.post(f"/answers/{answer_id}/sources/1/mark", {"relevant": "1"}).status_code == 200
    assert client.get(f"/answers/{answer_id}/").context["answer_json"]["marks"] == {1: True}

    member.groups.remove(world["group"])
    for body in (client.get(f"/api/answers/{answer_id}").content, client.get(f"/answers/{answer_id}/").content):
        assert_reads(body, frozenset())
        assert b"no longer read" in body
    assert client.get(f"/documents/{document.pk}/file").status_code == 404
    assert client.post(f"/answers/{answer_id}/sources/1/mark", {"relevant": "1"}).status_code == 404
    assert client.get(f"/answers/{answer_id}/").context["answer_json"]["marks"] == {}


def test_moving_a_document_moves_its_passages_out_of_reach(world, no_llm) -> None:
    client = client_for(world, "plain")
    moved = Document.objects.filter(pk=world["documents"]["public"].pk)
    documents_move(documents=moved, collection=world["collections"]["user-only"])
    assert_reads(api_ask(client).content, frozenset({"logged-in"}))


def test_the_permissions_page_in_docs_is_generated_from_these_cases() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
    assert page.read_text() == render(), "regenerate it: python -m tests.permissions > docs/permissions.md"


def test_staff_see_every_answer_and_what_it_searched_in_the_admin(world, no_llm) -> None:
    client = client_for(world, "member")
    answer_id = api_ask(client, collections=[world["collections"]["group-only"].pk]).json()["id"]
    admin = Client()
    admin.force_login(world["users"]["superuser"])
    page = admin.get(f"/admin/answers/answer/{answer_id}/change/")
    assert page.status_code == 200 and b"group-only" in page.content and SECRETS["group-only"].encode() in page.content
