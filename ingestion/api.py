"""The upload endpoint of the JSON API: staff scripts feed documents without the admin, each file on its own."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from ingestion.models import TEXT_SEARCH_LANGUAGES
from ingestion.selectors import collection_named
from ingestion.services import document_create

router = Router(tags=["documents"])
LANGUAGES = {name for name, _ in TEXT_SEARCH_LANGUAGES}


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
