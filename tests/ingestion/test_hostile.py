"""Every class of hostile file ends in a clear state, within the reading limits, without touching its batch.

The files come from tests/hostile.py by class and size. Each goes into one batch between two good documents
and through the real pipeline (with reading in its bounded child process); afterwards nothing is left queued or
processing, the good documents are ready, and the hostile one is ready or failed with a reason in words (or was
refused at upload with a message naming it).
"""

import io
from collections.abc import Callable
from functools import partial

import pytest

from ingestion.models import Document
from ingestion.pipeline import documents_ingest
from ingestion.services import document_create
from tests import hostile

pytestmark = pytest.mark.django_db

CASES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "html nested 200,000 deep": lambda: hostile.nested_html(200_000),
    "html nested 1,500 deep": lambda: hostile.nested_html(1_500),
    "markdown nested 5,000 deep": lambda: hostile.nested_markdown(5_000),
    "docx tables nested 3,000 deep": lambda: hostile.nested_docx_tables(3_000),
    "docx inflating 30x to 100 MB": lambda: hostile.deflate_bomb_docx(100),
    "pdf of 6,000 pages": lambda: hostile.many_pages_pdf(6_000),
    "pdf content inflating to 100 MB": lambda: hostile.pdf_content_bomb(100),
    "pdf page of 100,000 operators": lambda: hostile.pdf_many_operators(100_000),
    "pdf objects nested 100,000 deep": lambda: hostile.pdf_nested_objects(100_000),
    "pdf page tree in a loop of 1": lambda: hostile.pdf_page_tree_cycle(1),
    "pdf page tree in a loop of 1,000": lambda: hostile.pdf_page_tree_cycle(1_000),
    "text of one 1 MB line": lambda: hostile.long_line_text(1),
    "html of 50,000 paragraphs": lambda: hostile.many_paragraphs_html(50_000),
    "utf-16 text": lambda: hostile.encoded_text("utf-16"),
    "shift_jis text": lambda: hostile.encoded_text("shift_jis"),
    "latin-1 text": lambda: hostile.encoded_text("latin-1"),
    **{f"pdf cut at random offset {seed}": partial(hostile.truncated, "pdf", seed) for seed in range(3)},
    **{f"docx cut at random offset {seed}": partial(hostile.truncated, "docx", seed) for seed in range(3)},
    **{f"lying type: {kind}": partial(hostile.lying_type, kind) for kind in (
        "png-named-pdf", "pdf-named-txt", "html-named-docx", "zip-named-docx", "random-named-md")},
}  # fmt: skip


# The reason a person reads, for the classes that must fail (any of the words); the others may also end ready.
REASONS = {
    "html nested 200,000 deep": ("nested too deeply",),
    "docx tables nested 3,000 deep": ("nested too deeply",),
    "docx inflating 30x to 100 MB": ("memory", "characters of text", "longer than"),
    "pdf of 6,000 pages": ("PDF_MAX_PAGES",),
    "pdf content inflating to 100 MB": ("bomb",),
    "pdf page tree in a loop of 1": ("damaged",),
    "pdf page tree in a loop of 1,000": ("damaged",),
    **{f"pdf cut at random offset {seed}": ("damaged",) for seed in range(3)},
}


def stored(data: bytes, name: str) -> tuple[Document | None, str]:
    outcome = document_create(name=name, stream=io.BytesIO(data), size=len(data), enqueue=False)
    return outcome.document, outcome.message


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_file_ends_clearly_and_its_batch_is_unaffected(case: str, settings) -> None:
    settings.EXTRACT_TIME_LIMIT_SECONDS = 60
    settings.EXTRACT_MEMORY_LIMIT_MB = 1024
    data, name = CASES[case]()
    before, _ = stored(b"The kiln log, before: the kiln reached 1200 degrees on Monday.", "before.txt")
    bad, message = stored(data, name)
    after, _ = stored(b"The kiln log, after: the kiln cooled down overnight.", "after.txt")
    assert before is not None and after is not None
    if bad is None:  # refused at upload: the message names the file and says why
        assert name in message and "not stored" in message, message
    documents_ingest(document_ids=[d.pk for d in (before, bad, after) if d is not None])
    assert not Document.objects.filter(status__in=[Document.Status.QUEUED, Document.Status.PROCESSING]).exists()
    for good in (before, after):
        good.refresh_from_db()
        assert good.status == Document.Status.READY and good.chunks.exists(), (good.original_name, good.error)
    if bad is not None:
        bad.refresh_from_db()
        assert bad.status in (Document.Status.READY, Document.Status.FAILED)
        if bad.status == Document.Status.FAILED:
            assert bad.error and "Unexpected error" not in bad.error and not bad.chunks.exists(), bad.error
        if case in REASONS:
            assert bad.status == Document.Status.FAILED and any(w in bad.error for w in REASONS[case]), bad.error
