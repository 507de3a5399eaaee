"""The documents part of the JSON API: staff scripts upload documents (each file on its own outcome) and any
script follows their state (queued, processing with progress, ready, failed with the reason) and lists collections."""

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from ingestion.models import TEXT_SEARCH_LANGUAGES, Collection, Document
from ingestion.selectors import collection_named, collections_listed, documents_listed
from ingestion.services import document_create

router = Router(tags=["documents"])
collections_router = Router(tags=["documents"])
LANGUAGES = {name for name, _ in TEXT_SEARCH_LANGUAGES}
STATUSES = set(Document.Status.values)
PAGE_MAX = 500


def document_data(document: Document) -> dict[str, Any]:
    """A document's state as the API gives it (progress: chunks stored of those to store while processing; pages
    read of those to read in the phase "ocr")."""
    return {
        "id": document.pk,
        "title": document.title,
        "name": document.original_name,
        "collection": {"id": document.collection_id, "name": document.collection.name},
        "status": document.status,
        "phase": document.phase,
        "progress": {"done": document.chunks_done, "total": document.chunks_total},
        "error": document.error,
        "pages": document.page_count,
        "ocr": {"pages": document.ocr_pages, "confidence": document.ocr_confidence},
        "language": document.language,
        "created_at": document.created_at.isoformat(),
        "finished_at": document.finished_at.isoformat() if document.finished_at else None,
    }


@router.get("", summary="List documents and their state, newest first (those of collections you may read; staff: all)")
def list_documents(
    request: HttpRequest, collection: str = "", status: str = "", limit: int = 100, offset: int = 0
) -> Any:
    if status and status not in STATUSES:
        raise HttpError(400, f"status must be one of {', '.join(sorted(STATUSES))}.")
    if not 1 <= limit <= PAGE_MAX or offset < 0:
        raise HttpError(400, f"limit must be 1 to {PAGE_MAX} and offset at least 0.")
    chosen = _listed_collection(request, collection) if collection else None
    found = documents_listed(user=request.user, collection=chosen, status=status)
    return {"count": found.count(), "documents": [document_data(d) for d in found[offset : offset + limit]]}


@router.get("/{document_id}", summary="One document's state: poll it after an upload until ready or failed")
def get_document(request: HttpRequest, document_id: int) -> Any:
    document = documents_listed(user=request.user).filter(pk=document_id).first()
    if document is None:
        raise HttpError(404, "No such document.")  # one you may not read looks like a missing one
    return document_data(document)


@collections_router.get("", summary="The collections you may read (staff: all), with their documents by state")
def list_collections(request: HttpRequest) -> Any:
    collections = list(collections_listed(user=request.user))
    counts = {c.pk: dict.fromkeys(STATUSES, 0) for c in collections}
    counted = Document.objects.filter(collection__in=collections).values("collection_id", "status")
    for row in counted.annotate(n=Count("pk")):  # one query for every collection's counts
        counts[row["collection_id"]][row["status"]] = row["n"]
    return {"collections": [_collection_data(c, counts[c.pk]) for c in collections]}


def _collection_data(collection: Collection, counts: dict[str, int]) -> dict[str, Any]:
    return {"id": collection.pk, "name": collection.name, "access": collection.access,
            "default": collection.is_default, "documents": counts}  # fmt: skip


def _listed_collection(request: HttpRequest, key: str) -> Collection:
    chosen = collection_named(key)
    if chosen is None or not collections_listed(user=request.user).filter(pk=chosen.pk).exists():
        raise HttpError(400, f"No collection you may read has the id or name {key!r}.")
    return chosen


@router.post("", summary="Upload documents (staff): one outcome per file, naming it; a bad file never refuses the rest")
def upload(
    request: HttpRequest,
    files: list[UploadedFile] = File(...),  # noqa: B008  (ninja declares request parts this way)
    language: str = Form(""),
    collection: str = Form("", description="the collection's id or name (default: the default collection)"),
) -> Any:
    if not request.user.is_authenticated or not request.user.is_staff:
        raise HttpError(403, "Uploading documents needs a staff account or a staff member's token.")
    if language and language not in LANGUAGES:
        raise HttpError(400, f"language must be one of {', '.join(sorted(LANGUAGES))}.")
    chosen = collection_named(collection) if collection else None
    if collection and chosen is None:
        raise HttpError(400, f"No collection has the id or name {collection!r}.")
    outcomes = [
        document_create(
            name=f.name or "unnamed",
            stream=f,
            size=f.size,
            uploaded_by=request.user,
            language=language,
            collection=chosen,
        )
        for f in files
    ]
    # Read after the commit hooks ran: whether each stored file reached the task queue is part of its outcome.
    return {"files": [o.as_dict() for o in outcomes]}
