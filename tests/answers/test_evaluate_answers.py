"""evaluate_answers: a question set end to end through the answer service, judged and timed."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from answers.evaluation import carried_by
from demo.questions import demo_question_set

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_citation_carrying_a_phrase_is_the_first_after_it() -> None:
    text = "Leave is 27 days per year [2], plus public holidays [1]."
    assert carried_by(text, "27  DAYS per year") == 2
    assert carried_by(text, "public holidays") == 1
    assert carried_by(text, "six months") is None
    assert carried_by("27 days, uncited.", "27 days") is None


def test_the_gate_questions_file_matches_the_gate() -> None:
    """demo/gate-questions.json is written by python -m demo.questions; a change to one without the other fails."""
    stored = json.loads((ROOT / "demo" / "gate-questions.json").read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(demo_question_set().as_json()))


@pytest.mark.django_db
def test_a_question_set_is_answered_judged_and_reported(demo_corpus, fake_llm, tmp_path) -> None:
    fake_llm.reply = "Every employee receives 27 days of paid annual leave [1] and more [7]."
    questions = tmp_path / "set.json"
    questions.write_text(json.dumps({
        "answerable": [["How many days of paid annual leave do employees get?", "employee-handbook.pdf", "27 days"]],
        "unanswerable": ["What is the capital of Peru?"],
    }))  # fmt: skip
    out = StringIO()
    call_command("evaluate_answers", str(questions), "--out", str(tmp_path), stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("answerable 1: correct 1/1; uncovered 1: declined 1/1; ttft p50 ")
    report = json.loads((tmp_path / "answers-set.json").read_text())
    assert report["summary"]["invalid_citations_dropped"] == 1  # [7] named no source
    assert (tmp_path / "answers-set.png").stat().st_size > 0
