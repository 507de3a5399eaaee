"""What every reader shares: judging a file's type by content (never the name alone), decoding text of unknown
encoding, and normalising extracted text. The readers themselves are in ingestion/formats.py.

Every failure a user can cause with a file becomes an ExtractionError whose message a staff member
understands; it is stored on the document as the reason it failed.
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"
PNG, JPEG, TIFF = "image/png", "image/jpeg", "image/tiff"
IMAGES = (PNG, JPEG, TIFF)  # photos and scans of pages, read by OCR
SUPPORTED_TYPES = (PDF, DOCX, HTML, MARKDOWN, TEXT, *IMAGES)
SUPPORTED_NAMES = "PDF, DOCX, HTML, Markdown, text, or a scan or photo of pages (PNG, JPEG, TIFF)"
# What staff call each type (the admin's list), beside its media type.
KIND_NAMES = {PDF: "PDF", DOCX: "DOCX", HTML: "HTML", MARKDOWN: "Markdown", TEXT: "Text", PNG: "PNG", JPEG: "JPEG",
              TIFF: "TIFF"}  # fmt: skip
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": PNG, b"\xff\xd8\xff": JPEG, b"II*\x00": TIFF, b"MM\x00*": TIFF}

# Magic numbers of common formats we do not read, so the refusal can name them.
KNOWN_BINARY = {
    b"\xd0\xcf\x11\xe0": "a legacy Microsoft Office file (.doc/.xls/.ppt); save it as DOCX or PDF",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x7fELF": "a program (ELF executable)",
    b"MZ": "a Windows program",
    b"{\\rtf": "an RTF document; save it as DOCX or PDF",
}


class ExtractionError(Exception):
    """A file that cannot be turned into text; str(error) is shown to staff."""


@dataclass(frozen=True)
class Extracted:
    pages: list[str]
    title: str
    paged: bool  # True when pages are real pages (PDF), False for one flowing text
    ocr_pages: tuple[int, ...] = ()  # numbers (from 1) of the pages read by OCR
    ocr_confidence: float | None = None  # their mean word confidence, 0-100


def sniff_content_type(data: bytes, filename: str = "") -> str:
    """The content type judged from the bytes; the extension only tells Markdown from plain text."""
    if not data.strip():
        raise ExtractionError("The file is empty.")
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    for magic, image in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return image
    for magic, what in KNOWN_BINARY.items():
        if data.startswith(magic):
            raise ExtractionError(f"Unsupported file type: this is {what}. Supported: {SUPPORTED_NAMES}.")
    text = decode_text(data)
    head = text[:2048].lstrip().lower()
    if head.startswith(("<?xml", "<svg")) and not re.search(r"<html[\s>]", head):
        raise ExtractionError(f"Unsupported file type: an XML or SVG file. Supported: {SUPPORTED_NAMES}.")
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(html|body|head)[\s>]", head):
        return HTML
    if filename.lower().endswith((".md", ".markdown")):
        return MARKDOWN
    if filename.lower().endswith((".html", ".htm")) and re.search(r"<[a-z][a-z0-9]*[\s>/]", head):
        return HTML
    return TEXT


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError("The file looks like a ZIP/DOCX archive but is damaged and cannot be opened.") from exc
    if "word/document.xml" in names:
        return DOCX
    raise ExtractionError(
        f"Unsupported file type: a ZIP archive that is not a Word (DOCX) document. Supported: {SUPPORTED_NAMES}."
    )


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown encoding; refuse binary data that merely has a text-like name."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        best = _guess_encoding(data)
        if best is None:
            raise ExtractionError(
                "Unsupported file type: the content is binary, not text in any known encoding. "
                f"Supported: {SUPPORTED_NAMES}."
            ) from None
        text = best
    if _control_share(text[:65536]) > 0.05:
        raise ExtractionError(
            f"Unsupported file type: the content is binary, not readable text. Supported: {SUPPORTED_NAMES}."
        )
    return text


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess; among equally good guesses, the most common legacy encoding (cp1252).

    Short Western text fits many single-byte code pages equally well, and the first of those is often wrong.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    chosen = next((m for m in tied if m.encoding == "cp1252"), best)
    return str(chosen)


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / len(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_HYPHEN_BREAK = re.compile(r"([a-z])-\n([a-z])")
_SPACES = re.compile(r"[ \t\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFKC (ligatures, full-width forms), no control characters, words re-joined at line-end hyphens."""
    text = text.encode("utf-8", errors="ignore").decode("utf-8")  # drops lone surrogates PostgreSQL rejects
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", text).strip()
