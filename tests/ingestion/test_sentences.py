import itertools

import pytest

from ingestion.sentences import sentence_spans


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def test_a_pdf_line_wrap_does_not_end_a_sentence() -> None:
    text = (
        "Annual leave. Every employee receives 27 days of paid annual leave per calendar year, plus\n"
        "public holidays. Up to 5 unused days may be carried over into the first quarter of the\n"
        "following year."
    )
    assert [" ".join(s.split()) for s in sentences(text)] == [
        "Annual leave.",
        "Every employee receives 27 days of paid annual leave per calendar year, plus public holidays.",
        "Up to 5 unused days may be carried over into the first quarter of the following year.",
    ]


def test_abbreviations_and_decimals_do_not_end_a_sentence() -> None:
    text = "Dr. Smith said the U.S. budget was approx. 3.5 bn. as in Fig. 2 (see p. 4), e.g. in 2020. It grew."
    assert len(sentences(text)) == 2


def test_headings_list_items_and_table_rows_stand_alone() -> None:
    text = (
        "Getting there and back again with the cooperative\n"
        "Trains are preferred for any trip under 8 hours door to door, and flights are booked in economy class.\n"
        "- Taxis after 23:00\n"
        "- Rental cars with approval\n"
        "System | Backup frequency | Retention\n"
        "Customer database | Every hour | 90 days\n"
    )
    assert sentences(text) == [
        "Getting there and back again with the cooperative",
        "Trains are preferred for any trip under 8 hours door to door, and flights are booked in economy class.",
        "- Taxis after 23:00",
        "- Rental cars with approval",
        "System | Backup frequency | Retention",
        "Customer database | Every hour | 90 days",
    ]


@pytest.mark.parametrize("text", ["", "   \n\n  ", "one", "x" * 5000, "a\n" * 300, "ünïcödé — “quoted.” Next 😀."])
def test_spans_index_into_the_text_in_order_without_overlap(text: str) -> None:
    spans = sentence_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
    assert all(text[s:e] == text[s:e].strip() and text[s:e] for s, e in spans)
    assert bool(spans) == bool(text.strip())
