import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.db import connection

from demo.pdfwriter import make_pdf
from ingestion.extraction import sniff_content_type
from ingestion.models import Chunk, Document
from ingestion.pipeline import document_ingest
from ingestion.services import document_create
from tests.files import corrupt_pdf, encrypted_pdf, zip_bomb_docx

pytestmark = pytest.mark.django_db


def ingest(data: bytes, name: str) -> Document:
    outcome = document_create(name=name, stream=io.BytesIO(data), size=len(data), enqueue=False)
    assert outcome.document is not None, outcome.message
    document_ingest(document_id=outcome.document.pk)
    outcome.document.refresh_from_db()
    return outcome.document


def test_pdf_is_indexed_with_pages_embeddings_and_text_search() -> None:
    pages = [f"Page {n} explains the lantern glazing step number {n}. " * 12 for n in range(1, 4)]
    document = ingest(make_pdf(pages, title="Glazing guide"), "glazing.pdf")
    assert document.status == Document.Status.READY, document.error
    assert document.page_count == 3
    assert document.title == "Glazing guide"
    chunks = list(document.chunks.order_by("ordinal"))
    assert document.chunks_total == document.chunks_done == len(chunks) >= 3
    assert chunks[0].page_start == 1 and chunks[-1].page_end == 3
    for chunk in chunks:
        vector = np.array(chunk.embedding)
        assert vector.shape == (384,)
        assert abs(np.linalg.norm(vector) - 1.0) < 1e-3
        assert 0 < chunk.token_count <= 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ingestion_chunk "
            "WHERE document_id = %s AND search_vector @@ to_tsquery('english', 'glaze')",
            [document.pk],
        )
        assert cursor.fetchone()[0] == len(chunks)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (corrupt_pdf(), "broken.pdf", "damaged"),
        (encrypted_pdf("Board minutes."), "locked.pdf", "password-protected"),
        (make_pdf([None]), "scan.pdf", "holds no text"),
        (zip_bomb_docx(), "bomb.docx", "zip bomb"),
    ],
)
def test_bad_files_fail_with_a_reason_and_leave_no_chunks(data: bytes, name: str, reason: str) -> None:
    document = ingest(b"An earlier, readable version of this file. " * 40, "earlier.txt")
    assert document.status == Document.Status.READY and document.chunks.exists()
    with default_storage.open(str(document.file.name), "wb") as stored:  # the file is replaced by a bad one
        stored.write(data)
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.QUEUED, attempts=0, original_name=name, content_type=sniff_content_type(data, name)
    )
    document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert reason in document.error
    assert not Chunk.objects.filter(document=document).exists()  # the earlier version's chunks went with it


def test_reingest_replaces_chunks_instead_of_adding_them() -> None:
    document = ingest(b"Lanterns are made of glass. " * 50, "lanterns.txt")
    first_ids = set(document.chunks.values_list("pk", flat=True))
    Document.objects.filter(pk=document.pk).update(status=Document.Status.QUEUED, attempts=0)
    document_ingest(document_id=document.pk)
    document.refresh_from_db()
    second_ids = set(document.chunks.values_list("pk", flat=True))
    assert document.status == Document.Status.READY
    assert len(second_ids) == len(first_ids) and not first_ids & second_ids


def test_demo_documents_are_all_indexed(demo_dir) -> None:
    for path in sorted(demo_dir.iterdir()):
        document = ingest(path.read_bytes(), path.name)
        assert document.status == Document.Status.READY, (path.name, document.error)
        assert document.chunks.exists()
