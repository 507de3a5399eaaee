"""Content words of a question or a sentence, crudely stemmed: shared by the refusal features and the extracts."""

import re

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP_WORDS = """a an and are as at be by can do does for from has have how i in is it its of on or that the their
there this to was were what when where which who why will with you your my we our much many long get got me am if
should would could any all some so not no up out about into than then them they he she his her us"""
STOP = frozenset(_STOP_WORDS.split())


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_terms(text: str) -> set[str]:
    """Content words cut to five letters, a crude stem: "passwords" meets "password", "travelling" "travel"."""
    return {w.lower()[:5] for w in _WORD.findall(text) if w.lower() not in STOP and len(w) > 1}


def term_share(question_terms: set[str], text: str) -> float:
    """The share of the question's content words that the text holds (1.0 for a question without any)."""
    if not question_terms:
        return 1.0
    return len(question_terms & content_terms(text)) / len(question_terms)
