"""Readers for each supported format, and extract() that picks one. Heavy parsers are imported only when a file
needs them."""

import io
import logging
import zipfile

from django.conf import settings

from ingestion.extraction import (
    DOCX,
    HTML,
    IMAGES,
    MARKDOWN,
    PDF,
    TEXT,
    Extracted,
    ExtractionError,
    decode_text,
    normalise_text,
)
from ingestion.ocr import OnPage, mean_confidence, ocr_images, ocr_pdf

logger = logging.getLogger(__name__)

# Tags whose content is never document text, and tags that end a block of text.
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "object", "nav", "head"]
_BLOCK_TAGS = [
    "p", "div", "section", "article", "main", "aside", "header", "footer", "li", "ul", "ol", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "pre", "blockquote", "figure", "figcaption", "hr", "form",
]  # fmt: skip
_DROP_SET, _BLOCK_SET = frozenset(_DROP_TAGS), frozenset(_BLOCK_TAGS)
# A plain-text file's first line longer than this reads as its first paragraph, not its title.
TITLE_MAX_CHARS, TITLE_MAX_WORDS = 120, 16


def extract(data: bytes, content_type: str, filename: str = "", on_page: OnPage | None = None) -> Extracted:
    """Extract normalised text pages; raises ExtractionError with a reason staff can act on. on_page hears the
    progress of OCR, when pages need it."""
    if content_type == PDF:
        extracted = extract_pdf(data, on_page)
    elif content_type == DOCX:
        extracted = extract_docx(data)
    elif content_type == HTML:
        extracted = html_to_text(decode_text(data))
    elif content_type == MARKDOWN:
        extracted = markdown_to_text(decode_text(data))
    elif content_type == TEXT:
        extracted = Extracted(pages=[decode_text(data)], title="", paged=False)
    elif content_type in IMAGES:
        read = ocr_images(data, on_page)
        numbers = tuple(range(1, len(read) + 1))
        extracted = Extracted([p.text for p in read], "", True, numbers, mean_confidence(read))
    else:
        raise ExtractionError(f"Unsupported file type {content_type!r}.")
    pages = [normalise_text(page) for page in extracted.pages]
    total = sum(len(page) for page in pages)
    if total > settings.EXTRACT_MAX_CHARS:
        raise ExtractionError(
            f"The document holds {total:,} characters of text, over the limit of "
            f"{settings.EXTRACT_MAX_CHARS:,} (EXTRACT_MAX_CHARS). Split it into smaller files."
        )
    if not any(page.strip() for page in pages):
        read_by = " (OCR found none in it)" if extracted.ocr_pages else ""
        raise ExtractionError(f"The file contains no text to index{read_by}.")
    title = normalise_text(extracted.title)[:500]
    if not title and (content_type == TEXT or 1 in extracted.ocr_pages):
        title = text_title(pages[0])  # plain text and scans have no title but the one written or printed on them
    return Extracted(pages, title, extracted.paged, extracted.ocr_pages, extracted.ocr_confidence)


def extract_pdf(data: bytes, on_page: OnPage | None = None) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("The PDF is password-protected. Remove the password and upload it again.")
        if len(reader.pages) > settings.PDF_MAX_PAGES:
            raise ExtractionError(
                f"The PDF has {len(reader.pages):,} pages, over the limit of {settings.PDF_MAX_PAGES:,} "
                "(PDF_MAX_PAGES). Split it into smaller files."
            )
        read = [_page_text(page) for page in reader.pages]
        title = str(reader.metadata.title or "") if reader.metadata else ""
    except ExtractionError:
        raise
    except FileNotDecryptedError as exc:
        raise ExtractionError("The PDF is password-protected. Remove the password and upload it again.") from exc
    except (PdfReadError, Exception) as exc:  # a hostile PDF can raise almost anything inside the parser
        logger.info("unreadable PDF: %r", exc)
        raise ExtractionError("The PDF is damaged or not a valid PDF file, and could not be read.") from exc
    pages = [page for page in read if isinstance(page, str)]
    if len(pages) < len(read):
        logger.info("PDF pages that could not be read: %d of %d", len(read) - len(pages), len(read))
    # A page pypdf could not read (a content bomb, a broken stream) is not handed to PDFium to render either.
    texts, scanned = ocr_pdf(data, [page if isinstance(page, str) else None for page in read], on_page)
    if not any(text.strip() for text in texts):
        faults = [fault for fault in read if isinstance(fault, Exception)]
        raise (
            _pdf_fault(faults[0])
            if faults
            else ExtractionError(
                "The PDF holds no text: neither a text layer nor page images with text that OCR could read."
            )
        )
    return Extracted(texts, title, True, tuple(scanned), mean_confidence(list(scanned.values())))


