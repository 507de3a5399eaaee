"""Scans and photos of pages read by OCR (ingestion/ocr.py), measured on scans made from known text."""

import io
import os
import shutil
import time

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from demo.pdfwriter import make_pdf
from demo.scans import character_error_rate, scan_text_pages, scanned_pdf
from ingestion.extraction import JPEG, PDF, PNG, TIFF, ExtractionError, sniff_content_type
from ingestion.formats import extract
from ingestion.sandbox import extract_bounded

# Skipped where tesseract is missing, except in CI, where make test installs it: there a missing one is a failure.
pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None and not os.environ.get("CI"), reason="tesseract is not installed (make ocr)"
)

POLICY = (
    "Expenses. Expense claims must be submitted within 30 days of the purchase, with a photo of the receipt, "
    "through the staff portal. Claims above 2,000 NOK need approval from the finance office before purchase.\n"
    "Sick leave. Report sickness to your team lead before 09:00 on the first day. A medical certificate is "
    "needed from the fourth day of absence.\n"
    "Training. Every employee has a training budget of 8,000 NOK per year for courses, books and conferences. "
    "Unused budget does not roll over to the next year."
)
OTHER = "Visitors sign in at reception, wear a visitor badge and are escorted at all times in the workshop."


def known(text: str) -> str:
    """The text as typeset on the page (wrapped lines), the reference a reader is measured against."""
    return str(PdfReader(io.BytesIO(make_pdf([text]))).pages[0].extract_text())


def image_bytes(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


@pytest.mark.parametrize("dpi", [150, 300])
def test_a_scanned_pdf_is_read_with_few_character_errors(dpi) -> None:
    scan = scanned_pdf(scan_text_pages([POLICY], dpi=dpi, seed=dpi), dpi)
    extracted = extract(scan, PDF)
    assert extracted.ocr_pages == (1,) and extracted.ocr_confidence is not None and extracted.ocr_confidence > 80
    assert character_error_rate(known(POLICY), extracted.pages[0]) < 0.02
    assert extracted.title == ""  # its first line is a paragraph: the file name stays the title


def test_a_scan_is_titled_by_the_heading_printed_on_it() -> None:
    scan = scanned_pdf(scan_text_pages([f"Staff handbook\n\n{POLICY}"], dpi=200), 200)
    assert extract(scan, PDF).title == "Staff handbook"


@pytest.mark.parametrize("dpi", [100, 150])
def test_a_photo_of_a_page_taken_sideways_is_read(dpi) -> None:
    [page] = scan_text_pages([POLICY], dpi=dpi, seed=3, angle=2.0, noise=25.0)
    photo = image_bytes(page.rotate(90, expand=True), "JPEG", quality=70)
    assert sniff_content_type(photo, "IMG_2041.jpg") == JPEG
    extracted = extract(photo, JPEG)
    assert extracted.paged and extracted.ocr_pages == (1,)
    assert character_error_rate(known(POLICY), extracted.pages[0]) < 0.05


def test_each_page_of_a_multi_page_tiff_is_a_page() -> None:
    first, second = scan_text_pages([POLICY, OTHER], dpi=200)
    tiff = image_bytes(first, "TIFF", save_all=True, append_images=[second])
    assert sniff_content_type(tiff, "fax.tif") == TIFF
    extracted = extract(tiff, TIFF)
    assert extracted.ocr_pages == (1, 2) and "escorted at all times" in " ".join(extracted.pages[1].split())


def test_a_mixed_pdf_keeps_its_text_layer_and_reads_only_the_scanned_page() -> None:
    writer = PdfWriter()
    for part in (make_pdf([OTHER]), scanned_pdf(scan_text_pages([POLICY], dpi=200), 200)):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    extracted = extract(out.getvalue(), PDF)
    assert extracted.ocr_pages == (2,)
    assert extracted.pages[0] == known(OTHER)  # the text layer, untouched
    assert "medical certificate" in " ".join(extracted.pages[1].split())


def test_a_scan_past_the_time_limit_fails_with_the_reason_in_bounded_time(settings) -> None:
    settings.OCR_TIME_LIMIT_SECONDS = 1.0
    scan = scanned_pdf(scan_text_pages([POLICY] * 6, dpi=300), 300)
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="OCR_TIME_LIMIT_SECONDS"):
        extract_bounded(scan, PDF, "archive.pdf")
    assert time.monotonic() - started < 15  # not the six pages' full reading


def test_a_pdf_slow_to_parse_gets_no_ocr_time_it_does_not_use(settings) -> None:
    from tests import hostile

    settings.EXTRACT_TIME_LIMIT_SECONDS, settings.OCR_TIME_LIMIT_SECONDS = 3, 600
    slow, name = hostile.pdf_content_bomb(13)  # pypdf takes well over 3 s on it
    started = time.monotonic()
    with pytest.raises(ExtractionError, match=r"longer than 3 s \(EXTRACT_TIME_LIMIT_SECONDS\)"):
        extract_bounded(slow, PDF, name)
    assert time.monotonic() - started < 30


