"""The ingestion service: claim a document, extract, chunk, embed, and store its chunks in one transaction.

Documents are embedded in groups so that many small documents (a BEIR corpus) still fill whole batches.
A reader never sees a half-indexed document: the old chunks are replaced by the new ones atomically.
"""

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import DatabaseError, InterfaceError, transaction
from django.utils import timezone

from ingestion.chunking import ChunkSpan, chunk_text
from ingestion.embedding import get_embedder, get_token_offsets
from ingestion.extraction import ExtractionError, extract
from ingestion.models import Chunk, Document
from ingestion.services import interrupted_message

logger = logging.getLogger(__name__)

# Chunks embedded together; progress is written after each slice.
GROUP_CHUNKS = 512
PROGRESS_SLICE = 128


class IngestTimeout(Exception):
    pass


@dataclass
class Prepared:
    document: Document
    spans: list[ChunkSpan]
    page_count: int | None
    title: str


def documents_ingest(*, document_ids: Sequence[int], on_progress: Callable[[int], None] | None = None) -> None:
    """Ingest the given documents; each ends ready or failed (with a reason), never half-indexed."""
    group: list[Prepared] = []
    for document_id in document_ids:
        prepared = _prepare(document_id)
        if prepared is not None:
            group.append(prepared)
        if sum(len(p.spans) for p in group) >= GROUP_CHUNKS:
            _embed_and_store(group, on_progress)
            group = []
    if group:
        _embed_and_store(group, on_progress)


def document_ingest(*, document_id: int) -> None:
    documents_ingest(document_ids=[document_id])


def _claim(document_id: int) -> Document | None:
    """Mark the document processing and count the attempt; None when there is nothing to do."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status not in (Document.Status.QUEUED, Document.Status.PROCESSING):
            return None
        if document.attempts >= settings.INGEST_MAX_ATTEMPTS:
            _fail(document.pk, interrupted_message(document.attempts))
            return None
        document.status = Document.Status.PROCESSING
        document.attempts += 1
        document.error = ""
        document.chunks_done = 0
        document.started_at = timezone.now()
        document.save(update_fields=["status", "attempts", "error", "chunks_done", "started_at", "updated_at"])
        return document


def _prepare(document_id: int) -> Prepared | None:
    document = _claim(document_id)
    if document is None:
        return None
    try:
        with document.file.open("rb") as stream:
            data = stream.read()
        extracted = extract(data, document.content_type, document.original_name)
        target = min(settings.CHUNK_TOKENS, get_embedder().max_tokens)
        spans = chunk_text(
            extracted.pages, get_token_offsets(), target_tokens=target, overlap_tokens=settings.CHUNK_OVERLAP_TOKENS
        )
    except (DatabaseError, InterfaceError):
        raise  # transient: the task retries, the sweep catches the rest
    except ExtractionError as exc:
        _fail(document.pk, str(exc))
        return None
    except FileNotFoundError:
        _fail(document.pk, "The stored file is missing from the media storage; upload the document again.")
        return None
    except Exception as exc:  # noqa: BLE001  (any other fault fails this document, with the reason logged)
        _fail_unexpected(document.pk, exc)
        return None
    Document.objects.filter(pk=document.pk).update(chunks_total=len(spans), updated_at=timezone.now())
    page_count = len(extracted.pages) if extracted.paged else None
    return Prepared(document=document, spans=spans, page_count=page_count, title=extracted.title)


def _embed_and_store(group: list[Prepared], on_progress: Callable[[int], None] | None) -> None:
    texts = [span.text for prepared in group for span in prepared.spans]
    owners = [i for i, prepared in enumerate(group) for _ in prepared.spans]
    try:
        vectors = _embed_with_progress(texts, owners, group, on_progress)
    except (DatabaseError, InterfaceError):
        raise
    except Exception as exc:  # noqa: BLE001  (a model fault fails the group's documents, not the worker)
        for prepared in group:
            _fail_unexpected(prepared.document.pk, exc)
        return
    offset = 0
    for prepared in group:
        count = len(prepared.spans)
        _store(prepared, vectors[offset : offset + count])
        offset += count


def _embed_with_progress(
    texts: list[str], owners: list[int], group: list[Prepared], on_progress: Callable[[int], None] | None
) -> np.ndarray:
    """Vectors in the order of texts. Texts are embedded longest first so that each batch pads little."""
    embedder = get_embedder()
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), settings.EMBEDDING_DIMENSIONS), dtype=np.float32)
    done: Counter[int] = Counter()
    for start in range(0, len(order), PROGRESS_SLICE):
        indices = order[start : start + PROGRESS_SLICE]
        vectors[indices] = embedder.embed([texts[i] for i in indices])
        done.update(owners[i] for i in indices)
        for index in {owners[i] for i in indices}:
            Document.objects.filter(pk=group[index].document.pk).update(
                chunks_done=done[index], updated_at=timezone.now()
            )
        if on_progress is not None:
            on_progress(len(indices))
    return vectors


def _store(prepared: Prepared, vectors: np.ndarray) -> None:
    """Replace the document's chunks and mark it ready, all or nothing."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=prepared.document.pk).first()
        if document is None or document.status != Document.Status.PROCESSING:
            return  # deleted, or re-queued by someone else meanwhile
        document.chunks.all().delete()
        Chunk.objects.bulk_create(
            [
                Chunk(
                    document=document,
                    ordinal=ordinal,
                    text=span.text,
                    page_start=span.page_start,
                    page_end=span.page_end,
                    char_start=span.char_start,
                    char_end=span.char_end,
                    token_count=span.token_count,
                    embedding=vector,
                    language=document.language,
                )
                for ordinal, (span, vector) in enumerate(zip(prepared.spans, vectors, strict=True))
            ],
            batch_size=500,
        )
        document.status = Document.Status.READY
        document.chunks_total = document.chunks_done = len(prepared.spans)
        document.page_count = prepared.page_count
        if prepared.title and document.title == _default_title(document):
            document.title = prepared.title
        document.finished_at = timezone.now()
        document.save()


def _default_title(document: Document) -> str:
    from pathlib import Path

    return Path(document.original_name).stem[:500]


def _fail(document_id: int, message: str) -> None:
    """Failed documents keep no chunks, so search never returns text of a document marked failed."""
    with transaction.atomic():
        Chunk.objects.filter(document_id=document_id).delete()
        now = timezone.now()
        Document.objects.filter(pk=document_id).update(
            status=Document.Status.FAILED, error=message, finished_at=now, updated_at=now
        )


def _fail_unexpected(document_id: int, exc: Exception) -> None:
    if isinstance(exc, IngestTimeout) or type(exc).__name__ == "SoftTimeLimitExceeded":
        _fail(document_id, f"Ingestion took longer than {settings.INGEST_TIME_LIMIT_SECONDS} s and was stopped.")
        return
    logger.exception("unexpected error ingesting document %s", document_id)
    _fail(
        document_id, f"Unexpected error while ingesting ({type(exc).__name__}: {str(exc)[:300]}). See the worker log."
    )
