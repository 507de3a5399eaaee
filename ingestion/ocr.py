"""Reading the text of page images (scans, photos of pages) with Tesseract, and deciding which pages need it.

Tesseract runs as its own process per page (the `tesseract` program of Debian's tesseract-ocr), so a page
that takes too long is killed at OCR_PAGE_TIMEOUT_SECONDS and the whole document's reading stays inside
OCR_TIME_LIMIT_SECONDS. This module runs inside the sandboxed reader (ingestion/sandbox.py), under its memory
limit. Why Tesseract and not RapidOCR: benchmarks/ocr_engines.py and docs/ingestion.md.
"""

import csv
import io
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from PIL import Image, ImageFilter

from ingestion.extraction import ExtractionError

# A page of text set at ordinary size holds ~1,500 characters per A4 (595 x 842 points); a page holding an image
# and under OCR_PAGE_MIN_CHARS (per A4 of area) in its text layer is read by OCR instead.
A4_POINTS = 595 * 842
# Pixels a page is rendered or an image is read at, at most: A3 at 300 dpi is 17 million. A page or photo larger
# than this is scaled down for reading, and an image file past IMAGE_MAX_PIXELS is refused unread.
RENDER_MAX_PIXELS = 40_000_000
IMAGE_MAX_PIXELS = 200_000_000
# An image whose shorter side has fewer pixels than this (an A4 page under ~240 dpi) is enlarged for reading.
UPSCALE_BELOW = 2000


# One thread per page: Tesseract's OpenMP threads fight over two cores and made a page 3-4 times slower here
# (benchmarks/ocr_engines.py: 4.95 -> 1.77 s a page at 300 dpi).
_TESSERACT_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


# Tesseract reads the space a font leaves before "@" as a word gap ("people @example.org"): an address is one word.
_EMAIL_GAP = re.compile(r"(\w) @([\w-]+\.\w)")


# Told (pages read so far, pages to read) before each page: the sandboxed reader passes it on as progress.
OnPage = Callable[[int, int], None]


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float | None  # mean word confidence, 0-100; None when no word was found


@dataclass
class OcrBudget:
    """The time a document's OCR may take (OCR_TIME_LIMIT_SECONDS), counted from its first page."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def page_timeout(self) -> float:
        left = self.seconds - (time.monotonic() - self.started)
        return min(settings.OCR_PAGE_TIMEOUT_SECONDS, max(left, 0.0))


def tesseract_problem() -> str | None:
    """Why OCR cannot run here (for the system check), or None."""
    if shutil.which("tesseract") is None:
        return "the tesseract program is not installed (Debian: apt-get install tesseract-ocr)"
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract does not run ({exc})"
    have = set(listed.split()[1:]) if listed else set()
    missing = [lang for lang in settings.OCR_LANGUAGES.split("+") if lang not in have]
    if missing:
        packs = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return f"tesseract has no data for {', '.join(missing)} (OCR_LANGUAGES; Debian: apt-get install {packs})"
    return None


def sparse(text: str, *, area_points: float) -> bool:
    """Far less text than a page of this area holds: a scan (perhaps with a stamped header), or a page of pictures."""
    return len("".join(text.split())) < settings.OCR_PAGE_MIN_CHARS * area_points / A4_POINTS


def ocr_image(image: Image.Image, *, page: int, budget: OcrBudget) -> OcrPage:
    """The text Tesseract reads in one page image (page: its number, for messages).

    Read as upright first (most scans are); a page read with low confidence is read again with orientation
    detection, which turns a page scanned or photographed sideways or upside down (CER 0.82 -> 0.001 on a page
    turned 90 degrees) but guesses wrong on a page of one or two lines, so it is not the first try: the reading
    with the higher confidence is kept."""
    png = io.BytesIO()
    # A 3-pixel median first: a scanner's speckle made Tesseract see noise as text (a one-line page with grain
    # read as nothing, and took over 60 s at 300 dpi); the median clears it and keeps strokes (0.2 s, CER 0).
    image.convert("L").filter(ImageFilter.MedianFilter(3)).save(png, "PNG")
    upright = _tesseract(png.getvalue(), "3", page=page, budget=budget)
    if upright.confidence is not None and upright.confidence >= settings.OCR_LOW_CONFIDENCE:
        return upright
    try:
        turned = _tesseract(png.getvalue(), "1", page=page, budget=budget)
    except ExtractionError:  # no orientation data (tesseract-ocr-osd), or no time left: the upright reading stands
        return upright
    return turned if (turned.confidence or -1.0) > (upright.confidence or -1.0) else upright


def _tesseract(png: bytes, segmentation: str, *, page: int, budget: OcrBudget) -> OcrPage:
    timeout = budget.page_timeout()
    if timeout <= 0:
        raise ExtractionError(_over_time(page, budget))
    command = ["tesseract", "-", "-", "-l", settings.OCR_LANGUAGES, "--psm", segmentation, "tsv"]
    try:
        done = subprocess.run(command, input=png, capture_output=True, timeout=timeout, check=True, env=_TESSERACT_ENV)
    except FileNotFoundError as exc:
        raise ExtractionError(
            "The file needs OCR, but the tesseract program is not installed on the server (apt-get install "
            "tesseract-ocr); ask an administrator, then reprocess it."
        ) from exc
    except subprocess.TimeoutExpired as exc:
        if timeout < settings.OCR_PAGE_TIMEOUT_SECONDS:
            raise ExtractionError(_over_time(page, budget)) from exc
        raise ExtractionError(
            f"OCR of page {page} took longer than {settings.OCR_PAGE_TIMEOUT_SECONDS:g} s "
            "(OCR_PAGE_TIMEOUT_SECONDS) and was stopped."
        ) from exc
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise ExtractionError(f"OCR of page {page} failed: {detail[0][:200]}") from exc
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def _over_time(page: int, budget: OcrBudget) -> str:
    return (
        f"OCR stopped at page {page}: reading the scan took longer than {budget.seconds:g} s "
        "(OCR_TIME_LIMIT_SECONDS). Split the file into smaller parts and upload them."
    )


def parse_tsv(tsv: str) -> OcrPage:
    """Tesseract's TSV (one row per word, numbered by block, paragraph and line) as text and mean confidence."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(word)
        confidences.append(float(row["conf"]))
    text, paragraph = [], None
    for (block, par, _), words in lines.items():
        if paragraph is not None and paragraph != (block, par):
            text.append("")  # a blank line between paragraphs, as the chunker expects
        paragraph = (block, par)
        text.append(" ".join(words))
    confidence = sum(confidences) / len(confidences) if confidences else None
    return OcrPage(text=_EMAIL_GAP.sub(r"\1@\2", "\n".join(text)), confidence=confidence)


