"""Regression gate: questions about the demo documents and the document that answers each.

Hybrid retrieval + rerank must rank the answering document first for at least GATE of them; the bar was set
from what the shipped configuration achieves, so a change that loses ground fails the suite.
"""

import pytest

from retrieval.selectors import retrieve

pytestmark = pytest.mark.django_db

QUESTIONS = [
    ("How many days of paid annual leave do employees get?", "employee-handbook.pdf"),
    ("How long is parental leave paid at full salary?", "employee-handbook.pdf"),
    ("How many days a week can staff work from home?", "employee-handbook.pdf"),
    ("Within how many days must expense claims be submitted?", "employee-handbook.pdf"),
    ("When do I need a doctor's note for sick leave?", "employee-handbook.pdf"),
    ("What is the minimum password length?", "security-policy.docx"),
    ("How quickly must a lost laptop be reported?", "security-policy.docx"),
    ("Where should I forward a suspected phishing email?", "security-policy.docx"),
    ("How often is the customer database backed up?", "security-policy.docx"),
    ("How much energy does the Lumen Grid battery store?", "lumen-grid-faq.html"),
    ("What warranty does the home battery come with?", "lumen-grid-faq.html"),
    ("When can I call product support?", "lumen-grid-faq.html"),
    ("Can I book business class for a four-hour flight?", "travel-policy.md"),
    ("What is the maximum hotel price per night abroad?", "travel-policy.md"),
    ("How much is the daily meal allowance when travelling?", "travel-policy.md"),
    ("Who founded the cooperative, and in which year?", "cooperative-history.txt"),
    ("When is the annual general meeting held?", "cooperative-history.txt"),
]
# The shipped configuration ranks all 17 first; one of margin for int8 kernels that differ between CPUs.
GATE = 16
# With the shipped calibration 15 of 17 keep context (the sick-leave and product-support questions fall under the
# threshold: the reranker does not match "doctor's note" to "medical certificate", nor "call support" to the
# "support line" paragraph). Questions the documents do not cover must get none.
COVERED_GATE = 14
OFF_TOPIC = ["What is the capital of Peru?", "How do I bake sourdough bread?"]


def test_hybrid_rerank_ranks_the_answering_document_first(demo_corpus) -> None:
    names = {d.pk: d.original_name for d in demo_corpus}
    misses = []
    for question, expected in QUESTIONS:
        result = retrieve(question)
        assert result.reranked and not result.reranker_fell_back
        top = names[result.candidates[0].document_id]
        if top != expected:
            misses.append((question, expected, top))
    assert len(QUESTIONS) - len(misses) >= GATE, misses


def test_the_chosen_context_starts_with_the_best_passage(demo_corpus) -> None:
    result = retrieve("How many days of paid annual leave do employees get?")
    assert result.context
    assert "27 days" in result.context[0].text
    assert result.context[0].page_start <= 2 <= result.context[0].page_end  # the leave section is on page 2
    assert set(result.timings_ms) >= {"embed", "sql", "rerank", "total"}


def test_the_threshold_keeps_covered_questions_and_refuses_off_topic_ones(demo_corpus) -> None:
    covered = sum(bool(retrieve(question).context) for question, _ in QUESTIONS)
    assert covered >= COVERED_GATE
    for question in OFF_TOPIC:
        assert retrieve(question).nothing_relevant, question
