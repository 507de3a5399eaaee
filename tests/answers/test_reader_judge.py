"""Coverage judged by the reader (LLM_JUDGE_MIN_YES): the model is asked first whether the sources answer, its
"yes" probability read from the server's token probabilities, against the real test LLM server on 127.0.0.1."""

import pytest

from answers.models import Answer
from answers.prompts import ANSWER_FORM, JUDGE_FORM
from answers.services import NOT_COVERED, answer_complete

pytestmark = pytest.mark.django_db
QUESTION = "How many days of paid annual leave do employees get?"


@pytest.fixture
def judging(fake_llm, settings):
    settings.LLM_JUDGE_MIN_YES = 0.38
    settings.LLM_JUDGE_MIN_SCORE = 0.001
    return fake_llm


def test_a_yes_lets_the_model_answer_from_the_same_prompt_up_to_the_form(demo_corpus, judging) -> None:
    judging.script.extend(["judge", "ok"])
    judging.yes = 0.9
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == Answer.Status.COMPLETE and answer.mode == Answer.Mode.LLM
    judge, written = judging.requests
    assert judge["max_tokens"] == 1 and judge["logprobs"] is True and not judge.get("stream")
    asked, told = judge["messages"][-1]["content"], written["messages"][-1]["content"]
    assert asked.endswith(JUDGE_FORM) and told.endswith(ANSWER_FORM)
    # everything before the form is the same text, so the server's prompt cache reuses it for the answer
    assert asked.removesuffix(JUDGE_FORM) == told.removesuffix(ANSWER_FORM)
    assert judge["messages"][0] == written["messages"][0]
    assert answer.coverage["reader_yes"] == pytest.approx(0.9) and "judge" in answer.timings_ms


def test_a_no_is_the_not_covered_answer_with_the_sources_as_the_closest(demo_corpus, judging) -> None:
    judging.script.extend(["judge"])
    judging.yes = 0.2
    answer = answer_complete(question=QUESTION, user=None)
    assert len(judging.requests) == 1  # nothing written
    assert answer.status == Answer.Status.NO_CONTEXT and answer.answer == NOT_COVERED
    assert answer.coverage["reader_declined"] is True and answer.coverage["reader_yes"] == pytest.approx(0.2)
    assert answer.passages.exists() and not answer.passages.filter(given=True).exists()


def test_the_looser_passage_threshold_gives_the_reader_what_the_threshold_alone_refuses(
    demo_corpus, judging, settings
) -> None:
    settings.RERANK_MIN_SCORE = 0.999999  # the calibrated threshold alone would refuse every question
    judging.script.extend(["judge", "ok"])
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == Answer.Status.COMPLETE and answer.passages.filter(given=True).exists()


@pytest.mark.parametrize(("threshold", "status"), [(0.0, "complete"), (0.999999, "no_context")])
def test_when_the_server_gives_no_token_probabilities_the_passage_threshold_decides(
    demo_corpus, judging, settings, threshold, status
) -> None:
    settings.RERANK_MIN_SCORE = threshold
    judging.script.extend(["ok", "ok"])  # a reply without logprobs, as some servers send
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == status
    assert "reader_error" in answer.coverage and answer.coverage["threshold_covered"] is (status == "complete")
