"""The one place a document's state changes: queued -> processing -> ready or failed, and back to queued.

    queued ──claim──> processing ──finish──> ready
      ^                 │  │ └──fail──> failed (its chunks deleted in the same transaction)
      │                 │  └──release (database unavailable: the attempt is given back)──┐
      └──requeue────────┴── sweep (heartbeat older than INGEST_STUCK_AFTER_SECONDS) <─────┘

A claim counts an attempt; a document claimed INGEST_MAX_ATTEMPTS times without finishing is failed (the worker
died on it each time) instead of being claimed again. Every phase of the work (reading, chunking, embedding,
storing) writes a heartbeat, so the sweep never mistakes a long read for a dead worker.
Only this module writes `status`, `phase`, `attempts` and `error`.
"""

import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ingestion.models import Chunk, Document

logger = logging.getLogger(__name__)
Status, Phase = Document.Status, Document.Phase


def worker_killed_message(attempts: int) -> str:
    return (
        f"Ingestion was interrupted {attempts} times: the worker stopped while processing this file (killed, "
        "restarted or out of memory). Re-ingest it to try again; if it keeps failing, the file may be too large."
    )


def database_unavailable_message(exc: BaseException) -> str:
    return (
        f"The database was unavailable while ingesting ({type(exc).__name__}); the document is queued again and "
        "will be retried. This attempt does not count against the file."
    )


def _exhausted() -> Q:
    """The attempts rule, stated once: claimed this many times without finishing means the file kills workers."""
    return Q(attempts__gte=settings.INGEST_MAX_ATTEMPTS)


def documents_claim(*, document_ids: Sequence[int]) -> list[Document]:
    """Mark the documents that still need ingesting as processing (reading), counting the attempt.

    Returns the claimed documents in the order asked; exhausted ones are failed instead.
    """
    with transaction.atomic():
        candidates = Document.objects.select_for_update().filter(
            pk__in=document_ids, status__in=[Status.QUEUED, Status.PROCESSING]
        )
        for pk, attempts in candidates.filter(_exhausted()).values_list("pk", "attempts"):
            document_fail(document_id=pk, reason=worker_killed_message(attempts))
        claimed = list(candidates.exclude(_exhausted()).values_list("pk", flat=True))
        now = timezone.now()
        Document.objects.filter(pk__in=claimed).update(
            status=Status.PROCESSING,
            phase=Phase.READING,
            attempts=F("attempts") + 1,
            error="",
            chunks_done=0,
            started_at=now,
            updated_at=now,
        )
    by_pk = Document.objects.in_bulk(claimed)
    return [by_pk[pk] for pk in document_ids if pk in by_pk]


def documents_heartbeat(*, documents: Iterable[Document], phase: str) -> None:
    """Record the phase and progress of documents being processed; the sweep reads updated_at as a pulse."""
    documents = list(documents)
    now = timezone.now()
    for document in documents:
        document.phase, document.updated_at = phase, now
    # One statement however many documents: progress, total, phase and pulse. Only still-processing rows.
    Document.objects.bulk_update(documents, ["phase", "chunks_done", "chunks_total", "updated_at"])


def processing_locked(*, document_ids: Sequence[int]) -> dict[int, int]:
    """Of these documents, the ones still processing, locked until the caller's transaction ends, with their
    collection as it is now (a document may have been moved while it was read).

    A document deleted or re-queued while it was worked on is left alone by the caller.
    """
    assert transaction.get_connection().in_atomic_block, "lock only inside the transaction that writes"
    locked = Document.objects.select_for_update().filter(pk__in=document_ids, status=Status.PROCESSING)
    return dict(locked.values_list("pk", "collection_id"))


# What reading and storing a document set on it, written when it is finished.
_FINISHED_FIELDS = ["status", "phase", "error", "chunks_total", "chunks_done", "page_count", "title", "ocr_pages",
                    "ocr_confidence", "finished_at", "updated_at"]  # fmt: skip


