"""Sentence boundaries of a chunk's text, as character offsets, for sentence-window reranking and evidence.

syntok splits sentences (it knows abbreviations like "e.g.", "Dr.", "approx." and reads a single line break as
white space, so a PDF line wrap never ends a sentence). It does not see layout, so first the text is cut into
blocks at the line breaks that do end a unit: blank lines, list items, table rows and heading-like lines (a
short line without closing punctuation followed by a capitalised line). pysbd, the other candidate, ends a
sentence at every line break (cutting wrapped PDF sentences in half) and ran 6x slower on SciFact abstracts.
"""

import itertools
import re

import syntok.segmenter as segmenter

Span = tuple[int, int]

_LIST_ITEM = re.compile(r"\s*(?:[-*\u2022\u2013]|\d{1,3}[.)]|[a-z][.)])\s")
_TABLE_ROW = re.compile(r"\||\t")
_CLOSED = re.compile(r"[.!?:;,\"')\]]\s*$")
# A line shorter than this share of the text's longest line, unpunctuated and followed by a capital, is a heading.
_HEADING_SHARE = 0.7


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of every sentence, heading, list item and table row, white space around them left out."""
    spans: list[Span] = []
    for start, end in _blocks(text):
        spans.extend(_sentences(text, start, end))
    return spans


def _blocks(text: str) -> list[Span]:
    """Runs of lines between hard line ends; soft ends (wrapped lines) stay inside a block."""
    lines = _lines(text)
    if not lines:
        return []
    longest = max(end - start for start, end in lines)
    blocks: list[Span] = []
    block_start = lines[0][0]
    for (start, end), (next_start, next_end) in itertools.pairwise(lines):
        if _hard_break(text[start:end], text[next_start:next_end], longest) or text.count("\n", end, next_start) > 1:
            blocks.append((block_start, end))
            block_start = next_start
    blocks.append((block_start, lines[-1][1]))
    return blocks


def _lines(text: str) -> list[Span]:
    spans, offset = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped[0])
            spans.append((start, start + len(stripped)))
        offset += len(line) + 1
    return spans


def _hard_break(line: str, following: str, longest: int) -> bool:
    if _LIST_ITEM.match(following) or _TABLE_ROW.search(line) or _TABLE_ROW.search(following):
        return True
    if _CLOSED.search(line) or not following[:1].isupper():
        return False  # closed lines are split by syntok; a lower-case next line continues a wrapped sentence
    return len(line) < _HEADING_SHARE * longest


def _sentences(text: str, start: int, end: int) -> list[Span]:
    block = text[start:end]
    spans: list[Span] = []
    for paragraph in segmenter.analyze(block):
        for sentence in paragraph:
            tokens = list(sentence)
            if tokens:
                last = tokens[-1]
                spans.append((start + tokens[0].offset, start + last.offset + len(last.value)))
    return spans or [(start, end)]
