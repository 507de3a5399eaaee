"""The demo gate for any reranker, from stored pools: the pools are the demo documents' own first stage, and
measured with the shipped reranker they give what the gate test measures through retrieval."""

import json

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
        return [
            (p.relevant, {(c.external_id, c.title, c.text, c.dense_rank, c.text_rank) for c in p.candidates})
            for p in load_pools(path)
        ]

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


def test_the_gates_questions_come_from_the_setting_and_the_pools_need_exactly_their_documents(
    demo_corpus, tmp_path, settings
) -> None:
    from django.core.management import CommandError, call_command

    questions = tmp_path / "gate.json"
    questions.write_text(json.dumps({
        "answerable": [["How long must a password be?", "security-policy.docx", "14 characters"]],
        "unanswerable": ["What is the capital of Peru?"],
    }))  # fmt: skip
    settings.TUNING_GATE_QUESTIONS = questions
    assert gate_pools_build({d.pk: d.original_name for d in demo_corpus}, tmp_path / "pools.jsonl") == 2
    assert list(gate_questions(tmp_path / "pools.jsonl").values()) == [
        "How long must a password be?",
        "What is the capital of Peru?",
    ]
    with pytest.raises(CommandError, match=r"security-policy\.docx"):  # five documents here, the gate names one
        call_command("build_gate_pools", "--out", str(tmp_path / "other.jsonl"))


def test_no_tuning_module_imports_the_demo() -> None:
    from pathlib import Path

    tuning = Path(__file__).resolve().parents[2] / "tuning"
    assert [
        p.name for p in tuning.rglob("*.py") if "from demo" in p.read_text() or "import demo" in p.read_text()
    ] == []
