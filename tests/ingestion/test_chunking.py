import itertools

import pytest

from ingestion.chunking import chunk_text, join_pages, sentence_spans
from ingestion.embedding import get_token_offsets


@pytest.fixture(scope="module")
def offsets():
    return get_token_offsets()


def count(offsets, text: str) -> int:
    return len(offsets([text])[0])


def test_chunks_stay_within_the_token_budget_and_cover_the_text(offsets) -> None:
    text = " ".join(f"Sentence number {i} talks about lanterns and glass." for i in range(200))
    chunks = chunk_text([text], offsets, target_tokens=100, overlap_tokens=20)
    assert len(chunks) > 5
    assert all(count(offsets, c.text) <= 100 for c in chunks)
    assert chunks[0].char_start == 0 and chunks[-1].char_end == len(text)
    for previous, following in itertools.pairwise(chunks):
        assert following.char_start <= previous.char_end  # overlapping or adjacent, nothing skipped


def test_chunks_overlap_by_whole_sentences(offsets) -> None:
    text = " ".join(f"Fact {i} is about the cooperative." for i in range(100))
    chunks = chunk_text([text], offsets, target_tokens=60, overlap_tokens=20)
    overlap = chunks[0].char_end - chunks[1].char_start
    assert overlap > 0
    assert chunks[1].text.startswith("Fact ")


def test_chunks_break_at_sentence_ends(offsets) -> None:
    text = " ".join(f"This is sentence {i} of a long report." for i in range(100))
    chunks = chunk_text([text], offsets, target_tokens=50, overlap_tokens=0)
    assert all(c.text.endswith(".") for c in chunks)


def test_a_sentence_longer_than_a_chunk_is_cut_at_token_boundaries(offsets) -> None:
    text = "word " * 1000
    chunks = chunk_text([text.strip()], offsets, target_tokens=200, overlap_tokens=40)
    assert all(count(offsets, c.text) <= 200 for c in chunks)
    assert sum(c.text.count("word") for c in chunks) >= 1000


def test_page_numbers_follow_the_text(offsets) -> None:
    pages = ["Alpha page one. " * 30, "Beta page two. " * 30, "Gamma page three. " * 30]
    chunks = chunk_text(pages, offsets, target_tokens=60, overlap_tokens=0)
    joined, _ = join_pages(pages)
    spans, start = [], 0  # each page's character span in the joined text, worked out here independently
    for page in pages:
        spans.append((start, start + len(page)))
        start += len(page) + 2
    page_at = lambda offset: next(n for n, (s, e) in enumerate(spans, start=1) if s <= offset < e + 2)  # noqa: E731
    for chunk in chunks:
        assert joined[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.page_start == page_at(chunk.char_start)
        assert chunk.page_end == page_at(chunk.char_end - 1)
    assert {n for c in chunks for n in range(c.page_start, c.page_end + 1)} == {1, 2, 3}


def test_a_giant_word_cannot_make_a_giant_chunk(offsets) -> None:
    text = "Start. " + "x" * 50_000 + " end."
    chunks = chunk_text([text], offsets, target_tokens=200, overlap_tokens=40)
    assert max(len(c.text) for c in chunks) <= 2000
    assert sum(len(c.text) for c in chunks) >= 50_000


def test_empty_pages_give_no_chunks(offsets) -> None:
    assert chunk_text(["", ""], offsets) == []


def test_sentence_spans_split_paragraphs_and_sentences() -> None:
    text = "One. Two?\n\nThree!"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["One.", "Two?", "Three!"]


def test_each_chunk_knows_where_its_later_pages_begin(offsets) -> None:
    pages = [" ".join(f"Page {p} sentence {i} about kilns." for i in range(12)) for p in range(1, 5)]
    for chunk in chunk_text(pages, offsets, target_tokens=120, overlap_tokens=20):
        assert len(chunk.page_breaks) == chunk.page_end - chunk.page_start
        for page, offset in enumerate(chunk.page_breaks, start=chunk.page_start + 1):
            assert chunk.text[offset:].startswith(f"Page {page} sentence 0")
