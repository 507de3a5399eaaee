"""Upload through the admin, ingest with a real Celery worker process on the real Redis and PostgreSQL."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ingestion.models import Chunk, Document
from ingestion.states import documents_sweep_stuck
from ingestion.tasks import document_enqueue
from tests.conftest import wait_for, wait_until_settled

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_admin_upload_of_many_files_is_ingested_by_the_worker(staff_client, celery_worker, demo_dir) -> None:
    celery_worker.start()
    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(demo_dir.iterdir())]
    response = staff_client.post(
        reverse("admin:ingestion_document_add"), {"documents": files, "language": "english"}, follow=True
    )
    assert response.status_code == 200
    assert b"queued for ingestion" in response.content
    ids = list(Document.objects.values_list("pk", flat=True))
    assert len(ids) == len(files)
    wait_until_settled(ids)
    for document in Document.objects.all():
        assert document.status == Document.Status.READY, (document.original_name, document.error)
        assert document.chunks.count() == document.chunks_total > 0

    handbook = Document.objects.get(original_name="employee-handbook.pdf")
    assert handbook.page_count == 4
    spans = handbook.chunks.values_list("page_start", "page_end")
    assert {n for start, end in spans for n in range(start, end + 1)} == {1, 2, 3, 4}  # every page is in a chunk
    for chunk in Chunk.objects.all():
        assert np.array(chunk.embedding).shape == (384,)
        assert abs(np.linalg.norm(chunk.embedding) - 1) < 1e-3
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ingestion_chunk WHERE search_vector IS NULL OR search_vector = ''")
        assert cursor.fetchone()[0] == 0

    changelist = staff_client.get(reverse("admin:ingestion_document_changelist"))
    assert b"doc-status-ready" in changelist.content


def test_uploading_the_same_file_again_tells_the_user(staff_client, demo_dir) -> None:
    path = demo_dir / "travel-policy.md"
    url = reverse("admin:ingestion_document_add")
    staff_client.post(url, {"documents": [SimpleUploadedFile(path.name, path.read_bytes())], "language": "english"})
    response = staff_client.post(
        url, {"documents": [SimpleUploadedFile("copy.md", path.read_bytes())], "language": "english"}, follow=True
    )
    assert b"already uploaded" in response.content
    assert Document.objects.count() == 1


def test_worker_killed_mid_document_never_leaves_it_half_indexed(celery_worker, staff_client, settings) -> None:
    text = "\n\n".join(f"Paragraph {i} records how kiln {i % 7} fired batch {i} of lantern glass." for i in range(2500))
    celery_worker.start()
    staff_client.post(
        reverse("admin:ingestion_document_add"),
        {"documents": [SimpleUploadedFile("kiln-log.txt", text.encode())], "language": "english"},
    )
    document = Document.objects.get()
    wait_for(lambda: Document.objects.filter(pk=document.pk, status="processing", chunks_done__gt=0).exists(), 120)
    celery_worker.kill()
    document.refresh_from_db()
    assert document.status == Document.Status.PROCESSING
    assert not Chunk.objects.filter(document=document).exists()  # nothing half-written

    # The periodic sweep finds it once its heartbeat is older than the limit, and a new worker finishes it.
    later = timezone.now() + timedelta(seconds=settings.INGEST_STUCK_AFTER_SECONDS + 1)
    send = lambda document_id: document_enqueue(document_id=document_id)  # noqa: E731
    assert documents_sweep_stuck(send=send, now=later).requeued == 1
    celery_worker.start()
    wait_until_settled([document.pk], timeout=300)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    assert document.attempts == 2
    assert document.chunks.count() == document.chunks_total
