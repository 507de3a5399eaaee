"""Answer evaluation end to end: a question set through the real answer service with whatever LLM is configured.

An answerable question is answered correctly when its expected phrase appears in the answer and the citation that
carries it (the first [n] after the phrase) points at the expected document; an uncovered one is declined when
the answer is the fixed "not covered" one. Times are those the answer stored: time to first token and total.
"""

import re
from dataclasses import asdict, dataclass, field

from answers.models import Answer
from retrieval.metrics import percentile
from retrieval.questionsets import normalised

_CITATION = re.compile(r"\[(\d+)\]")


@dataclass
class Judged:
    question: str
    answerable: bool
    correct: bool  # answerable: phrase present and carried by a citation of the right document
    declined: bool
    invalid_citations: int
    ttft_s: float | None
    total_s: float | None
    answer: str


@dataclass
class AnswerReport:
    judged: list[Judged] = field(default_factory=list)

    def _of(self, answerable: bool) -> list[Judged]:
        return [j for j in self.judged if j.answerable == answerable]

    def summary(self) -> dict[str, float]:
        ttft = [j.ttft_s for j in self.judged if j.ttft_s is not None]
        total = [j.total_s for j in self.judged if j.total_s is not None]
        return {
            "answerable": len(self._of(True)),
            "correct": sum(j.correct for j in self._of(True)),
            "uncovered": len(self._of(False)),
            "declined": sum(j.declined for j in self._of(False)),
            "answerable_declined": sum(j.declined for j in self._of(True)),
            "invalid_citations_dropped": sum(j.invalid_citations for j in self.judged),
            "ttft_p50_s": round(percentile(ttft, 50), 2),
            "ttft_p95_s": round(percentile(ttft, 95), 2),
            "total_p50_s": round(percentile(total, 50), 2),
            "total_p95_s": round(percentile(total, 95), 2),
        }

    def last_line(self) -> str:
        s = self.summary()
        return (
            f"answerable {s['answerable']}: correct {s['correct']}/{s['answerable']}; "
            f"uncovered {s['uncovered']}: declined {s['declined']}/{s['uncovered']}; ttft p50 {s['ttft_p50_s']} s"
        )

    def as_dict(self) -> dict[str, object]:
        return {"summary": self.summary(), "questions": [asdict(j) for j in self.judged]}


def carried_by(text: str, phrase: str) -> int | None:
    """The citation number that carries the phrase: the first [n] at or after it (white space and case ignored)."""
    flat = normalised(text)
    at = flat.find(normalised(phrase))
    if at < 0:
        return None
    found = _CITATION.search(flat, at)
    return int(found.group(1)) if found else None


def judge(answer: Answer, *, answerable: bool, document: str = "", phrase: str = "") -> Judged:
    declined = answer.status == Answer.Status.NO_CONTEXT
    correct = False
    if answerable and not declined:
        number = carried_by(answer.answer, phrase)
        cited = {c["number"]: c["document_id"] for c in answer.citations}
        names = {
            p.number: p.document.original_name
            for p in answer.passages.filter(given=True).select_related("document")
            if p.document
        }
        correct = number is not None and number in cited and names.get(number) == document
    first, total = answer.timings_ms.get("first_token"), answer.timings_ms.get("total")
    return Judged(
        question=answer.question,
        answerable=answerable,
        correct=correct,
        declined=declined,
        invalid_citations=len(answer.invalid_citations),
        ttft_s=None if first is None else round(first / 1000, 3),
        total_s=None if total is None else round(total / 1000, 3),
        answer=answer.answer,
    )
