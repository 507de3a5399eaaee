"""Without an LLM: an answer quoting whole sentences of the evidence (each passage's best window), each cited.

Sentences come from the same segmenter as the windows, so a PDF line wrap never cuts one in half; headings and
other fragments are never quoted; a table row is quoted with its column names.
"""

import re

from ingestion.sentences import sentence_spans
from retrieval.context import Passage, evidence_span
from retrieval.terms import content_terms, words

_ENDED = re.compile(r"[.!][\"')\]]*$")  # a question ("?") is never quoted as an answer
MIN_WORDS = 4


def _is_table_row(sentence: str) -> bool:
    return sentence.count(" | ") >= 1


def _quotable(sentence: str) -> bool:
    """A whole sentence, or a table row: never a heading, a label or a cut-off fragment."""
    return _is_table_row(sentence) or (bool(_ENDED.search(sentence)) and len(words(sentence)) >= MIN_WORDS)


def _with_header(row: str, text: str, row_start: int) -> str:
    """A table row with its column names, read from the first row of its table in the passage."""
    lines = text[:row_start].rstrip("\n").split("\n")
    header = ""
    for line in reversed(lines):
        if not _is_table_row(line):
            break
        header = line
    names, cells = [n.strip() for n in header.split("|")], [c.strip() for c in row.split("|")]
    if not header or len(names) != len(cells):
        return row
    return f"{cells[0]}: " + "; ".join(f"{n.lower()} {c}" for n, c in zip(names[1:], cells[1:], strict=True)) + "."


def evidence_sentences(passage: Passage) -> list[str]:
    """The quotable sentences of the passage's evidence (its whole text when it has none), line wraps undone."""
    start, end = evidence_span(passage.text, passage.evidence_start, passage.evidence_end) or (0, len(passage.text))
    found = []
    for s, e in sentence_spans(passage.text):
        if s >= start and e <= end:
            sentence = " ".join(passage.text[s:e].split())
            if _quotable(sentence):
                found.append(_with_header(sentence, passage.text, s) if _is_table_row(sentence) else sentence)
    return found


def extractive_answer(question: str, passages: list[Passage], max_sentences: int = 3) -> str:
    """Best source first: the evidence sentences that share most words with the question (the first evidence
    sentence when none does: the reranker judged that window best), then other sources' best, each cited [n]."""
    wanted = content_terms(question)
    picked: list[tuple[int, str]] = []
    for number, passage in enumerate(passages[:3], start=1):
        sentences = evidence_sentences(passage)
        overlap = [len(wanted & content_terms(s)) for s in sentences]
        best = max(overlap, default=0)
        # The best source always speaks (its evidence is what the reranker judged relevant); others only on topic.
        chosen = [i for i, o in enumerate(overlap) if o == best > 0] or ([0] if number == 1 and sentences else [])
        for index in sorted(chosen[: max_sentences - len(picked)]):
            picked.append((number, sentences[index]))
        if len(picked) >= max_sentences:
            break
    return " ".join(f"{sentence} [{number}]" for number, sentence in picked)
