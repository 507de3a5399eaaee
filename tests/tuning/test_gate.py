"""The demo gate for any reranker, from stored pools: the pools are the demo documents' own first stage, and
measured with the shipped reranker they give what the gate test measures through retrieval."""

import pytest
from django.conf import settings

from retrieval.calibration import load_pools
from retrieval.rerankers import get_reranker
from retrieval.scoring import Calibration
from retrieval.selectors import serving_of
from tests.retrieval.test_demo_gate import run_gate
from tuning.gate import BARS, POOLS, gate_measure, gate_pools_build, gate_questions

pytestmark = pytest.mark.django_db


def test_the_stored_gate_pools_are_the_demo_documents_first_stage(demo_corpus, tmp_path) -> None:
    """Fails when the demo documents, the questions or the first stage change: rebuild with build_gate_pools."""
    gate_pools_build({d.pk: d.original_name for d in demo_corpus}, tmp_path / "pools.jsonl")

    def summary(path):
        return [(p.relevant, {(c.external_id, c.text) for c in p.candidates}) for p in load_pools(path)]

    assert summary(tmp_path / "pools.jsonl") == summary(POOLS)
    assert gate_questions(tmp_path / "pools.jsonl") == gate_questions(POOLS)


def test_measured_from_pools_the_gate_agrees_with_retrieval(demo_corpus, tmp_path) -> None:
    sample = tmp_path / "sample.jsonl"
    lines = POOLS.read_text().splitlines()
    sample.write_text("\n".join(lines[:6] + lines[-3:]) + "\n")  # six answerable, three uncovered
    calibration = Calibration(settings.RERANK_PLATT_A, settings.RERANK_PLATT_B, settings.RERANK_MIN_SCORE)
    reranker = get_reranker()
    assert reranker is not None
    measured = gate_measure(reranker, calibration, serving_of(None), sample)
    questions = list(gate_questions(sample).values())
    names = {d.pk: d.original_name for d in demo_corpus}
    expected = {p.question_id: next(iter(p.relevant), "") for p in load_pools(sample)}
    answerable = [(q, expected[f"g{i}"]) for i, q in enumerate(questions[:6])]
    report = run_gate(names, answerable, questions[6:])
    assert measured["first"] == round(1 - len(report.wrong_first) / 6, 4)
    assert measured["context"] == round(1 - len(report.no_context) / 6, 4)
    assert measured["refused"] == round(1 - len(report.not_refused) / 3, 4)
    assert set(BARS) == {"first", "context", "refused"}
