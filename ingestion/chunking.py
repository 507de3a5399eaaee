"""Split a document's text into overlapping chunks bounded in tokens of the embedding model's tokenizer.

Chunks break at sentence or paragraph ends where they can; a sentence longer than a chunk is cut at
token boundaries. Offsets index into the joined page text, so every chunk knows its first and last page.
"""

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# For a list of texts, the (start, end) character span of every token, special tokens excluded.
TokenOffsets = Callable[[list[str]], list[list[tuple[int, int]]]]

PAGE_SEPARATOR = "\n\n"
# English text runs about 4-5 characters per token; a unit with more than this many per token is cut by length.
MAX_CHARS_PER_TOKEN = 10
# A sentence ends at . ! ? (perhaps closed by a quote or bracket) and white space; a paragraph at a blank line;
# a list item at a line starting with a bullet or number.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")


@dataclass(frozen=True)
class ChunkSpan:
    text: str
    char_start: int
    char_end: int
    page_start: int
    page_end: int
    token_count: int
    # Offsets into `text` where pages page_start + 1 ... page_end begin, so that a quoted sentence cites its own page.
    page_breaks: list[int] = field(default_factory=list)


def join_pages(pages: Sequence[str]) -> tuple[str, list[int]]:
    """The document's text and the offset at which each page (1-based: index + 1) starts."""
    starts, parts, offset = [], [], 0
    for page in pages:
        starts.append(offset)
        parts.append(page)
        offset += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(parts), starts


def page_of(offset: int, page_starts: list[int]) -> int:
    return max(1, bisect.bisect_right(page_starts, offset))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of sentences and paragraphs, white space between them left out."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _cap_chars(text: str, spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Cut spans longer than max_chars, at white space where there is some.

    Token counts alone cannot bound a chunk: a tokenizer turns a 10 MB "word" into one [UNK] token.
    """
    capped = []
    for start, end in spans:
        while end - start > max_chars:
            cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
            cut = cut if cut > start else start + max_chars
            capped.append((start, cut))
            start = cut
        capped.append((start, end))
    return [(s, e) for s, e in capped if text[s:e].strip()]


def _token_units(text: str, offsets: TokenOffsets, max_tokens: int) -> list[tuple[int, int, int]]:
    """(start, end, tokens) units: sentences, with those over max_tokens cut at token boundaries."""
    spans = _cap_chars(text, sentence_spans(text), max_tokens * MAX_CHARS_PER_TOKEN)
    token_spans = offsets([text[s:e] for s, e in spans])
    units = []
    for (start, end), tokens in zip(spans, token_spans, strict=True):
        if len(tokens) <= max_tokens:
            units.append((start, end, max(1, len(tokens))))
            continue
        for i in range(0, len(tokens), max_tokens):
            piece = tokens[i : i + max_tokens]
            piece_end = end if i + max_tokens >= len(tokens) else start + tokens[i + max_tokens][0]
            units.append((start + piece[0][0], piece_end, len(piece)))
    return units


def chunk_text(
    pages: Sequence[str], offsets: TokenOffsets, *, target_tokens: int = 200, overlap_tokens: int = 40
) -> list[ChunkSpan]:
    """Greedy packing of whole sentences up to target_tokens; each chunk repeats about overlap_tokens of the last."""
    text, page_starts = join_pages(pages)
    units = _token_units(text, offsets, target_tokens)
    max_chars = target_tokens * MAX_CHARS_PER_TOKEN
    chunks: list[ChunkSpan] = []
    first = 0
    while first < len(units):
        last, total = first, units[first][2]
        while (
            last + 1 < len(units)
            and total + units[last + 1][2] <= target_tokens
            and units[last + 1][1] - units[first][0] <= max_chars
        ):
            last += 1
            total += units[last][2]
        start, end = units[first][0], units[last][1]
        chunks.append(
            ChunkSpan(
                text=text[start:end],
                char_start=start,
                char_end=end,
                page_start=page_of(start, page_starts),
                page_end=page_of(end - 1, page_starts),
                token_count=total,
                page_breaks=[offset - start for offset in page_starts if start < offset < end],
            )
        )
        if last + 1 >= len(units):
            break
        first = _overlap_start(units, first, last, overlap_tokens)
    return chunks


def _overlap_start(units: list[tuple[int, int, int]], first: int, last: int, overlap_tokens: int) -> int:
    """The first unit of the next chunk: step back from last+1 while the repeated units fit in the overlap."""
    nxt, repeated = last + 1, 0
    while nxt - 1 > first and repeated + units[nxt - 1][2] <= overlap_tokens:
        nxt -= 1
        repeated += units[nxt][2]
    return nxt
