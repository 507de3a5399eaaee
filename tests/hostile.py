"""Hostile files by class, with their size as a parameter: not a list of known files, but the shapes that make
readers slow, hungry or confused. Each returns (bytes, file name)."""

import io
import random
import zipfile
import zlib

from demo.pdfwriter import make_pdf, write_pdf
from tests.files import make_docx


def nested_html(depth: int) -> tuple[bytes, str]:
    return f"<html><body><p>Nested.</p>{'<div>' * depth}deep{'</div>' * depth}</body></html>".encode(), "nest.html"


def nested_markdown(depth: int) -> tuple[bytes, str]:
    quotes = "> " * depth + "deep quote\n\n" + "".join("  " * i + "- item\n" for i in range(depth))
    return quotes.encode(), "nest.md"


def nested_docx_tables(depth: int) -> tuple[bytes, str]:
    """Tables inside table cells, `depth` levels down, written straight into document.xml."""
    source = zipfile.ZipFile(io.BytesIO(make_docx(["Tables all the way down."])))
    cell = "<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
    for _ in range(depth):
        cell = f"<w:tbl><w:tr><w:tc>{cell}</w:tc></w:tr></w:tbl><w:p/>"
    body = source.read("word/document.xml").decode()
    body = body.replace("<w:sectPr", cell + "<w:sectPr", 1)
    return _rezip(source, {"word/document.xml": body.encode()}), "tables.docx"


def deflate_bomb_docx(ratio_megabytes: int) -> tuple[bytes, str]:
    """A DOCX whose text part itself inflates to `ratio_megabytes` MB of one repeated paragraph."""
    source = zipfile.ZipFile(io.BytesIO(make_docx(["Bomb."])))
    body = source.read("word/document.xml").decode()
    paragraph = "<w:p><w:r><w:t>" + "bomb " * 200 + "</w:t></w:r></w:p>"
    repeat = ratio_megabytes * 1024 * 1024 // len(paragraph)
    body = body.replace("<w:sectPr", paragraph * repeat + "<w:sectPr", 1)
    return _rezip(source, {"word/document.xml": body.encode()}), "bomb.docx"


def many_pages_pdf(pages: int) -> tuple[bytes, str]:
    return make_pdf([f"Page {n}." for n in range(pages)]), "pages.pdf"


def long_line_text(megabytes: int) -> tuple[bytes, str]:
    return (b"word" * (megabytes * 256 * 1024))[: megabytes * 1024 * 1024], "line.txt"


def many_paragraphs_html(count: int) -> tuple[bytes, str]:
    return ("<html><body>" + "<p>a</p>" * count + "</body></html>").encode(), "paras.html"


def encoded_text(encoding: str) -> tuple[bytes, str]:
    text = "Ærlig talt: Æøå, naïve café, Grüße, 東京, Привет. " * 200
    return text.encode(encoding, errors="replace"), f"{encoding}.txt"


def truncated(kind: str, seed: int) -> tuple[bytes, str]:
    """A good PDF or DOCX cut at a random offset."""
    data, name = (make_pdf(["A page of text. " * 40] * 3), "cut.pdf") if kind == "pdf" else (
        make_docx(["A paragraph of text. " * 40] * 20), "cut.docx")  # fmt: skip
    cut = random.Random(seed).randrange(16, len(data) - 1)
    return data[:cut], name


def lying_type(kind: str) -> tuple[bytes, str]:
    """Content that lies about its type through its name."""
    pdf = make_pdf(["Really a PDF."])
    return {
        "png-named-pdf": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64, "photo.pdf"),
        "pdf-named-txt": (pdf, "notes.txt"),
        "html-named-docx": (b"<html><body><p>Really HTML.</p></body></html>", "letter.docx"),
        "zip-named-docx": (_zip({"readme.txt": b"Not a Word file."}), "report.docx"),
        "random-named-md": (random.Random(7).randbytes(64 * 1024), "notes.md"),
    }[kind]


def _rezip(source: zipfile.ZipFile, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item.filename)))
    return out.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _pdf_page(contents: bytes, *, resources: bytes = b"<< /Font << /F1 3 0 R >> >>", extra: bytes = b"") -> bytes:
    """A one-page PDF whose page has these content-stream bytes (object 5), resources and extra stream keys."""
    return write_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [6 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Producer (hostile) >>",
            b"<< /Length %d %s >>\nstream\n" % (len(contents), extra) + contents + b"\nendstream",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources " + resources + b" /Contents 5 0 R >>",
        ]
    )


def pdf_content_bomb(megabytes: int) -> tuple[bytes, str]:
    """A page whose Flate content stream inflates to `megabytes` MB of text-showing operators."""
    operators = b"BT /F1 10 Tf 60 780 Td " + b"(bomb bomb bomb) Tj T* " * (megabytes * 1024 * 1024 // 24) + b"ET"
    return _pdf_page(zlib.compress(operators, 9), extra=b"/Filter /FlateDecode"), "content-bomb.pdf"


def pdf_many_operators(count: int) -> tuple[bytes, str]:
    """A page of `count` tiny drawing and text operators, uncompressed."""
    operators = b"BT /F1 10 Tf " + b"1 0 Td (a) Tj 0 0 m 1 1 l S " * count + b"ET"
    return _pdf_page(operators), "operators.pdf"


def pdf_nested_objects(depth: int) -> tuple[bytes, str]:
    """Resources holding arrays inside dictionaries `depth` levels down: an object graph built to recurse."""
    nested = b"<< /A [" * depth + b"0" + b"] >>" * depth
    return _pdf_page(b"BT /F1 10 Tf 60 780 Td (Nested.) Tj ET", resources=nested), "nested.pdf"


def pdf_page_tree_cycle(length: int) -> tuple[bytes, str]:
    """A page tree whose nodes list each other as kids in a loop of `length` nodes (never reaching a page)."""
    first = 5
    nodes = [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (first + (i + 1) % length) for i in range(length)]
    objects = [
        b"<< /Type /Catalog /Pages %d 0 R >>" % first,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< >>",
        b"<< /Producer (hostile) >>",
        *nodes,
    ]
    return write_pdf(objects), "cycle.pdf"
