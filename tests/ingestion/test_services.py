import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from demo.pdfwriter import make_pdf
from ingestion.models import Chunk, Document
from ingestion.services import document_create, document_delete
from ingestion.states import SweepResult, documents_sweep_stuck
from tests.conftest import ROOT, worker_database_url

pytestmark = pytest.mark.django_db


def sweep(sent: list[int] | None = None) -> SweepResult:
    """The sweep, with the ids it queues recorded in `sent` instead of sent to the broker."""
    record = [] if sent is None else sent

    def send(document_id: int) -> bool:
        record.append(document_id)
        return True

    return documents_sweep_stuck(send=send)


def upload(data: bytes, name: str = "notes.txt", **kwargs):
    return document_create(name=name, stream=io.BytesIO(data), size=len(data), enqueue=False, **kwargs)


def test_upload_stores_a_queued_document_with_detected_type_and_hash() -> None:
    outcome = upload(make_pdf(["Quarterly report."]), "report.pdf")
    document = outcome.document
    assert outcome.created and document is not None
    assert document.status == Document.Status.QUEUED
    assert document.content_type == "application/pdf"
    assert len(document.sha256) == 64 and document.size_bytes > 0
    assert default_storage.exists(document.file.name)


def test_file_over_the_size_limit_is_refused_before_it_is_stored(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    outcome = upload(b"x" * 1001, "big.txt")
    assert outcome.document is None and "over the upload limit" in outcome.message
    assert Document.objects.count() == 0


def test_size_limit_holds_when_the_declared_size_lies(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    outcome = document_create(name="big.txt", stream=io.BytesIO(b"y" * 5000), size=10, enqueue=False)
    assert outcome.document is None and "over the upload limit" in outcome.message


def test_same_file_twice_is_stored_once_and_the_user_is_told() -> None:
    first = upload(b"The same words.", "a.txt")
    second = upload(b"The same words.", "b.txt")
    assert first.created and not second.created
    assert second.document == first.document
    assert "already uploaded" in second.message
    assert Document.objects.count() == 1


def test_unsupported_content_is_refused_and_not_stored() -> None:
    outcome = upload(b"GIF89a" + bytes(range(256)) * 4, "image.pdf")
    assert outcome.document is None and "GIF image" in outcome.message
    assert Document.objects.count() == 0


def test_file_names_lose_folders_and_control_characters() -> None:
    outcome = upload(b"Named badly.", "..\\..\\secret/../../etc/pass\x00wd\n.txt")
    assert outcome.document is not None
    assert outcome.document.original_name == "passwd.txt"
    assert "/" not in outcome.document.file.name.removeprefix("documents/").split("/", 2)[-1]


def test_empty_file_is_refused() -> None:
    outcome = upload(b"", "empty.txt")
    assert outcome.document is None and "empty" in outcome.message


@pytest.mark.django_db(transaction=True)
def test_upload_with_the_broker_down_keeps_the_document_queued_and_says_so() -> None:
    """In a process of its own whose REDIS_URL points at a port nothing listens on, as when Redis is down."""
    script = (
        "import io, json; from ingestion.services import document_create; "
        "o = document_create(name='a.txt', stream=io.BytesIO(b'Queue me.'), size=9); "
        "print(json.dumps({'id': o.document.pk, 'queued': o.queued, 'message': o.message}))"
    )
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": "redis://127.0.0.1:1/0"}
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["queued"] is False
    assert "unreachable" in outcome["message"]
    assert Document.objects.get(pk=outcome["id"]).status == Document.Status.QUEUED


def test_delete_removes_the_stored_file(django_capture_on_commit_callbacks) -> None:
    document = upload(b"Delete me.").document
    assert document is not None
    name = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document)
    assert not Document.objects.exists()
    assert not default_storage.exists(name)


def test_sweep_requeues_documents_left_processing_by_a_dead_worker(settings, monkeypatch) -> None:
    sent: list[int] = []
    stuck = upload(b"Stuck one.").document
    fresh = upload(b"Still being worked on.").document
    assert stuck is not None and fresh is not None
    long_ago = timezone.now() - timedelta(seconds=settings.INGEST_STUCK_AFTER_SECONDS + 60)
    Document.objects.filter(pk=stuck.pk).update(status="processing", attempts=1, updated_at=long_ago)
    Document.objects.filter(pk=fresh.pk).update(status="processing", attempts=1, updated_at=timezone.now())
    result = sweep(sent)
    assert result.requeued == 1 and sent == [stuck.pk]
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == Document.Status.QUEUED
    assert fresh.status == Document.Status.PROCESSING


def test_sweep_fails_a_document_that_keeps_killing_workers(settings, monkeypatch) -> None:
    document = upload(b"Poison.").document
    assert document is not None
    long_ago = timezone.now() - timedelta(seconds=settings.INGEST_STUCK_AFTER_SECONDS + 60)
    Document.objects.filter(pk=document.pk).update(
        status="processing", attempts=settings.INGEST_MAX_ATTEMPTS, updated_at=long_ago
    )
    assert sweep().failed == 1
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "interrupted" in document.error


def test_sweep_requeues_documents_queued_while_the_broker_was_down(settings, monkeypatch) -> None:
    sent: list[int] = []
    document = upload(b"Waiting.").document
    assert document is not None
    long_ago = timezone.now() - timedelta(seconds=settings.INGEST_REQUEUE_AFTER_SECONDS + 60)
    Document.objects.filter(pk=document.pk).update(updated_at=long_ago)
    assert sweep(sent).requeued == 1
    assert sent == [document.pk]


def test_segment_chunks_records_missing_sentence_boundaries_without_re_embedding(demo_corpus) -> None:
    Chunk.objects.update(sentences=[])
    before = {c.pk: list(c.embedding) for c in Chunk.objects.all()}
    call_command("segment_chunks")
    for chunk in Chunk.objects.all():
        assert chunk.sentences and all(0 <= s < e <= len(chunk.text) for s, e in chunk.sentences)
        assert list(chunk.embedding) == before[chunk.pk]


def test_the_sweep_fails_a_document_and_removes_its_chunks_together(settings, monkeypatch, demo_corpus) -> None:
    victim = demo_corpus[0]
    assert victim.chunks.exists()  # chunks of an earlier run, left while a re-ingest keeps killing workers
    long_ago = timezone.now() - timedelta(seconds=settings.INGEST_STUCK_AFTER_SECONDS + 60)
    Document.objects.filter(pk=victim.pk).update(
        status="processing", attempts=settings.INGEST_MAX_ATTEMPTS, updated_at=long_ago
    )
    assert sweep().failed == 1
    victim.refresh_from_db()
    assert victim.status == Document.Status.FAILED and not victim.chunks.exists()
    assert all(d.chunks.exists() for d in demo_corpus[1:])


def test_a_new_run_queues_again_what_a_stopped_one_left_unfinished(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    sent: list[int] = []

    def enqueue(document_id: int) -> bool:
        sent.append(document_id)
        return True

    monkeypatch.setattr("ingestion.services.document_enqueue", enqueue)
    left = {
        status: upload(f"Left {status}.".encode(), f"{status}.txt").document
        for status in ("processing", "queued", "ready")
    }
    for status, document in left.items():
        Document.objects.filter(pk=document.pk).update(status=status)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_unfinished")
    assert sorted(sent) == sorted([left["processing"].pk, left["queued"].pk])
    assert set(Document.objects.filter(pk__in=sent).values_list("status", flat=True)) == {"queued"}
    assert Document.objects.get(pk=left["ready"].pk).status == "ready"
