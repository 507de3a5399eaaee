"""Celery tasks: thin wrappers that take an id and call a service."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError

from ingestion.pipeline import document_ingest
from ingestion.services import documents_sweep_stuck


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
    documents_sweep_stuck()
