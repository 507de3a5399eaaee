import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from answers.models import ApiToken
from ingestion.models import Document

pytestmark = pytest.mark.django_db


def token_for(user) -> dict[str, str]:
    key = f"token-of-{user.username}"
    ApiToken.objects.create(user=user, name="script", key_sha256=hashlib.sha256(key.encode()).hexdigest())
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_staff_script_uploads_a_batch_and_hears_of_each_file(client, django_user_model, monkeypatch) -> None:
    monkeypatch.setattr("ingestion.services.document_enqueue", lambda document_id: True)
    staff = django_user_model.objects.create_user("sam", password="pw-sam-123", is_staff=True)
    Document.objects.all().delete()
    files = [
        SimpleUploadedFile("kiln.txt", b"The kiln reached 1200 degrees."),
        SimpleUploadedFile("empty.txt", b""),
        SimpleUploadedFile("again.txt", b"The kiln reached 1200 degrees."),
        SimpleUploadedFile("photo.pdf", b"GIF89a" + bytes(range(256))),
    ]
    response = client.post("/api/documents", {"files": files, "language": "english"}, **token_for(staff))
    assert response.status_code == 200, response.content
    outcomes = {o["name"]: o for o in response.json()["files"]}
    assert [o["outcome"] for o in outcomes.values()] == ["stored", "refused", "duplicate", "refused"]
    assert outcomes["kiln.txt"]["status"] == "queued" and outcomes["kiln.txt"]["document_id"]
    assert outcomes["again.txt"]["document_id"] == outcomes["kiln.txt"]["document_id"]
    assert "empty" in outcomes["empty.txt"]["message"] and "photo.pdf" in outcomes["photo.pdf"]["message"]
    assert Document.objects.count() == 1


def test_uploading_needs_a_staff_account(client, django_user_model) -> None:
    plain = django_user_model.objects.create_user("pat", password="pw-pat-123")
    files = [SimpleUploadedFile("kiln.txt", b"The kiln reached 1200 degrees.")]
    response = client.post("/api/documents", {"files": files}, **token_for(plain))
    assert response.status_code == 403 and "staff" in response.json()["detail"]
    assert client.post("/api/documents", {"files": files}).status_code == 401
    assert not Document.objects.exists()


@pytest.fixture
def collections(db):
    from ingestion.models import Collection

    Document.objects.all().delete()
    Collection.objects.all().delete()
    return {
        "open": Collection.objects.create(name="Open", access=Collection.Access.LOGGED_IN, is_default=True),
        "board": Collection.objects.create(name="Board", access=Collection.Access.LISTED),
    }


def store(name: str, text: bytes, collection) -> Document:
    from ingestion.services import document_create

    outcome = document_create(name=name, stream=SimpleUploadedFile(name, text), collection=collection, enqueue=False)
    assert outcome.document is not None
    return outcome.document


def test_a_script_follows_its_upload_until_it_is_ready(client, django_user_model, monkeypatch, collections) -> None:
    from ingestion.pipeline import documents_ingest

    monkeypatch.setattr("ingestion.services.document_enqueue", lambda document_id: True)
    auth = token_for(django_user_model.objects.create_user("sam", password="pw-sam-123", is_staff=True))
    files = [SimpleUploadedFile("kiln.txt", b"The kiln reached 1200 degrees. It cooled overnight.")]
    uploaded = client.post("/api/documents", {"files": files}, **auth).json()["files"][0]
    queued = client.get(f"/api/documents/{uploaded['document_id']}", **auth).json()
    assert queued["status"] == "queued" and queued["name"] == "kiln.txt" and queued["collection"]["name"] == "Open"
    documents_ingest(document_ids=[uploaded["document_id"]])
    ready = client.get(f"/api/documents/{uploaded['document_id']}", **auth).json()
    assert ready["status"] == "ready" and ready["progress"]["done"] == ready["progress"]["total"] >= 1
    assert ready["finished_at"] and ready["error"] == ""


def test_documents_and_collections_are_listed_only_where_the_asker_may_read(
    client, django_user_model, collections
) -> None:
    kiln = store("kiln.txt", b"The kiln reached 1200 degrees.", collections["open"])
    minutes = store("minutes.txt", b"The board met on Monday.", collections["board"])
    plain = token_for(django_user_model.objects.create_user("pat", password="pw-pat-123"))
    listed = client.get("/api/documents", **plain).json()
    assert listed["count"] == 1 and [d["id"] for d in listed["documents"]] == [kiln.pk]
    assert client.get(f"/api/documents/{minutes.pk}", **plain).status_code == 404  # looks like a missing one
    assert client.get("/api/documents?collection=Board", **plain).status_code == 400
    names = [c["name"] for c in client.get("/api/collections", **plain).json()["collections"]]
    assert names == ["Open"]
    staff = token_for(django_user_model.objects.create_user("sam", password="pw-sam-123", is_staff=True))
    board = client.get("/api/documents?collection=Board&status=queued", **staff).json()
    assert [d["name"] for d in board["documents"]] == ["minutes.txt"]
    counts = {c["name"]: c["documents"] for c in client.get("/api/collections", **staff).json()["collections"]}
    assert counts["Board"] == {"queued": 1, "processing": 0, "ready": 0, "failed": 0}
    assert client.get("/api/documents?status=done", **staff).status_code == 400
    assert client.get("/api/documents?limit=0", **staff).status_code == 400
    assert client.get("/api/documents", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