def ocr_pdf(
    data: bytes, texts: list[str | None], on_page: OnPage | None = None
) -> tuple[list[str], dict[int, OcrPage]]:
    """The PDF's pages with those that need it read by OCR instead of their text layer; and what OCR read, by
    page number (from 1). A page whose OCR finds less text than its layer keeps the layer; a page whose layer
    could not be read at all (None) is left empty, unrendered. on_page hears (pages read, pages to read)."""
    import pypdfium2

    budget = OcrBudget(settings.OCR_TIME_LIMIT_SECONDS)
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return [text or "" for text in texts], {}  # pypdf read it and PDFium cannot: keep what pypdf found
    read: dict[int, OcrPage] = {}
    try:
        scans = [i for i, text in enumerate(texts[: len(pdf)]) if text is not None and _scanned(pdf, i, text)]
        for done, index in enumerate(scans):
            if on_page is not None:
                on_page(done, len(scans))
            width, height = pdf.get_page_size(index)
            scale = min(settings.OCR_DPI / 72, (RENDER_MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
            found = ocr_image(pdf[index].render(scale=scale).to_pil(), page=index + 1, budget=budget)
            if len(found.text.strip()) > len(str(texts[index]).strip()):
                read[index + 1] = found
    finally:
        pdf.close()
    return [read[i + 1].text if i + 1 in read else text or "" for i, text in enumerate(texts)], read


def _scanned(pdf: Any, index: int, text: str) -> bool:
    """A page with far less text than its area holds and an image on it."""
    import pypdfium2

    width, height = pdf.get_page_size(index)  # without parsing the page: most pages stop here
    if not sparse(text, area_points=width * height):
        return False
    images = pdf[index].get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4)
    return next(images, None) is not None  # else nothing to read: a blank or drawn page


def ocr_images(data: bytes, on_page: OnPage | None = None) -> list[OcrPage]:
    """Every frame of a PNG, JPEG or (multi-page) TIFF read by OCR, turned upright by its EXIF orientation."""
    from PIL import ImageOps, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS // 2  # Pillow refuses twice this, warns past it
    budget = OcrBudget(settings.OCR_TIME_LIMIT_SECONDS)
    try:
        with Image.open(io.BytesIO(data)) as image:
            pages = []
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if on_page is not None:
                    on_page(number - 1, getattr(image, "n_frames", 1))
                if number > settings.PDF_MAX_PAGES:
                    raise ExtractionError(f"The image has more than {settings.PDF_MAX_PAGES:,} pages (PDF_MAX_PAGES).")
                upright = ImageOps.exif_transpose(frame).convert("L")
                pages.append(ocr_image(_within(upright), page=number, budget=budget))
    except Image.DecompressionBombError as exc:
        raise ExtractionError(
            f"The image is larger than {IMAGE_MAX_PIXELS // 1_000_000} million pixels: refused as a possible bomb."
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ExtractionError(
            "The image is damaged or not a valid PNG, JPEG or TIFF file, and could not be read."
        ) from exc
    return pages


def _within(image: Image.Image) -> Image.Image:
    """The image at a size Tesseract reads well: a small one (a low-resolution scan or a cropped photo) enlarged
    up to twice, so its letters are tall enough (100 dpi text: CER 0.017 -> 0.007 enlarged), and a huge one
    reduced to RENDER_MAX_PIXELS."""
    short = min(image.width, image.height)
    factor = min(2.0, UPSCALE_BELOW / short) if 0 < short < UPSCALE_BELOW else 1.0
    factor = min(factor, (RENDER_MAX_PIXELS / max(image.width * image.height, 1)) ** 0.5)
    if factor == 1.0:
        return image
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def mean_confidence(read: list[OcrPage]) -> float | None:
    known = [page.confidence for page in read if page.confidence is not None]
    return sum(known) / len(known) if known else None
