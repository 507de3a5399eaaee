"""Celery tasks: thin wrappers that take an id and call a service, and the one way to send them."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError

from ingestion.pipeline import document_ingest
from ingestion.states import documents_sweep_stuck

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
    soft_time_limit=settings.INGEST_TIME_LIMIT_SECONDS,
    time_limit=settings.INGEST_TIME_LIMIT_SECONDS + 60,
)
def ingest_document(document_id: int) -> None:
    document_ingest(document_id=document_id)


@shared_task(ignore_result=True)
def sweep_stuck_documents() -> None:
    documents_sweep_stuck(send=lambda document_id: document_enqueue(document_id=document_id))


def document_enqueue(*, document_id: int) -> bool:
    """Send the ingestion task; False (logged) when the broker cannot be reached. The sweep retries later."""
    try:
        ingest_document.apply_async(args=(document_id,), retry=False)
    except Exception:  # kombu and redis raise many connection error types
        logger.warning("could not queue document %s for ingestion; the sweep will retry", document_id, exc_info=True)
        return False
    return True
