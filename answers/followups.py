"""Follow-up threads and how retrieval does on them, for `manage.py evaluate_followups`.

The input: `{"followups": [[[question, document or null, phrase or null], ...], ...]}`, each thread a list of turns;
null: the documents do not cover that turn. An optional "standalone" list holds each turn written to stand alone,
for comparison. Follow-up turns (every turn after a thread's first) are judged: the right document first, and the
answering sentence (its phrase) in the context; a topic switch is a follow-up whose document differs from the
previous turn's; a new topic is a follow-up whose standalone version is the question itself (it needs nothing
from before, in the same document or not), and a mode that adds an earlier question's words to it makes it
inherit the old topic.
"""

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.context import Passage
from retrieval.metrics import percentile
from retrieval.questionsets import holds_phrase
from retrieval.terms import content_terms


@dataclass(frozen=True)
class Turn:
    question: str
    document: str | None
    phrase: str | None
    standalone: str | None = None

    @property
    def new_topic(self) -> bool:
        return self.standalone == self.question


def followups_load(path: Path) -> list[list[Turn]]:
    """Read the threads; a malformed turn is an error that names it, never silently skipped."""
    data = json.loads(path.read_text(encoding="utf-8"))
    threads = data.get("followups")
    standalone = data.get("standalone") or [[] for _ in threads or []]
    if not isinstance(threads, list) or len(standalone) != len(threads):
        raise ValueError(f"{path}: 'followups' must be a list of threads ('standalone', if given, one per thread)")
    loaded = []
    for thread, alone in zip(threads, standalone, strict=True):
        turns = []
        for i, turn in enumerate(thread):
            ok = isinstance(turn, list) and len(turn) == 3 and isinstance(turn[0], str)
            if not ok or (turn[1] is None) != (turn[2] is None):
                raise ValueError(
                    f"{path}: a turn must be [question, document, phrase] (both null if uncovered): {turn!r}"
                )
            turns.append(Turn(turn[0], turn[1], turn[2], alone[i] if i < len(alone) else None))
        loaded.append(turns)
    return loaded


# One retrieval for the figures: query -> (ranked document names, context).
Search = Callable[[str], tuple[list[str], list[Passage]]]
# One rewrite mode: (follow-up question, the questions before it, oldest first) -> the query.
Rewrite = Callable[[str, list[str]], str]


@dataclass
class ModeFigures:
    turns: int = 0
    first: int = 0
    kept: int = 0
    switches: int = 0
    switch_first: int = 0
    new_topics: int = 0
    inherited: int = 0
    rewrite_ms: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        p50, p95 = percentile(self.rewrite_ms, 50), percentile(self.rewrite_ms, 95)
        return (
            f"{name}: first {self.first}/{self.turns}, context kept {self.kept}/{self.turns}; topic switches: first "
            f"{self.switch_first}/{self.switches}; new topics inheriting {self.inherited}/{self.new_topics}; "
            f"rewrite p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )


def inherits(query: str, question: str, earlier: list[str]) -> bool:
    """Whether the query searches a word of an earlier question that the question itself does not use (rewording
    the question, as a model may, is no inheritance)."""
    before = set().union(*(content_terms(asked) for asked in earlier))
    return bool((content_terms(query) - content_terms(question)) & before)


def followups_measure(threads: list[list[Turn]], rewrite: Rewrite, search: Search) -> ModeFigures:
    figures = ModeFigures()
    for thread in threads:
        earlier = [thread[0].question]
        for before, turn in itertools.pairwise(thread):
            started = time.perf_counter()
            query = rewrite(turn.question, earlier)
            figures.rewrite_ms.append((time.perf_counter() - started) * 1000)
            figures.new_topics += turn.new_topic
            figures.inherited += turn.new_topic and inherits(query, turn.question, earlier)
            earlier.append(turn.question)
            if turn.document is None or turn.phrase is None:
                continue
            ranked, context = search(query)
            right = bool(ranked) and ranked[0] == turn.document
            figures.turns += 1
            figures.first += right
            figures.kept += holds_phrase(context, turn.phrase)
            if before.document is not None and before.document != turn.document:
                figures.switches += 1
                figures.switch_first += right
    return figures
