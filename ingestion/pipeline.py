"""The ingestion service: claim a document, extract, chunk, embed, and store its chunks in one transaction.

Documents are embedded in groups so that many small documents (a BEIR corpus) still fill whole batches.
A reader never sees a half-indexed document: the old chunks are replaced by the new ones atomically.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import DatabaseError, InterfaceError, transaction

from ingestion.chunking import ChunkSpan, chunk_text
from ingestion.embedding import get_embedder, get_token_offsets
from ingestion.extraction import Extracted, ExtractionError
from ingestion.models import Chunk, Document
from ingestion.sandbox import extract_bounded
from ingestion.sentences import sentence_spans
from ingestion.states import (
    Phase,
    database_unavailable_message,
    document_fail,
    document_release,
    documents_claim,
    documents_finish,
    documents_heartbeat,
    processing_locked,
)

logger = logging.getLogger(__name__)

# Documents claimed together, chunks embedded together, and chunks per progress write.
CLAIM_STEP = 256
GROUP_CHUNKS = 512
PROGRESS_SLICE = 128


@dataclass
class Prepared:
    document: Document
    spans: list[ChunkSpan]
    extracted: Extracted


def documents_ingest(*, document_ids: Sequence[int], on_progress: Callable[[int], None] | None = None) -> None:
    """Ingest the given documents; each ends ready or failed (with a reason), never half-indexed.

    A database fault is ours, not the file's: the documents of the step are given back (queued, the attempt
    not counted) and the error propagates, so the task retries.
    """
    for start in range(0, len(document_ids), CLAIM_STEP):
        claimed = documents_claim(document_ids=document_ids[start : start + CLAIM_STEP])
        try:
            _ingest_claimed(claimed, on_progress)
        except (DatabaseError, InterfaceError) as exc:
            for document in claimed:
                document_release(document_id=document.pk, reason=database_unavailable_message(exc))
            raise


def document_ingest(*, document_id: int) -> None:
    documents_ingest(document_ids=[document_id])


def _ingest_claimed(claimed: list[Document], on_progress: Callable[[int], None] | None) -> None:
    group: list[Prepared] = []
    for document in claimed:
        prepared = _prepare(document)
        if prepared is not None:
            group.append(prepared)
        if sum(len(p.spans) for p in group) >= GROUP_CHUNKS:
            _embed_and_store(group, on_progress)
            group = []
    if group:
        _embed_and_store(group, on_progress)


def _prepare(document: Document) -> Prepared | None:
    documents_heartbeat(documents=[document], phase=Phase.READING)
    try:
        with document.file.open("rb") as stream:
            data = stream.read()
        extracted = extract_bounded(data, document.content_type, document.original_name, _ocr_progress(document))
        document.chunks_done = 0  # it counted pages read by OCR
        documents_heartbeat(documents=[document], phase=Phase.CHUNKING)
        target = min(settings.CHUNK_TOKENS, get_embedder().max_tokens)
        spans = chunk_text(
            extracted.pages, get_token_offsets(), target_tokens=target, overlap_tokens=settings.CHUNK_OVERLAP_TOKENS
        )
    except (DatabaseError, InterfaceError):
        raise
    except ExtractionError as exc:
        document_fail(document_id=document.pk, reason=str(exc))
        return None
    except FileNotFoundError:
        document_fail(
            document_id=document.pk,
            reason="The stored file is missing from the media storage; upload the document again.",
        )
        return None
    except Exception as exc:  # noqa: BLE001  (any other fault fails this document, with the reason logged)
        _fail_unexpected(document.pk, exc)
        return None
    document.chunks_total = len(spans)
    return Prepared(document=document, spans=spans, extracted=extracted)


def _ocr_progress(document: Document) -> Callable[[int, int], None]:
    """Pages read by OCR so far, shown as the document's progress; each is a heartbeat too (a long scan is alive)."""

    def on_page(done: int, total: int) -> None:
        document.chunks_done, document.chunks_total = done, total
        documents_heartbeat(documents=[document], phase=Phase.OCR)

    return on_page


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
        for i in indices:
            owners[i].chunks_done += 1
        documents_heartbeat(documents={owners[i].pk: owners[i] for i in indices}.values(), phase=Phase.EMBEDDING)
        if on_progress is not None:
            on_progress(len(indices))
    return vectors


def _store(group: list[Prepared], vectors: np.ndarray) -> None:
    """Replace the group's chunks and mark its documents ready, all in one transaction."""
    documents_heartbeat(documents=[p.document for p in group], phase=Phase.STORING)
    offsets = np.cumsum([0] + [len(p.spans) for p in group])
    with transaction.atomic():
        live = processing_locked(document_ids=[p.document.pk for p in group])
        kept = [(p, vectors[offsets[i] : offsets[i + 1]]) for i, p in enumerate(group) if p.document.pk in live]
        Chunk.objects.filter(document_id__in=live).delete()
        chunks = [chunk for p, v in kept for chunk in _chunks(p, v, collection_id=live[p.document.pk])]
        Chunk.objects.bulk_create(chunks, batch_size=1000)
        for prepared, _ in kept:
            _describe(prepared.document, prepared.extracted, chunks=len(prepared.spans))
        documents_finish(documents=[p.document for p, _ in kept])


def _describe(document: Document, extracted: Extracted, *, chunks: int) -> None:
    """What the document's reading found, on the document: pages, title, which pages OCR read and how surely."""
    document.chunks_total = chunks
    document.page_count = len(extracted.pages) if extracted.paged else None
    if extracted.title and document.title == Path(document.original_name).stem[:500]:
        document.title = extracted.title[:500]  # the file's own title beats its file name
    document.ocr_pages = list(extracted.ocr_pages)
    document.ocr_confidence = extracted.ocr_confidence


def _chunks(prepared: Prepared, vectors: np.ndarray, *, collection_id: int) -> list[Chunk]:
    document = prepared.document
    return [
        Chunk(
            document=document,
            collection_id=collection_id,
            ordinal=ordinal,
            **asdict(span),  # text, offsets, pages and token count under the model's own field names
            sentences=sentence_spans(span.text),
            embedding=vector,
            language=document.language,
        )
        for ordinal, (span, vector) in enumerate(zip(prepared.spans, vectors, strict=True))
    ]


def _fail_unexpected(document_id: int, exc: Exception) -> None:
    if type(exc).__name__ == "SoftTimeLimitExceeded":  # Celery's, in a prefork worker
        reason = f"Ingestion took longer than {settings.INGEST_TIME_LIMIT_SECONDS} s (INGEST_TIME_LIMIT_SECONDS)."
        document_fail(document_id=document_id, reason=reason)
        return
    logger.exception("unexpected error ingesting document %s", document_id)
    reason = f"Unexpected error while ingesting ({type(exc).__name__}: {str(exc)[:300]}). See the worker log."
    document_fail(document_id=document_id, reason=reason)
