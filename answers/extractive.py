"""Without an LLM: an answer quoting the whole sentences of the evidence that answer best, each cited with its page.

Sentences come from the same segmenter as the windows, so a PDF line wrap never cuts one in half; headings and
other fragments are never quoted; a table row is quoted with its column names.
"""

import logging
import re
from dataclasses import dataclass

import numpy as np

from ingestion.sentences import sentence_spans
from retrieval.context import Passage, evidence_span
from retrieval.rerankers import Reranker
from retrieval.scoring import rerank_text
from retrieval.terms import content_terms, words

logger = logging.getLogger(__name__)

_ENDED = re.compile(r"[.!][\"')\]]*$")  # a question ("?") is never quoted as an answer
MIN_WORDS = 4
# A sentence other than the best is quoted only within this many logits of it. The MS MARCO cross-encoder puts a
# sentence that answers several logits above one merely on the topic; two that answer together (a rule and its
# exception) land within about one or two of each other.
CLOSE_LOGITS = 2.0


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


@dataclass(frozen=True)
class Quote:
    number: int  # the source's citation number
    sentence: str
    start: int  # offset of the sentence in the source's text
    page: int  # the page it stands on


@dataclass(frozen=True)
class Extract:
    text: str
    pages: dict[int, int]  # citation number -> the page of the first sentence quoted from that source


def evidence_quotes(passage: Passage, number: int) -> list[Quote]:
    """The quotable sentences of the passage's evidence (its whole text when it has none), line wraps undone."""
    start, end = evidence_span(passage.text, passage.evidence_start, passage.evidence_end) or (0, len(passage.text))
    found = []
    for s, e in sentence_spans(passage.text):
        if s >= start and e <= end:
            sentence = " ".join(passage.text[s:e].split())
            if _quotable(sentence):
                quoted = _with_header(sentence, passage.text, s) if _is_table_row(sentence) else sentence
                found.append(Quote(number, quoted, s, passage.page_at(s)))
    return found


def _scores(
    question: str, quotes: list[Quote], titles: dict[int, str], reranker: Reranker | None
) -> tuple[np.ndarray, float]:
    """Each sentence scored on its own by the cross-encoder: a window that answers also holds sentences that do
    not ("After probation the notice period is three months" beside the probation length). Without the reranker
    (none configured, or it failed): the count of the question's content words each sentence holds. Returns the
    scores and how close to the best another sentence must score to be quoted, on that scale."""
    if reranker is not None:
        try:
            texts = [rerank_text(titles[q.number], q.sentence) for q in quotes]
            return np.asarray(reranker.score(question, texts), dtype=np.float64), CLOSE_LOGITS
        except Exception:  # the answer still comes, chosen by the words it shares with the question
            logger.exception("scoring sentences for the extract failed")
    wanted = content_terms(question)
    return np.array([len(wanted & content_terms(q.sentence)) for q in quotes], dtype=np.float64), 0.0


def _first_of_each(order: list[int], keys: list[str]) -> list[int]:
    """The indices in `order` whose key has not come earlier in it."""
    seen: set[str] = set()
    kept = []
    for i in order:
        if keys[i] not in seen:
            seen.add(keys[i])
            kept.append(i)
    return kept


def extractive_answer(
    question: str, passages: list[Passage], reranker: Reranker | None = None, max_sentences: int = 3
) -> Extract:
    """The sentences of the given passages' evidence that answer best, each cited [n] with the page it stands on.

    The best sentence always speaks (its passage passed the threshold); another only when it scores within
    CLOSE_LOGITS of it, so an unrelated sentence of the same window, or a second source that is merely on topic,
    is never appended. Quotes keep the sources' order (best source first), and each source's text order.
    """
    quotes = [q for number, p in enumerate(passages[:3], start=1) for q in evidence_quotes(p, number)]
    if not quotes:
        return Extract("", {})
    titles = {number: p.title for number, p in enumerate(passages[:3], start=1)}
    scores, margin = _scores(question, quotes, titles, reranker)
    best = float(scores.max())
    ranked = sorted(range(len(quotes)), key=lambda i: -scores[i])
    # The same sentence in two sources (one policy uploaded as PDF and as a scan) is quoted once, from the first.
    distinct = _first_of_each(ranked, [q.sentence.casefold() for q in quotes])
    picked = sorted(
        (i for i in distinct[:max_sentences] if scores[i] >= best - margin),
        key=lambda i: (quotes[i].number, quotes[i].start),
    )
    pages: dict[int, int] = {}
    for index in picked:
        pages.setdefault(quotes[index].number, quotes[index].page)
    return Extract(" ".join(f"{quotes[i].sentence} [{quotes[i].number}]" for i in picked), pages)
