"""The document state machine: phases with heartbeats, faults named for what happened, attempts counted once."""

import ast
import io
from pathlib import Path

import pytest
from django.db import OperationalError

from ingestion import pipeline, states
from ingestion.models import Document
from ingestion.pipeline import document_ingest
from ingestion.services import document_create, document_reingest

pytestmark = pytest.mark.django_db

TEXT = ("The glazing kiln is cleaned every Friday by the morning shift. " * 40).encode()


def upload(data: bytes = TEXT, name: str = "kiln.txt") -> Document:
    outcome = document_create(name=name, stream=io.BytesIO(data), size=len(data), enqueue=False)
    assert outcome.document is not None
    return outcome.document


def test_a_heartbeat_is_written_in_every_phase_in_order(monkeypatch) -> None:
    seen: list[tuple[str, str]] = []
    heartbeat = states.documents_heartbeat

    def record(*, documents, phase: str) -> None:
        documents = list(documents)
        heartbeat(documents=documents, phase=phase)
        seen.extend(Document.objects.filter(pk__in=[d.pk for d in documents]).values_list("status", "phase"))

    monkeypatch.setattr(pipeline, "documents_heartbeat", record)
    document = upload()
    document_ingest(document_id=document.pk)
    phases = [phase for _, phase in seen]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == [
        "reading",
        "chunking",
        "embedding",
        "storing",
    ]
    assert {status for status, _ in seen} == {"processing"}
    document.refresh_from_db()
    assert (document.status, document.phase) == ("ready", "")


def test_a_database_fault_gives_the_attempt_back_and_says_what_happened(monkeypatch) -> None:
    document = upload()

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(pipeline, "chunk_text", database_down)
    for _ in range(5):  # more faults than attempts: a database outage never fails the file
        with pytest.raises(OperationalError):
            document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert (document.status, document.attempts) == ("queued", 0)
    assert "database was unavailable" in document.error

    monkeypatch.undo()
    document_ingest(document_id=document.pk)
    document.refresh_from_db()
    assert (document.status, document.error) == ("ready", "")


def test_a_document_claimed_too_often_fails_as_killing_workers_with_no_chunks(settings, demo_corpus) -> None:
    victim = demo_corpus[0]
    Document.objects.filter(pk=victim.pk).update(status="processing", attempts=settings.INGEST_MAX_ATTEMPTS)
    document_ingest(document_id=victim.pk)
    victim.refresh_from_db()
    assert victim.status == "failed" and not victim.chunks.exists()
    assert "worker stopped" in victim.error


def test_reingest_starts_the_count_again_and_keeps_chunks_searchable_until_replaced(demo_corpus) -> None:
    document = demo_corpus[0]
    before = document.chunks.count()
    Document.objects.filter(pk=document.pk).update(attempts=2, error="old")
    document_reingest(document=document)
    document.refresh_from_db()
    assert (document.status, document.attempts, document.error) == ("queued", 0, "")
    assert document.chunks.count() == before


def status_writes(source: str) -> list[int]:
    """Lines that write a status: assigning `.status`, `status=` given to a call that writes (create, update,
    a model's constructor), or "status" among the fields a save or bulk update writes. Reads (filter, a
    selector's argument, an admin's field lists) pass."""
    writers = {"create", "update", "update_or_create", "get_or_create", "Document", "Collection"}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [node.lineno for t in targets if isinstance(t, ast.Attribute) and t.attr == "status"]
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            fields = [k.value for k in node.keywords if k.arg in ("update_fields", "fields")]
            fields += node.args[1:] if name == "bulk_update" else []
            listed = any(isinstance(e, ast.Constant) and e.value == "status" for f in fields for e in ast.walk(f))
            if listed or (name in writers and any(k.arg == "status" for k in node.keywords)):
                found.append(node.lineno)
    return found


def test_the_status_write_finder_sees_writes_and_passes_reads() -> None:
    writes = (
        "d.status = 'ready'\nDocument.objects.filter(pk=1).update(status='failed')\nd.save(update_fields=['status'])"
    )
    reads = "Document.objects.filter(status=s)\ndocuments_listed(user=u, status=s)\nif d.status == 'ready': pass"
    assert status_writes(writes) == [1, 2, 3] and status_writes(reads) == []


def test_only_the_state_module_writes_document_state() -> None:
    """No other module of the app assigns a status or lists it among fields to write."""
    root = Path(states.__file__).parent
    offenders = [
        (path.name, status_writes(path.read_text()))
        for path in root.glob("*.py")
        if path.name not in ("states.py", "models.py") and status_writes(path.read_text())
    ]
    assert offenders == []