def test_a_page_past_its_own_limit_is_named(settings) -> None:
    settings.OCR_PAGE_TIMEOUT_SECONDS = 0.01
    with pytest.raises(ExtractionError, match=r"page 1 .*OCR_PAGE_TIMEOUT_SECONDS"):
        extract(image_bytes(scan_text_pages([POLICY], dpi=200)[0], "PNG"), PNG)


def test_a_damaged_image_or_an_image_bomb_is_refused_with_a_reason() -> None:
    with pytest.raises(ExtractionError, match="damaged"):
        extract(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, PNG)
    huge = image_bytes(Image.new("1", (16_000, 16_000)), "PNG")  # 256 million pixels, a few kB compressed
    with pytest.raises(ExtractionError, match="possible bomb"):
        extract(huge, PNG)


def test_an_image_without_text_says_ocr_found_none() -> None:
    with pytest.raises(ExtractionError, match="OCR found none"):
        extract(image_bytes(Image.new("L", (800, 1000), 255), "PNG"), PNG)


@pytest.mark.django_db
def test_a_scanned_document_is_indexed_with_true_pages_and_its_ocr_shown_to_staff(admin_client) -> None:
    from ingestion.models import Document
    from ingestion.pipeline import document_ingest
    from ingestion.services import document_create

    scan = scanned_pdf(scan_text_pages([OTHER, POLICY], dpi=200), 200)
    outcome = document_create(name="scan.pdf", stream=io.BytesIO(scan), size=len(scan), enqueue=False)
    assert outcome.document is not None, outcome.message
    document_ingest(document_id=outcome.document.pk)
    document = Document.objects.get(pk=outcome.document.pk)
    assert document.status == Document.Status.READY, document.error
    assert document.ocr_pages == [1, 2] and document.ocr_confidence is not None
    chunk = document.chunks.get(text__contains="medical")  # both short pages fit one chunk
    assert (chunk.page_start, chunk.page_end) == (1, 2)
    assert chunk.text.index("escorted") < chunk.page_breaks[0] <= chunk.text.index("medical")  # page 2 starts there
    listing = admin_client.get("/admin/ingestion/document/").content.decode()
    assert f"pages 1-2 read by OCR, confidence {document.ocr_confidence:.0f}%" in listing


def test_low_ocr_confidence_is_a_warning(settings) -> None:
    from ingestion.models import Document
    from ingestion.selectors import ocr_summary, page_ranges

    assert page_ranges([7, 3, 4, 5, 9]) == "3-5, 7, 9"
    settings.OCR_LOW_CONFIDENCE = 60
    assert ocr_summary(Document(ocr_pages=[2], ocr_confidence=91.4)) == ("page 2 read by OCR, confidence 91%", False)
    said, low = ocr_summary(Document(ocr_pages=[1, 2], ocr_confidence=42.0))
    assert low and "confidence 42%" in said and "low" in said
    assert ocr_summary(Document(ocr_pages=[])) == ("", False)


def test_an_email_address_read_with_a_gap_before_the_at_sign_is_one_word() -> None:
    from ingestion.ocr import parse_tsv

    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    words = ["Write", "to", "people", "@halvorsen-lantern.example", "or", "meet", "@", "noon."]
    rows = [f"5\t1\t1\t1\t1\t{i}\t0\t0\t1\t1\t90\t{w}" for i, w in enumerate(words, 1)]
    assert parse_tsv("\n".join([header, *rows])).text == "Write to people@halvorsen-lantern.example or meet @ noon."


def test_the_sandboxed_reader_reports_each_page_it_reads_by_ocr() -> None:
    heard: list[tuple[int, int]] = []
    mixed = scanned_pdf(scan_text_pages([POLICY, OTHER], dpi=150), 150)
    extracted = extract_bounded(mixed, PDF, "scan.pdf", lambda done, total: heard.append((done, total)))
    assert heard == [(0, 2), (1, 2)] and extracted.ocr_pages == (1, 2)


@pytest.mark.django_db
def test_while_ocr_reads_the_document_shows_pages_read_and_stays_alive() -> None:
    from ingestion.models import Document
    from ingestion.pipeline import _ocr_progress
    from ingestion.services import document_create

    outcome = document_create(name="a.txt", stream=io.BytesIO(b"Some text."), size=10, enqueue=False)
    assert outcome.document is not None
    Document.objects.filter(pk=outcome.document.pk).update(status=Document.Status.PROCESSING)
    _ocr_progress(outcome.document)(3, 40)
    document = Document.objects.get(pk=outcome.document.pk)
    assert (document.phase, document.chunks_done, document.chunks_total) == ("ocr", 3, 40)
