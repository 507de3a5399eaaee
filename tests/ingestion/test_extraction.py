import pytest

from demo.pdfwriter import make_pdf
from ingestion.extraction import (
    DOCX,
    HTML,
    MARKDOWN,
    PDF,
    TEXT,
    ExtractionError,
    normalise_text,
    sniff_content_type,
)
from ingestion.formats import extract
from tests.files import corrupt_pdf, encrypted_pdf, make_docx, zip_bomb_docx


def extract_file(data: bytes, name: str):
    return extract(data, sniff_content_type(data, name), name)


def test_pdf_pages_are_kept_in_order() -> None:
    result = extract_file(make_pdf(["First page text.", "Second page text."]), "a.pdf")
    assert result.paged
    assert result.pages == ["First page text.", "Second page text."]


def test_type_is_judged_by_content_not_extension() -> None:
    assert sniff_content_type(make_pdf(["x"]), "report.txt") == PDF
    assert sniff_content_type(make_docx(["x"]), "notes.pdf") == DOCX
    assert sniff_content_type(b"<!DOCTYPE html><html><body><p>x</p></body></html>", "page.md") == HTML
    assert sniff_content_type(b"# Title\n\nSome text", "readme.md") == MARKDOWN
    assert sniff_content_type(b"plain words", "notes.txt") == TEXT


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.txt", "empty"),
        (b"   \n\t  ", "blank.md", "empty"),
        (b"GIF89a" + bytes(range(256)) * 8, "photo.pdf", "GIF image"),
        (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8, "tool.txt", "program"),
        (bytes(range(256)) * 64, "random.txt", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc", "legacy Microsoft Office"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "a.txt", "SVG"),
    ],
)
def test_unsupported_or_empty_files_are_refused_with_a_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        sniff_content_type(data, name)


def test_zip_that_is_not_a_docx_is_refused() -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(ExtractionError, match="ZIP archive that is not a Word"):
        sniff_content_type(out.getvalue(), "data.docx")


def test_corrupt_pdf_fails_with_a_clear_reason() -> None:
    with pytest.raises(ExtractionError, match="damaged or not a valid PDF"):
        extract_file(corrupt_pdf(), "broken.pdf")


def test_truncated_pdf_fails_with_a_clear_reason() -> None:
    with pytest.raises(ExtractionError, match="PDF"):
        extract_file(make_pdf(["Some text here."])[:60], "cut.pdf")


def test_encrypted_pdf_is_reported_as_password_protected() -> None:
    with pytest.raises(ExtractionError, match="password-protected"):
        extract_file(encrypted_pdf("Secret minutes."), "locked.pdf")


def test_pdf_without_text_layer_asks_for_ocr() -> None:
    with pytest.raises(ExtractionError, match="holds no text"):
        extract_file(make_pdf([None, None]), "scan.pdf")


def test_pdf_over_the_page_limit_is_refused(settings) -> None:
    settings.PDF_MAX_PAGES = 2
    with pytest.raises(ExtractionError, match="over the limit"):
        extract_file(make_pdf(["one", "two", "three"]), "long.pdf")


def test_pdf_with_some_empty_pages_keeps_page_numbers() -> None:
    result = extract_file(make_pdf(["Cover.", None, "Third page."]), "mixed.pdf")
    assert result.pages == ["Cover.", "", "Third page."]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "shift_jis"])
def test_text_that_is_not_utf8_is_decoded(encoding: str) -> None:
    text = "Café crème à Tromsø, naïve façade." if encoding != "shift_jis" else "日本語のテキストです。東京の天気。"
    result = extract_file(text.encode(encoding), "notes.txt")
    assert result.pages == [text]


def test_docx_zip_bomb_is_refused_before_decompressing() -> None:
    with pytest.raises(ExtractionError, match="zip bomb"):
        extract_file(zip_bomb_docx(), "bomb.docx")


def test_damaged_docx_is_reported() -> None:
    data = make_docx(["Hello"])
    with pytest.raises(ExtractionError, match="damaged"):
        extract_file(data[:400], "cut.docx")


def test_html_keeps_text_and_drops_scripts_and_navigation() -> None:
    markup = (
        b"<html><head><title>T</title><script>alert(1)</script></head><body><nav>Menu</nav>"
        b"<p>Hello <b>bold</b> world.</p><p>Second.</p></body></html>"
    )
    result = extract_file(markup, "page.html")
    assert result.title == "T"
    assert result.pages == ["Hello bold world.\n\nSecond."]


@pytest.mark.parametrize("depth", [10, 500, 2000])
def test_html_nested_within_the_parser_limit_keeps_all_its_text(depth: int) -> None:
    markup = f"<p>Before.</p>{'<div>' * depth}Deep text.{'</div>' * depth}<p>After.</p>".encode()
    pages = extract_file(markup, "nested.html").pages
    assert pages[0].split() == ["Before.", "Deep", "text.", "After."]


@pytest.mark.parametrize("depth", [2100, 200_000])
def test_html_nested_past_the_parser_limit_is_refused_not_cut_off(depth: int) -> None:
    markup = f"<p>Before.</p>{'<div>' * depth}Deep text.{'</div>' * depth}<p>After.</p>".encode()
    with pytest.raises(ExtractionError, match="nested too deeply"):
        extract_file(markup, "nested.html")


def test_normalise_removes_nul_and_control_characters_and_joins_hyphenated_words() -> None:
    assert normalise_text("exam-\nple\x00 text\x07 \ufb01ne") == "example text fine"


def test_text_with_nul_bytes_is_treated_as_binary() -> None:
    with pytest.raises(ExtractionError, match="binary"):
        sniff_content_type(b"a\x00b\x00c\x00" * 1000, "weird.txt")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("A short history of the cooperative\n\nIt was founded in 1987.\n", "A short history of the cooperative"),
        ("\n  WHAT IS LUMEN GRID?  \r\n\r\nA lighting system.\r\n", "WHAT IS LUMEN GRID?"),
        ("It was founded in 1987 by a glassblower.\n\nLater it grew.\n", ""),  # a sentence, not a heading
        ("Minutes of the board\nheld on 3 May\n\nPresent: all.\n", ""),  # no blank line after it
        ("Just one line\n", ""),
        ("Note:\n\nThe office is closed.\n", ""),
        (" ".join(["word"] * 20) + "\n\nText.\n", ""),
        ("==========\n\nText.\n", ""),
        ("12\n\nText.\n", ""),
    ],
)
def test_a_text_files_title_is_its_first_line_when_it_stands_as_a_heading(text: str, title: str) -> None:
    assert extract(text.encode(), TEXT).title == title
