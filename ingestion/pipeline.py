"""The ingestion service: claim a document, extract, chunk, embed, and store its chunks in one transaction.

Documents are embedded in groups so that many small documents (a BEIR corpus) still fill whole batches.
A reader never sees a half-indexed document: the old chunks are replaced by the new ones atomically.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from django.conf import settings
from django.db import DatabaseError, InterfaceError, transaction
from django.db.models import F
from django.utils import timezone

from ingestion.chunking import ChunkSpan, chunk_text
from ingestion.embedding import get_embedder, get_token_offsets
from ingestion.extraction import ExtractionError
from ingestion.models import Chunk, Document
from ingestion.sandbox import extract_bounded
from ingestion.sentences import sentence_spans
from ingestion.services import interrupted_message

logger = logging.getLogger(__name__)

# Documents claimed together, chunks embedded together, and chunks per progress write.
CLAIM_STEP = 256
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
    for start in range(0, len(document_ids), CLAIM_STEP):
        group: list[Prepared] = []
        for document in _claim(document_ids[start : start + CLAIM_STEP]):
            prepared = _prepare(document)
            if prepared is not None:
                group.append(prepared)
            if sum(len(p.spans) for p in group) >= GROUP_CHUNKS:
                _embed_and_store(group, on_progress)
                group = []
        if group:
            _embed_and_store(group, on_progress)


def document_ingest(*, document_id: int) -> None:
    documents_ingest(document_ids=[document_id])


def _claim(document_ids: Sequence[int]) -> list[Document]:
    """Mark the documents that still need ingesting as processing, counting the attempt, in one transaction."""
    active = [Document.Status.QUEUED, Document.Status.PROCESSING]
    with transaction.atomic():
        candidates = Document.objects.select_for_update().filter(pk__in=document_ids, status__in=active)
        exhausted = candidates.filter(attempts__gte=settings.INGEST_MAX_ATTEMPTS)
        for pk, attempts in exhausted.values_list("pk", "attempts"):
            _fail(pk, interrupted_message(attempts))
        claimed = list(candidates.filter(attempts__lt=settings.INGEST_MAX_ATTEMPTS).values_list("pk", flat=True))
        now = timezone.now()
        Document.objects.filter(pk__in=claimed).update(
            status=Document.Status.PROCESSING,
            attempts=F("attempts") + 1,
            error="",
            chunks_done=0,
            started_at=now,
            updated_at=now,
        )
    by_pk = Document.objects.in_bulk(claimed)
    return [by_pk[pk] for pk in document_ids if pk in by_pk]


def _prepare(document: Document) -> Prepared | None:
    try:
        with document.file.open("rb") as stream:
            data = stream.read()
        extracted = extract_bounded(data, document.content_type, document.original_name)
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
    document.chunks_total = len(spans)
    page_count = len(extracted.pages) if extracted.paged else None
    return Prepared(document=document, spans=spans, page_count=page_count, title=extracted.title)


def _embed_and_store(group: list[Prepared], on_progress: Callable[[int], None] | None) -> None:
    try:
        vectors = _embed_with_progress(group, on_progress)
    except (DatabaseError, InterfaceError):
        raise
    except Exception as exc:  # noqa: BLE001  (a model fault fails the group's documents, not the worker)
        for prepared in group:
            _fail_unexpected(prepared.document.pk, exc)
        return
    _store(group, vectors)


def _embed_with_progress(group: list[Prepared], on_progress: Callable[[int], None] | None) -> np.ndarray:
    """Vectors in the order of the group's spans. Longest texts first, so that each batch pads little."""
    texts = [span.text for prepared in group for span in prepared.spans]
    owners = [prepared.document for prepared in group for _ in prepared.spans]
    embedder = get_embedder()
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), settings.EMBEDDING_DIMENSIONS), dtype=np.float32)
    for start in range(0, len(order), PROGRESS_SLICE):
        indices = order[start : start + PROGRESS_SLICE]
        vectors[indices] = embedder.embed([texts[i] for i in indices])
        touched = {owners[i].pk: owners[i] for i in indices}
        now = timezone.now()
        for i in indices:
            owners[i].chunks_done += 1
        for document in touched.values():
            document.updated_at = now
        # One statement per slice, however many documents it touched: progress, total and heartbeat.
        Document.objects.bulk_update(touched.values(), ["chunks_done", "chunks_total", "updated_at"])
        if on_progress is not None:
            on_progress(len(indices))
    return vectors


def _store(group: list[Prepared], vectors: np.ndarray) -> None:
    """Replace the group's chunks and mark its documents ready, all in one transaction."""
    offsets = np.cumsum([0] + [len(p.spans) for p in group])
    with transaction.atomic():
        live = set(
            Document.objects.select_for_update()
            .filter(pk__in=[p.document.pk for p in group], status=Document.Status.PROCESSING)
            .values_list("pk", flat=True)
        )  # a document deleted or re-queued meanwhile is left alone
        kept = [(p, vectors[offsets[i] : offsets[i + 1]]) for i, p in enumerate(group) if p.document.pk in live]
        Chunk.objects.filter(document_id__in=live).delete()
        Chunk.objects.bulk_create([chunk for p, v in kept for chunk in _chunks(p, v)], batch_size=1000)
        now = timezone.now()
        for prepared, _ in kept:
            document = prepared.document
            document.status = Document.Status.READY
            document.chunks_total = document.chunks_done = len(prepared.spans)
            document.page_count = prepared.page_count
            if prepared.title and document.title == _default_title(document):
                document.title = prepared.title[:500]
            document.finished_at = document.updated_at = now
        Document.objects.bulk_update(
            [p.document for p, _ in kept],
            ["status", "chunks_total", "chunks_done", "page_count", "title", "finished_at", "updated_at"],
        )


def _chunks(prepared: Prepared, vectors: np.ndarray) -> list[Chunk]:
    document = prepared.document
    return [
        Chunk(
            document=document,
            ordinal=ordinal,
            **asdict(span),  # text, offsets, pages and token count under the model's own field names
            sentences=sentence_spans(span.text),
            embedding=vector,
            language=document.language,
        )
        for ordinal, (span, vector) in enumerate(zip(prepared.spans, vectors, strict=True))
    ]


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
