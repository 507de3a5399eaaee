"""A minimal PDF writer (Helvetica text, one string per page) for the demo documents and test files.

It exists so that tests can build exactly the PDFs they need (several pages, no text layer) without
a PDF-generation dependency.
"""

import textwrap
from collections.abc import Sequence


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(text: str | None) -> bytes:
    if text is None:  # a page with a drawing and no text layer, like a scan
        return b"0.5 g 72 400 450 300 re f"
    lines = [wrapped for para in text.split("\n") for wrapped in (textwrap.wrap(para, 90) or [""])]
    body = b" T* ".join(b"(" + _escape(line) + b") Tj" for line in lines)
    return b"BT /F1 10 Tf 14 TL 60 780 Td " + body + b" ET"


def make_pdf(pages: Sequence[str | None], *, title: str = "") -> bytes:
    """A valid PDF with one page per item; None makes a page without text."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + _escape(title) + b") /Producer (ragsite demo) >>",
    ]
    kids = []
    for page in pages:
        stream = _content(page)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % len(objects)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    return write_pdf(objects)


def write_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF file of these object bodies, numbered from 1 (the catalog, 1, is the root; 4 is the info dict)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
