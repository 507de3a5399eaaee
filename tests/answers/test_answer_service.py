"""The answer service against the real test LLM server on 127.0.0.1."""

import pytest

from answers.models import Answer
from answers.prompts import DECLINED
from answers.services import NOT_COVERED, answer_complete, answer_stream

pytestmark = pytest.mark.django_db
QUESTION = "How many days of paid annual leave do employees get?"


def sources_in_prompt(request: dict) -> list[str]:
    content = request["messages"][1]["content"]
    return [part.split('"')[0] for part in content.split('<source number="')[1:]]


def test_sources_reach_the_llm_numbered_in_reranked_order_within_the_budget(demo_corpus, fake_llm, settings) -> None:
    settings.CONTEXT_TOKEN_BUDGET = 400
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == Answer.Status.COMPLETE and answer.mode == Answer.Mode.LLM
    request = fake_llm.requests[-1]
    assert request["stream"] is True and request["model"] == "fake-llm"
    assert "untrusted data" in request["messages"][0]["content"]
    given = list(answer.passages.filter(given=True).order_by("number"))
    assert sources_in_prompt(request) == [str(p.number) for p in given]
    assert [p.final_rank for p in given] == sorted(p.final_rank for p in given)
    assert all((p.probability or 0) >= settings.RERANK_MIN_SCORE for p in given)
    assert sum(len(p.text) for p in given) < 400 * 8  # bounded by the token budget
    assert "27 days" in given[0].text


def test_answer_keeps_citations_tokens_and_timings(demo_corpus, fake_llm) -> None:
    fake_llm.reply = "Employees get 27 days [1] and more [9]."
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.answer == "Employees get 27 days [1] and more."
    assert answer.invalid_citations == [9]
    first = answer.passages.get(number=1)
    # the citation links to the page its evidence stands on (the leave rules are on page 2 of a chunk from page 1)
    assert first.page == 2 and first.page_start == 1
    assert answer.citations == [{"number": 1, "chunk_id": first.chunk_id, "document_id": first.document_id, "page": 2}]
    assert answer.prompt_tokens == 321 and answer.completion_tokens == 8
    assert answer.model == "fake-llm"
    assert {"retrieve", "rerank", "first_token", "total"} <= set(answer.timings_ms)


def test_tokens_stream_as_events_in_order(demo_corpus, fake_llm) -> None:
    events = list(answer_stream(question=QUESTION, user=None))
    names = [e.name for e in events]
    assert names[0] == "answer" and names[1] == "sources" and names[-1] == "done"
    tokens = "".join(e.data["text"] for e in events if e.name == "token")
    assert tokens == fake_llm.reply


def test_nothing_above_the_threshold_answers_without_the_llm(demo_corpus, fake_llm, settings) -> None:
    settings.RERANK_MIN_SCORE = 0.999999
    answer = answer_complete(question="What colour is the moon's far side?", user=None)
    assert fake_llm.requests == []
    assert answer.status == Answer.Status.NO_CONTEXT and answer.answer == NOT_COVERED
    assert answer.passages.filter(given=False).count() > 0  # the closest passages are shown


def test_without_an_llm_the_answer_is_extracted_and_cited(demo_corpus, no_llm) -> None:
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.mode == Answer.Mode.EXTRACTIVE and answer.status == Answer.Status.COMPLETE
    assert "27 days" in answer.answer and "[1]" in answer.answer
    assert answer.citations and answer.citations[0]["number"] == 1


@pytest.mark.parametrize("behaviour", ["status_429", "status_500"])
def test_transient_llm_errors_are_retried(demo_corpus, fake_llm, behaviour) -> None:
    fake_llm.script.extend([behaviour])
    answer = answer_complete(question=QUESTION, user=None)
    assert answer.status == Answer.Status.COMPLETE
    assert len(fake_llm.requests) == 2


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("status_500", "returned an error (500)"),
        ("status_429", "busy"),
        ("slow", "did not answer in time"),
        ("cut", "cut off"),
        ("malformed", "could not be read"),
    ],
)
def test_llm_failures_keep_the_question_with_its_error_and_show_the_sources(
    demo_corpus, fake_llm, settings, behaviour, reason
) -> None:
    """Before any of its text was shown, a failed model gives way to the extracted answer, with a notice; once
    text was shown (cut mid-stream) the answer is marked failed, since a second answer would repeat it."""
    settings.LLM_MAX_RETRIES = 1
    fake_llm.default = behaviour
    events = list(answer_stream(question=QUESTION, user=None))
    errors = [e.data["message"] for e in events if e.name == "error"]
    assert errors and reason in errors[0] and "sources" in errors[0]
    assert any(e.name == "sources" and e.data["passages"] for e in events)
    answer = Answer.objects.get()
    assert reason in answer.error
    if behaviour == "cut":
        assert answer.status == Answer.Status.FAILED
    else:
        assert answer.status == Answer.Status.COMPLETE and answer.mode == Answer.Mode.EXTRACTIVE
        assert "27 days" in answer.answer and answer.citations  # the extract, cited


def test_an_unreachable_llm_server_is_a_clear_message_not_an_error_page(demo_corpus, settings, no_llm) -> None:
    from answers import llm

    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    settings.LLM_RETRY_BACKOFF_SECONDS = 0.01
    llm._client.cache_clear()
    events = list(answer_stream(question=QUESTION, user=None))
    llm._client.cache_clear()
    assert any(e.name == "error" and "could not be reached" in e.data["message"] for e in events)
    assert Answer.objects.get().mode == Answer.Mode.EXTRACTIVE  # the sources still answer, extracted


def test_a_reader_leaving_mid_stream_leaves_a_failed_answer_not_a_streaming_one(demo_corpus, fake_llm) -> None:
    events = answer_stream(question=QUESTION, user=None)
    for event in events:
        if event.name == "token":
            break
    events.close()  # what Django does when the browser goes away
    answer = Answer.objects.get()
    assert answer.status == Answer.Status.FAILED and "interrupted" in answer.error


def test_the_models_fixed_sentence_becomes_the_not_covered_answer_with_the_closest_passages(
    demo_corpus, fake_llm
) -> None:
    fake_llm.reply = DECLINED
    events = list(answer_stream(question=QUESTION, user=None))
    answer = Answer.objects.get()
    assert answer.status == Answer.Status.NO_CONTEXT and answer.answer == NOT_COVERED
    assert answer.coverage["reader_declined"] is True
    assert answer.passages.exists() and not answer.passages.filter(given=True).exists()  # listed as the closest
    tokens = "".join(e.data["text"] for e in events if e.name == "token")
    assert tokens == NOT_COVERED  # the model's own sentence was held back, never streamed


def test_a_reply_that_only_starts_like_the_fixed_sentence_streams_as_written(demo_corpus, fake_llm) -> None:
    fake_llm.reply = "The documents say every employee gets 27 days [1]."
    events = list(answer_stream(question=QUESTION, user=None))
    assert "".join(e.data["text"] for e in events if e.name == "token") == fake_llm.reply
    assert Answer.objects.get().status == Answer.Status.COMPLETE


def test_an_extract_and_its_source_card_link_to_the_page_the_quoted_sentence_stands_on(demo_corpus, no_llm) -> None:
    """The probation rule is on page 4 of the handbook; its chunk, and its evidence window, start on page 3."""
    answer = answer_complete(question="how long do new people stay on probation?", user=None)
    assert "six months" in answer.answer
    source = answer.passages.get(number=1)
    assert source.page_start < 4 and source.page == 4
    assert answer.citations[0]["page"] == 4