def _page_text(page: object) -> str | Exception:
    """One page's text, or what went wrong: a page that fails alone is kept empty rather than failing the
    document, but when no page has text the fault is what the document fails with."""
    try:
        return str(page.extract_text())  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001
        return exc


def _pdf_fault(exc: Exception) -> ExtractionError:
    from pypdf.errors import LimitReachedError

    if isinstance(exc, LimitReachedError):
        return ExtractionError("The PDF's page content expands past pypdf's safety limit: refused as a possible bomb.")
    if isinstance(exc, RecursionError):
        return ExtractionError("The PDF is nested too deeply to read.")
    return ExtractionError("The PDF is damaged: none of its pages could be read.")


def check_zip_bomb(data: bytes) -> None:
    """Refuse an archive whose content would expand past the limit, before anything is decompressed."""
    limit = settings.DOCX_MAX_UNCOMPRESSED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError("The DOCX file is damaged and cannot be opened.") from exc
    total = sum(info.file_size for info in infos)
    if total > limit or len(infos) > 10_000:
        raise ExtractionError(
            f"The DOCX file would expand to {total / 1e6:,.0f} MB ({len(infos)} parts), over the limit of "
            f"{limit / 1e6:,.0f} MB: refused as a possible zip bomb."
        )


def extract_docx(data: bytes) -> Extracted:
    check_zip_bomb(data)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        pages: list[list[str]] = [[]]
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                pages[-1].append(_table_text(block))
                continue
            pages[-1].append(block.text)
            if block.contains_page_break or block._p.xpath("./w:r/w:br[@w:type='page']"):
                pages.append([])  # Word's rendered or hard page break: the text after it is on the next page
        title = document.core_properties.title or ""
    except ExtractionError:
        raise
    except Exception as exc:  # lxml, zipfile or python-docx errors on a malformed part
        logger.info("unreadable DOCX: %r", exc)
        if "excessive depth" in str(exc).lower():  # libxml2's cap on nesting (tables inside tables ...)
            raise ExtractionError("The DOCX file is nested too deeply to read (tables or elements inside each "
                                  "other more than 256 levels down).") from exc  # fmt: skip
        raise ExtractionError("The DOCX file is damaged or not a valid Word document, and could not be read.") from exc
    return Extracted(pages=["\n\n".join(p for p in page if p.strip()) for page in pages], title=title, paged=True)


def _table_text(table: object) -> str:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        rows.append(" | ".join(cells))
    return "\n".join(row for row in rows if row)


def html_to_text(markup: str) -> Extracted:
    """The text of an HTML page in one linear pass over lxml's tree, with an explicit stack instead of recursion,
    so neither the nesting depth nor the size makes it slower than linear (BeautifulSoup took minutes, growing
    with the square of the depth). Scripts, styles, navigation and the like are skipped; blocks end a paragraph.
    """
    import lxml.etree
    import lxml.html

    # huge_tree: libxml2's depth cap is 2,048 levels instead of 256 (real pages nest a few dozen deep); past it
    # the parser stops, so the file is refused rather than indexed with its text cut off.
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(markup, parser=parser)
    except (lxml.etree.ParserError, ValueError):  # nothing but white space or comments
        return Extracted(pages=[""], title="", paged=False)
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        raise ExtractionError("The HTML is nested too deeply to read (more than 2,048 levels of elements).")
    title = " ".join((root.findtext(".//title") or "").split())
    if not title and (heading := root.find(".//h1")) is not None:
        title = " ".join(heading.text_content().split())[:500]
    parts: list[str] = []
    stack: list[tuple[lxml.etree._Element, bool]] = [(root, True)]
    while stack:
        element, entering = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None  # comments and the like have no str tag
        if not entering:
            parts += ["\n\n" if tag in _BLOCK_SET else "", element.tail or ""]
            continue
        stack.append((element, False))  # to close it (and keep its tail) after its children
        if tag is None or tag in _DROP_SET:
            continue
        parts += ["\n" if tag == "br" else "", element.text or ""]
        stack.extend((child, True) for child in reversed(element))
    return Extracted(pages=["".join(parts)], title=title, paged=False)


def text_title(text: str) -> str:
    """A (normalised) text's first line when it stands as a heading: short, with a letter, set off by a blank line,
    not ending like a sentence. Otherwise none, and the file name stays the title."""
    lines = text.strip().splitlines()
    if len(lines) < 3 or lines[1].strip():
        return ""
    first = " ".join(lines[0].split())
    if len(first) > TITLE_MAX_CHARS or len(first.split()) > TITLE_MAX_WORDS or first.endswith((".", ",", ";", ":")):
        return ""
    return first if any(ch.isalpha() for ch in first) else ""  # not a rule of dashes or a page number


def markdown_to_text(source: str) -> Extracted:
    from markdown_it import MarkdownIt

    return html_to_text(MarkdownIt("commonmark").render(source))