def documents_finish(*, documents: Sequence[Document]) -> None:
    """Mark documents ready, inside the transaction that stored their chunks (the caller's)."""
    assert transaction.get_connection().in_atomic_block, "finish only with the chunks, in one transaction"
    now = timezone.now()
    for document in documents:
        document.status, document.phase, document.error = Status.READY, "", ""
        document.chunks_done = document.chunks_total
        document.finished_at = document.updated_at = now
    Document.objects.bulk_update(documents, _FINISHED_FIELDS)


@transaction.atomic
def document_fail(*, document_id: int, reason: str) -> None:
    """Failed documents keep no chunks, so search never returns text of a document marked failed."""
    Chunk.objects.filter(document_id=document_id).delete()
    now = timezone.now()
    Document.objects.filter(pk=document_id).update(
        status=Status.FAILED, phase="", error=reason, finished_at=now, updated_at=now
    )


def document_release(*, document_id: int, reason: str) -> None:
    """Give a claim back (queued, attempt not counted) when the fault was ours, not the file's.

    Best effort: when the database is down this write fails too, and the sweep queues the document later.
    """
    with contextlib.suppress(DatabaseError, InterfaceError):  # the caller re-raises the first error
        Document.objects.filter(pk=document_id, status=Status.PROCESSING).update(
            status=Status.QUEUED, phase="", error=reason, attempts=F("attempts") - 1, updated_at=timezone.now()
        )


def documents_requeue(*, documents: QuerySet[Document], reset_attempts: bool = False) -> list[int]:
    """Back to queued (re-ingest, a new run, the sweep); returns the ids to send to the workers.

    A ready document keeps its chunks searchable until the new ones replace them.
    """
    ids = list(documents.values_list("pk", flat=True))
    changes: dict[str, object] = {"status": Status.QUEUED, "phase": "", "updated_at": timezone.now()}
    if reset_attempts:
        changes.update(attempts=0, error="", chunks_done=0)
    Document.objects.filter(pk__in=ids).update(**changes)
    return ids


def documents_sent(*, document_ids: Sequence[int]) -> None:
    """The task for these queued documents was sent: restart the clock before the sweep sends it again."""
    Document.objects.filter(pk__in=document_ids, status=Status.QUEUED).update(updated_at=timezone.now())


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int


def documents_sweep_stuck(*, send: Callable[[int], bool], now: datetime | None = None) -> SweepResult:
    """Documents whose worker died (no heartbeat for INGEST_STUCK_AFTER_SECONDS) go back to queued, or fail
    when they have used up their attempts; queued ones never sent (broker down) are due again.

    `send` queues one document's task and says whether the broker took it (the tasks module passes its own).
    """
    to_queue, failed = _sweep_transitions(now or timezone.now())
    documents_sent(document_ids=[pk for pk in to_queue if send(pk)])
    if to_queue or failed:
        logger.info("sweep: %d documents re-queued, %d failed", len(to_queue), failed)
    return SweepResult(requeued=len(to_queue), failed=failed)


@transaction.atomic
def _sweep_transitions(now: datetime) -> tuple[list[int], int]:
    processing = Document.objects.filter(
        status=Status.PROCESSING, updated_at__lt=now - timedelta(seconds=settings.INGEST_STUCK_AFTER_SECONDS)
    )
    exhausted = list(processing.filter(_exhausted()).values_list("pk", "attempts"))
    for pk, attempts in exhausted:
        document_fail(document_id=pk, reason=worker_killed_message(attempts))
    stuck = documents_requeue(documents=processing.exclude(_exhausted()))
    waiting = Document.objects.filter(
        status=Status.QUEUED, updated_at__lt=now - timedelta(seconds=settings.INGEST_REQUEUE_AFTER_SECONDS)
    )
    return sorted(set(stuck) | set(waiting.values_list("pk", flat=True))), len(exhausted)
