"""Reads on documents, and the one rule of who may read which collection.

Every read path (retrieval, answer pages, the API, source files, marks, exports) asks collections_readable; no
other module decides access.
"""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from ingestion.models import Collection, Document

Asker = AbstractBaseUser | AnonymousUser | None


def documents_active() -> QuerySet[Document]:
    """Documents a worker still has to finish."""
    return Document.objects.filter(status__in=[Document.Status.QUEUED, Document.Status.PROCESSING])


def collections_readable(*, user: Asker) -> QuerySet[Collection]:
    """The collections this person may retrieve from, see passages of and download files of.

    Anonymous (or inactive): public ones. Superusers: all. Anyone else logged in: public and logged-in ones, and
    listed ones naming them or one of their groups. Staff get nothing more here: the admin is their wider view.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Collection.objects.filter(access=Collection.Access.PUBLIC)
    if getattr(user, "is_superuser", False):
        return Collection.objects.all()
    listed = Q(access=Collection.Access.LISTED) & (Q(users=user) | Q(groups__user=user))
    open_to_all = Q(access__in=[Collection.Access.PUBLIC, Collection.Access.LOGGED_IN])
    return Collection.objects.filter(pk__in=Collection.objects.filter(open_to_all | listed).values("pk"))


def collection_ids_readable(*, user: Asker) -> list[int]:
    return list(collections_readable(user=user).values_list("pk", flat=True))


def document_readable(*, document_id: int, user: Asker) -> Document | None:
    """The document if this person may read its collection; None otherwise, so it looks like a missing one."""
    return Document.objects.filter(pk=document_id, collection__in=collections_readable(user=user)).first()


def collections_listed(*, user: Asker) -> QuerySet[Collection]:
    """The collections whose documents this person may list: the readable ones, every one for staff (who upload
    to any collection and follow its documents in the admin)."""
    if user is not None and user.is_authenticated and user.is_active and getattr(user, "is_staff", False):
        return Collection.objects.all()
    return collections_readable(user=user)


def documents_listed(*, user: Asker, collection: Collection | None = None, status: str = "") -> QuerySet[Document]:
    """Documents of the collections this person may list, newest first; optionally of one collection or status."""
    found = Document.objects.filter(collection__in=collections_listed(user=user)).select_related("collection")
    if collection is not None:
        found = found.filter(collection=collection)
    return found.filter(status=status) if status else found


def collection_named(key: str) -> Collection | None:
    """A collection by id or by name (for staff tools: the upload API, the ingest command)."""
    by_name = Collection.objects.filter(name=key).first()
    return by_name or (Collection.objects.filter(pk=int(key)).first() if key.isdigit() else None)


def page_ranges(pages: list[int]) -> str:
    """[3, 4, 5, 7] -> "3-5, 7"."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def ocr_summary(document: Document) -> tuple[str, bool]:
    """What OCR read of a document, for staff ("pages 3-7 read by OCR, confidence 91%"), and whether its
    confidence is low enough to warn about (OCR_LOW_CONFIDENCE): the text may be wrong, check the scan."""
    if not document.ocr_pages:
        return "", False
    pages = document.ocr_pages
    said = f"{'pages' if len(pages) > 1 else 'page'} {page_ranges(pages)} read by OCR"
    if document.ocr_confidence is None:
        return said, False
    low = document.ocr_confidence < settings.OCR_LOW_CONFIDENCE
    return f"{said}, confidence {document.ocr_confidence:.0f}%" + (" (low: check the text)" if low else ""), low
