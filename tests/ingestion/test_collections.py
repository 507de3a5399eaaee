"""Collections on the ingestion side: choosing one at upload, moving documents, and the database keeping every
chunk in its document's collection."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from ingestion import pipeline
from ingestion.models import Chunk, Collection, Document
from ingestion.pipeline import document_ingest
from ingestion.services import collection_default, document_create, documents_move
from tests.ingestion.test_api import token_for

pytestmark = pytest.mark.django_db
TEXT = b"The kiln reached 1200 degrees on Tuesday. The glaze held."


@pytest.fixture
def board() -> Collection:
    return Collection.objects.create(name="Board minutes", access=Collection.Access.LISTED)


def stored(collection: Collection | None = None, data: bytes = TEXT) -> Document:
    outcome = document_create(name="kiln.txt", stream=io.BytesIO(data), collection=collection, enqueue=False)
    assert outcome.document is not None
    return outcome.document


def test_a_fresh_install_has_one_public_default_collection_that_uploads_go_to() -> None:
    default = collection_default()
    assert list(Collection.objects.all()) == [default]
    assert default.access == Collection.Access.PUBLIC and default.is_default
    assert stored().collection == default


def test_the_upload_api_takes_a_collection_by_name_or_id_and_refuses_an_unknown_one(
    client, django_user_model, monkeypatch, board
) -> None:
    monkeypatch.setattr("ingestion.services.document_enqueue", lambda document_id: True)
    staff = token_for(django_user_model.objects.create_user("sam", is_staff=True))
    for key, name in (("Board minutes", "a.txt"), (str(board.pk), "b.txt")):
        upload = SimpleUploadedFile(name, f"Minutes of {name}.".encode())
        response = client.post("/api/documents", {"files": [upload], "collection": key}, **staff)
        assert response.status_code == 200, response.content
    assert set(board.documents.values_list("original_name", flat=True)) == {"a.txt", "b.txt"}
    upload = SimpleUploadedFile("c.txt", b"Minutes.")
    response = client.post("/api/documents", {"files": [upload], "collection": "Nope"}, **staff)
    assert response.status_code == 400 and "Nope" in response.json()["detail"]
    assert not Document.objects.filter(original_name="c.txt").exists()


def test_the_ingest_command_takes_a_collection_and_names_the_ones_there_are(tmp_path, board) -> None:
    (tmp_path / "kiln.txt").write_bytes(TEXT)
    with pytest.raises(CommandError, match="Board minutes"):
        call_command("ingest", str(tmp_path), "--collection", "Boardminutes")
    call_command("ingest", str(tmp_path), "--collection", "Board minutes")
    document = Document.objects.get()
    assert document.collection == board and document.status == Document.Status.READY
    assert set(Chunk.objects.values_list("collection_id", flat=True)) == {board.pk}


def test_moving_documents_in_the_admin_moves_their_chunks(admin_client, board) -> None:
    document = stored()
    document_ingest(document_id=document.pk)
    changelist = "/admin/ingestion/document/"
    asked = admin_client.post(changelist, {"action": "move_selected", "_selected_action": [document.pk]})
    assert asked.status_code == 200 and b"Board minutes" in asked.content  # the second step asks where to
    admin_client.post(
        changelist, {"action": "move_selected", "_selected_action": [document.pk], "collection": board.pk}
    )
    assert Document.objects.get().collection == board
    assert set(Chunk.objects.values_list("collection_id", flat=True)) == {board.pk}


def test_the_database_refuses_a_chunk_outside_its_documents_collection(board) -> None:
    document = stored()
    document_ingest(document_id=document.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Chunk.objects.filter(document=document).update(collection=board)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_document_moved_while_it_is_read_lands_in_its_new_collection(monkeypatch, board) -> None:
    document = stored()
    embed = pipeline._embed_with_progress

    def move_midway(*args: Any, **kwargs: Any) -> Any:
        documents_move(documents=Document.objects.filter(pk=document.pk), collection=board)
        return embed(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_embed_with_progress", move_midway)
    document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY and document.collection == board
    assert set(Chunk.objects.values_list("collection_id", flat=True)) == {board.pk}


def test_the_default_collection_cannot_be_deleted_in_the_admin(admin_client, board) -> None:
    default = collection_default()
    assert admin_client.get(f"/admin/ingestion/collection/{default.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/ingestion/collection/{board.pk}/delete/").status_code == 200
