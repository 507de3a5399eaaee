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
        SimpleUploadedFile("photo.pdf", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
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
