"""Writes on documents: upload, queue, re-ingest, delete, and the sweep of stuck documents.

The ingestion pipeline itself (extract, chunk, embed, store) is in ingestion/pipeline.py; every change of a
document's state goes through ingestion/states.py.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from ingestion import states
from ingestion.extraction import ExtractionError, sniff_content_type
from ingestion.models import Chunk, Collection, Document
from ingestion.sentences import sentence_spans
from ingestion.tasks import document_enqueue

logger = logging.getLogger(__name__)


@dataclass
class UploadOutcome:
    name: str
    document: Document | None
    message: str
    created: bool = False
    queued: bool | None = None  # set once the queue was tried (after commit); False: the broker was unreachable

    @property
    def outcome(self) -> str:
        """stored (and queued), duplicate (of document), or refused (nothing stored)."""
        return "refused" if self.document is None else "stored" if self.created else "duplicate"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "document_id": self.document.pk if self.document is not None else None,
            "status": self.document.status if self.document is not None else None,
            "message": self.message,
        }


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def quoted(name: str) -> str:
    """A name as it was given, in quotes: messages start with a file's name, and the admin capitalises a
    message's first letter ("notes.txt" was shown as "Notes.txt")."""
    return f"\u201c{name}\u201d"


def _read_limited(stream: IO[bytes], size: int | None, name: str) -> bytes | str:
    """The file's bytes, or a refusal message when it is over UPLOAD_MAX_BYTES (checked before storing)."""
    limit = settings.UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        return f"{quoted(name)} is {human_size(size)}, over the upload limit of {human_size(limit)}; it was not stored."
    data = stream.read(limit + 1)
    if len(data) > limit:
        return f"{quoted(name)} is over the upload limit of {human_size(limit)}; it was not stored."
    return data


def document_create(
    *,
    name: str,
    stream: IO[bytes],
    size: int | None = None,
    uploaded_by: User | AnonymousUser | None = None,
    language: str = "",
    title: str = "",
    external_id: str = "",
    collection: Collection | None = None,
    enqueue: bool = True,
) -> UploadOutcome:
    """Store one uploaded file as a queued Document, unless it is refused or already uploaded.

    enqueue=False leaves it queued for a caller that ingests in-process (the ingest commands). Without a
    collection it goes to the default one. A duplicate stays where it is (its outcome says which collection).
    """
    # No folders, no control characters (PostgreSQL refuses NUL), at most 255 characters.
    name = re.sub(r"[\x00-\x1f\x7f]", "", Path(name.replace("\\", "/")).name)[:255].strip() or "unnamed"
    data = _read_limited(stream, size, name)
    if isinstance(data, str):
        return UploadOutcome(name=name, document=None, message=data)
    try:
        content_type = sniff_content_type(data, name)
    except ExtractionError as exc:
        return UploadOutcome(name=name, document=None, message=f"{quoted(name)} was not stored: {exc}")
    sha256 = hashlib.sha256(data).hexdigest()
    existing = Document.objects.filter(sha256=sha256).first()
    if existing is not None:
        return _duplicate(name, existing)
    user = uploaded_by if uploaded_by is not None and uploaded_by.is_authenticated else None
    document = Document(
        title=(title or Path(name).stem)[:500],
        original_name=name,
        sha256=sha256,
        content_type=content_type,
        size_bytes=len(data),
        language=language or settings.DEFAULT_TEXT_SEARCH_LANGUAGE,
        external_id=external_id,
        uploaded_by=user,
        collection=collection or collection_default(),
    )
    document.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
            outcome = UploadOutcome(
                name=name, document=document, message=f"{quoted(name)} was queued for ingestion.", created=True
            )
            if enqueue:
                transaction.on_commit(lambda: _enqueue_into(outcome))
    except IntegrityError:  # the same file uploaded at the same moment by someone else
        document.file.delete(save=False)
        return _duplicate(name, Document.objects.get(sha256=sha256))
    return outcome


def _duplicate(name: str, existing: Document) -> UploadOutcome:
    return UploadOutcome(
        name=name,
        document=existing,
        message=f"{quoted(name)} is already uploaded as {quoted(existing.title)} in {existing.collection} "
        f"(status: {existing.get_status_display()}); no second copy was stored.",
    )


def _enqueue_into(outcome: UploadOutcome) -> None:
    assert outcome.document is not None
    outcome.queued = document_enqueue(document_id=outcome.document.pk)
    if not outcome.queued:
        outcome.message = (
            f"{quoted(outcome.name)} was stored, but the task queue (Redis) is unreachable right now: it stays queued "
            "and will be ingested automatically when the queue is back."
        )


DEFAULT_COLLECTION_NAME = "General"


def collection_default() -> Collection:
    """The collection documents go to when none is chosen (created by the migration; again here if deleted)."""
    default = Collection.objects.filter(is_default=True).first()
    if default is not None:
        return default
    default, _ = Collection.objects.get_or_create(
        is_default=True, defaults={"name": DEFAULT_COLLECTION_NAME, "access": Collection.Access.PUBLIC}
    )
    return default


@transaction.atomic
def documents_move(*, documents: QuerySet[Document], collection: Collection) -> int:
    """Move documents to another collection; the database moves their chunks in the same statement (0004)."""
    return documents.exclude(collection=collection).update(collection=collection)


@transaction.atomic
def document_reingest(*, document: Document) -> None:
    """Queue the document again; its current chunks stay searchable until the new ones replace them."""
    states.documents_requeue(documents=Document.objects.filter(pk=document.pk), reset_attempts=True)
    transaction.on_commit(lambda: document_enqueue(document_id=document.pk))


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete the document, its chunks (cascade) and, once committed, its stored file."""
    storage, file_name = document.file.storage, document.file.name
    document.delete()
    if file_name:
        transaction.on_commit(lambda: storage.delete(file_name))


def chunks_segment(*, redo: bool = False, batch_size: int = 2000) -> int:
    """Record sentence boundaries on chunks stored before they were kept (or all, with redo); no re-embedding.

    Each batch is its own transaction, so a long run can be stopped and started again where it was.
    """
    pending = Chunk.objects.all() if redo else Chunk.objects.filter(sentences=[])
    done, last = 0, 0
    while True:
        with transaction.atomic():
            batch = list(pending.filter(pk__gt=last).order_by("pk").only("pk", "text")[:batch_size])
            if not batch:
                return done
            for chunk in batch:
                chunk.sentences = [list(span) for span in sentence_spans(chunk.text)]
            Chunk.objects.bulk_update(batch, ["sentences"])
        done, last = done + len(batch), batch[-1].pk


@transaction.atomic
def documents_requeue_unfinished() -> int:
    """Queue again every document a stopped run left queued or processing. Only for a start with no worker
    running yet (make run): then nothing can still be working on them, so there is no need to wait for the sweep."""
    unfinished = Document.objects.filter(status__in=[Document.Status.QUEUED, Document.Status.PROCESSING])
    document_ids = states.documents_requeue(documents=unfinished)
    for document_id in document_ids:
        transaction.on_commit(lambda pk=document_id: document_enqueue(document_id=pk))  # type: ignore[misc]
    return len(document_ids)
