import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from ingestion.models import Document

pytestmark = pytest.mark.django_db


def test_one_empty_or_bad_file_never_refuses_the_rest_of_the_batch(admin_client) -> None:
    files = [
        SimpleUploadedFile("empty.txt", b""),
        SimpleUploadedFile("notes.txt", b"The kiln runs at 1200 degrees."),
        SimpleUploadedFile("picture.pdf", b"GIF89a" + bytes(range(256))),
        SimpleUploadedFile("more-notes.md", b"# Glazing\n\nGlaze twice."),
    ]
    response = admin_client.post("/admin/ingestion/document/add/", {"documents": files, "language": "english"})
    assert response.status_code == 302
    assert sorted(Document.objects.values_list("original_name", flat=True)) == ["more-notes.md", "notes.txt"]
    said = [str(m) for m in get_messages(response.wsgi_request)]
    for name in ("empty.txt", "notes.txt", "picture.pdf", "more-notes.md"):
        assert sum(name in message for message in said) == 1, (name, said)
    assert any("empty.txt" in m and "empty" in m.replace("empty.txt", "") for m in said)


def test_the_outcome_names_each_file_as_it_was_given(admin_client) -> None:
    files = [SimpleUploadedFile("notes.txt", b"The kiln runs at 1200 degrees."), SimpleUploadedFile("empty.txt", b"")]
    response = admin_client.post(
        "/admin/ingestion/document/add/", {"documents": files, "language": "english"}, follow=True
    )
    page = response.content.decode()
    assert "\u201cnotes.txt\u201d was queued for ingestion." in page and "\u201cempty.txt\u201d" in page
    assert "Notes.txt" not in page and "Empty.txt" not in page


def test_an_upload_without_files_asks_for_them(admin_client) -> None:
    response = admin_client.post("/admin/ingestion/document/add/", {"language": "english"})
    assert response.status_code == 200 and Document.objects.count() == 0
    assert b"This field is required" in response.content


def test_the_list_shows_what_a_processing_document_is_doing(admin_client) -> None:
    admin_client.post(
        "/admin/ingestion/document/add/",
        {"documents": [SimpleUploadedFile("notes.txt", b"The kiln runs hot.")], "language": "english"},
    )
    Document.objects.update(status="processing", phase="embedding", chunks_done=3, chunks_total=10)
    response = admin_client.get("/admin/ingestion/document/")
    assert b"Embedding: 3 / 10 chunks" in response.content
    Document.objects.update(status="ready", phase="", chunks_total=1)
    listing = admin_client.get("/admin/ingestion/document/").content.decode()
    assert ">1 chunk<" in listing and ">Text<" in listing  # not "1 chunks", not "text/plain"


def test_the_upload_form_offers_the_default_collection_once_and_chosen(admin_client) -> None:
    from ingestion.models import Collection

    default = Collection.objects.get(is_default=True)
    page = admin_client.get("/admin/ingestion/document/add/").content.decode()
    assert "The default collection" not in page and page.count(f">{default.name}</option>") == 1
    assert f'<option value="{default.pk}" selected>' in page


def test_the_document_page_links_its_file_where_it_is_served_and_the_header_leads_to_the_documents(
    admin_client,
) -> None:
    admin_client.post(
        "/admin/ingestion/document/add/",
        {"documents": [SimpleUploadedFile("notes.txt", b"The kiln runs hot.")], "language": "english"},
    )
    document = Document.objects.get()
    page = admin_client.get(f"/admin/ingestion/document/{document.pk}/change/").content.decode()
    assert f'href="/documents/{document.pk}/file">notes.txt</a>' in page
    assert admin_client.get(f"/documents/{document.pk}/file").status_code == 200
    assert 'href="/admin/ingestion/document/">Documents</a>' in admin_client.get("/").content.decode()
