"""Labelled question sets and what retrieval does with them: the gate's figures, and the refusal model's data.

One JSON shape for every set (the demo gate's, the refusal-fitting set's, a user's own):
`{"answerable": [[question, document file name, expected phrase], ...], "unanswerable": [question, ...]}`;
other keys are ignored. The expected phrase is a short exact phrase of the sentence that answers, so a figure can
say whether that sentence reached the context, not only whether some passage of the right document did.
"""

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.context import Passage

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Answerable:
    question: str
    document: str
    phrase: str


@dataclass(frozen=True)
class QuestionSet:
    answerable: list[Answerable]
    unanswerable: list[str]

    def as_json(self) -> dict[str, list[object]]:
        return {
            "answerable": [[a.question, a.document, a.phrase] for a in self.answerable],
            "unanswerable": list(self.unanswerable),
        }


def question_set_load(path: Path) -> QuestionSet:
    """Read the JSON shape above; a malformed entry is an error that names it, never silently skipped."""
    data = json.loads(path.read_text(encoding="utf-8"))
    answerable = []
    for entry in data.get("answerable", []):
        if not (isinstance(entry, list) and len(entry) == 3 and all(isinstance(x, str) for x in entry)):
            raise ValueError(f"{path}: an answerable entry must be [question, document, phrase]: {entry!r}")
        answerable.append(Answerable(*entry))
    unanswerable = data.get("unanswerable", [])
    if not all(isinstance(q, str) for q in unanswerable):
        raise ValueError(f"{path}: unanswerable must be a list of questions")
    return QuestionSet(answerable, list(unanswerable))


def normalised(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def holds_phrase(passages: list[Passage], phrase: str) -> bool:
    """Whether the sentence carrying the phrase reached these passages (white space and case ignored)."""
    wanted = normalised(phrase)
    return any(wanted in normalised(p.text) for p in passages)


@dataclass
class Outcome:
    """What retrieval did with one question of a set."""

    question: str
    answerable: bool
    first_document: str
    first_right: bool
    kept_sentence: bool  # answerable: the answering sentence is in the context
    refused: bool  # no context at all
    seconds: float


@dataclass
class Figures:
    outcomes: list[Outcome] = field(default_factory=list)

    def _of(self, answerable: bool) -> list[Outcome]:
        return [o for o in self.outcomes if o.answerable == answerable]

    @property
    def first(self) -> int:
        return sum(o.first_right for o in self._of(True))

    @property
    def kept(self) -> int:
        return sum(o.kept_sentence for o in self._of(True))

    @property
    def refused(self) -> int:
        return sum(o.refused for o in self._of(False))

    @property
    def wrongly_refused(self) -> int:
        return sum(o.refused for o in self._of(True))

    def line(self) -> str:
        answerable, uncovered = len(self._of(True)), len(self._of(False))
        refusals = self.refused + self.wrongly_refused
        precision = f"{self.refused / refusals:.2f}" if refusals else "-"
        return (
            f"first {self.first}/{answerable}, sentence kept {self.kept}/{answerable}, "
            f"refused {self.refused}/{uncovered} (refusal precision {precision})"
        )


# A retrieval run for the figures: question -> (ranked document names, context). Injected so that the gate,
# the benchmarks and the refusal fit measure one code path with the settings they choose.
Ask = Callable[[str], tuple[list[str], list[Passage]]]


def figures_of(questions: QuestionSet, ask: Ask) -> Figures:
    return Figures(list(outcomes(questions, ask)))


def outcomes(questions: QuestionSet, ask: Ask) -> Iterator[Outcome]:
    for item in questions.answerable:
        started = time.perf_counter()
        ranked, context = ask(item.question)
        first = ranked[0] if ranked else ""
        yield Outcome(
            item.question,
            True,
            first,
            first == item.document,
            holds_phrase(context, item.phrase),
            not context,
            time.perf_counter() - started,
        )
    for question in questions.unanswerable:
        started = time.perf_counter()
        ranked, context = ask(question)
        yield Outcome(
            question, False, ranked[0] if ranked else "", False, False, not context, time.perf_counter() - started
        )
