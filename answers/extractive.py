"""Without an LLM: an answer made of the passages' sentences that share most with the question, each cited."""

import re

from retrieval.context import Passage

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOP_WORDS = """a an and are as at be by can do does for from has have how i in is it its of on or that the their
there this to was were what when where which who why will with you your my we our much many long"""
_STOP = frozenset(_STOP_WORDS.split())


def _terms(text: str) -> set[str]:
    """Content words cut to five letters, a crude stem: "passwords" meets "password", "travelling" "travel"."""
    return {w.lower()[:5] for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1}


def extractive_answer(question: str, passages: list[Passage], max_sentences: int = 3) -> str:
    """The best-matching sentences of the top passages, best passage first, each followed by its [n]."""
    wanted = _terms(question)
    picked: list[tuple[float, int, int, str]] = []
    for number, passage in enumerate(passages[:3], start=1):
        for position, sentence in enumerate(s.strip() for s in _SENTENCE.split(passage.text)):
            overlap = len(wanted & _terms(sentence))
            if overlap and len(sentence) > 15:
                # passage order first (the reranker's judgement), then the question's words in the sentence
                picked.append((overlap - 0.5 * (number - 1), number, position, sentence))
    picked.sort(key=lambda item: (-item[0], item[1], item[2]))
    chosen = sorted(picked[:max_sentences], key=lambda item: (item[1], item[2]))
    if not chosen and passages:
        first = _SENTENCE.split(passages[0].text.strip())[0]
        return f"{first} [1]"
    return " ".join(f"{sentence} [{number}]" for _, number, _, sentence in chosen)
