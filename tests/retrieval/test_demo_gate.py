"""Regression gate: questions about the demo documents in staff's own words (demo/questions.py).

Three figures: the answering document ranks first, an answerable question keeps context (a passage above the
threshold), a question the documents do not cover is refused. The shipped configuration measured on 2026-12-02
(windows of 3 sentences, pool of 40): first 66/69, context 43/69, refused 15/22; whole-chunk scoring at a pool
of 50, before windows, measured 68/69, 34/69, 14/22. The bars are those figures less one question of margin,
except first, kept at what ships measures (a pool of 50 gives 67/69, the smaller pool trades one for speed).
They are far below the aim (97%, 97%, 90%): the MS MARCO cross-encoder does not match synonyms ("thumb drive"
against "USB memory sticks" scores -9.9, as low as an unrelated passage), so no threshold separates these
answerable questions from the close uncovered ones (at a threshold refusing 90% of the uncovered, 35% of the
answerable keep context). Raise the bars when a reranker does better; never tune a question away.
"""

from dataclasses import dataclass, field

import pytest

from demo.questions import ANSWERABLE, DOCUMENT_WORDS, UNCOVERED, demo_question_set
from retrieval.context import Passage
from retrieval.questionsets import figures_of
from retrieval.selectors import retrieve
from tuning.gate import BARS

pytestmark = pytest.mark.django_db

FIRST_GATE, CONTEXT_GATE, REFUSED_GATE = BARS["first"], BARS["context"], BARS["refused"]


@dataclass
class GateReport:
    wrong_first: list[tuple[str, str, str]] = field(default_factory=list)
    no_context: list[tuple[str, float]] = field(default_factory=list)
    not_refused: list[tuple[str, str, float]] = field(default_factory=list)


def run_gate(names: dict[int, str], answerable: list[tuple[str, str]], uncovered: list[str]) -> GateReport:
    report = GateReport()
    for question, expected in answerable:
        result = retrieve(question, collections="all")
        assert result.reranked and not result.reranker_fell_back
        top = result.candidates[0]
        if names[top.document_id] != expected:
            report.wrong_first.append((question, expected, names[top.document_id]))
        if not result.context:
            report.no_context.append((question, top.probability or 0.0))
    for question in uncovered:
        result = retrieve(question, collections="all")
        if result.context:
            report.not_refused.append(
                (question, names[result.context[0].document_id], result.context[0].probability or 0)
            )
    return report


def test_demo_gate_in_users_words_holds_its_bars_and_the_answering_sentence_reaches_the_context(demo_corpus) -> None:
    """One pass over the gate's questions for every figure (each pass takes about a minute here).

    First, context and refused against BARS (module docstring). And the answering sentence itself
    (demo.questions.ANSWER_PHRASES), not only some passage of the right document: measured 2026-12-05 with every
    sentence scored (windows 3/2, content cap 8): first 67/69, sentence kept 53/69, refused 14/22; the positional
    cap of 4 windows it replaced kept 43/69. Bars: measured less one question, refused as measured (a
    deterministic figure; it fell from 15 when every sentence became evidence)."""
    assert len(ANSWERABLE) >= 60 and len(UNCOVERED) >= 20
    names = {d.pk: d.original_name for d in demo_corpus}

    def ask(question: str) -> tuple[list[str], list[Passage]]:
        result = retrieve(question, collections="all")
        assert result.reranked and not result.reranker_fell_back
        return [names[c.document_id] for c in result.candidates], result.context

    figures = figures_of(demo_question_set(), ask)
    answerable = [o for o in figures.outcomes if o.answerable]
    uncovered = [o for o in figures.outcomes if not o.answerable]
    first, context = figures.first / len(answerable), 1 - figures.wrongly_refused / len(answerable)
    refused = figures.refused / len(uncovered)
    print(f"\ndemo gate: {figures.line()}; first {first:.3f}, context {context:.3f}, refused {refused:.3f}")
    assert first >= FIRST_GATE, [(o.question, o.first_document) for o in answerable if not o.first_right]
    assert context >= CONTEXT_GATE, [o.question for o in answerable if o.refused]
    assert refused >= REFUSED_GATE, [o.question for o in uncovered if not o.refused]
    missed = [o.question for o in answerable if not o.kept_sentence]
    assert figures.first >= 66 and figures.kept >= 52 and figures.refused >= 14, (figures.line(), missed)


def test_the_first_gate_in_the_documents_words_holds_its_bars(demo_corpus) -> None:
    off_topic = ["What is the capital of Peru?", "How do I bake sourdough bread?"]
    report = run_gate({d.pk: d.original_name for d in demo_corpus}, DOCUMENT_WORDS, off_topic)
    assert len(DOCUMENT_WORDS) - len(report.wrong_first) >= 16, report.wrong_first
    assert len(DOCUMENT_WORDS) - len(report.no_context) >= 14, report.no_context
    assert report.not_refused == []


def test_the_chosen_context_starts_with_the_best_passage_and_its_evidence(demo_corpus) -> None:
    result = retrieve("How many days of paid annual leave do employees get?", collections="all")
    assert result.context
    best = result.context[0]
    assert "27 days" in best.text
    assert best.page_start <= 2 <= best.page_end  # the leave section is on page 2
    assert "27 days" in best.evidence and len(best.evidence) < len(best.text)
    assert set(result.timings_ms) >= {"embed", "sql", "rerank", "total"}
