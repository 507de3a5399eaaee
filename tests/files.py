"""Files built by the tests: good ones and the hostile kinds a staff member may upload."""

import io
import zipfile

from demo.pdfwriter import make_pdf


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def encrypted_pdf(text: str, password: str = "s3cret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf([text]))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb_docx(expanded_bytes: int = 300 * 1024 * 1024) -> bytes:
    """A real DOCX with one extra part of zeros that deflates to almost nothing."""
    source = zipfile.ZipFile(io.BytesIO(make_docx(["A bomb in disguise."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item.filename))
        with bomb.open("word/media/padding.bin", "w", force_zip64=True) as padding:
            block = b"\0" * (1024 * 1024)
            for _ in range(expanded_bytes // len(block)):
                padding.write(block)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    good = make_pdf(["This text will never be read."])
    return good[:200] + b"\x00garbage\xff" * 50
