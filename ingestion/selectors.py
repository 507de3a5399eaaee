"""Reads on documents."""

from django.db.models import QuerySet

from ingestion.models import Document


def documents_active() -> QuerySet[Document]:
    """Documents a worker still has to finish."""
    return Document.objects.filter(status__in=[Document.Status.QUEUED, Document.Status.PROCESSING])
