"""The deterministic rule that makes a follow-up stand alone for retrieval (answers/rewrite.py)."""

import time

import pytest

from answers.rewrite import rule_rewrite, standalone_query

PREVIOUS = ["What's the hotel limit when I travel in Norway?"]


@pytest.mark.parametrize(
    "follow_up",
    [
        "And abroad?",
        "How fast?",
        "Does that go for the glassblowers too?",
        "What do I get otherwise in the Bergen showroom?",
    ],
)
def test_a_follow_up_that_refers_back_or_names_no_topic_carries_the_previous_topic(follow_up) -> None:
    rewritten = rule_rewrite(follow_up, PREVIOUS)
    assert rewritten.startswith(follow_up) and "hotel" in rewritten and "Norway" in rewritten


def test_a_question_that_names_its_own_topic_never_inherits_the_old_one() -> None:
    switch = "How many kilns does the Tromso workshop have?"
    assert rule_rewrite(switch, PREVIOUS) == switch


def test_a_chain_keeps_its_topic_and_no_word_is_carried_twice() -> None:
    laptop = "Who do I tell if my work laptop gets stolen?"
    third = rule_rewrite("And the phone extension?", [laptop, "How fast?"])
    assert "laptop" in third and "stolen" in third
    assert rule_rewrite("And the hotel in Norway?", PREVIOUS) == "And the hotel in Norway? (limit travel)"


def test_a_follow_up_naming_no_topic_passes_the_topic_on_without_its_own_words() -> None:
    board = ["Who chairs the co-op's board?", "Since when has he done that?"]
    assert rule_rewrite("How many others sit on it?", board) == "How many others sit on it? (chairs co op board)"


def test_a_longer_follow_up_adds_its_own_words_to_the_topic() -> None:
    trip = ["How much is the hotel cap abroad?", "And the per diem for food?"]
    assert rule_rewrite("How fast is it paid?", trip) == "How fast is it paid? (per diem food hotel cap abroad)"


def test_a_first_question_is_searched_as_asked() -> None:
    assert rule_rewrite("How fast?", []) == "How fast?"


EARLIER = ["Who do I tell if my work laptop gets stolen?"]


def test_with_a_model_a_follow_up_is_rewritten_by_it_at_temperature_zero(fake_llm) -> None:
    fake_llm.reply = "How fast must a stolen work laptop be reported?"
    assert standalone_query("How fast?", EARLIER) == fake_llm.reply
    [request] = fake_llm.requests
    assert request["temperature"] == 0 and not request.get("stream")
    assert "laptop gets stolen" in request["messages"][-1]["content"]
    assert standalone_query("How fast?", []) == "How fast?" and len(fake_llm.requests) == 1  # a first question


@pytest.mark.parametrize("behaviour", ["slow", "status_500"])
def test_a_slow_or_failing_model_leaves_the_question_as_asked(fake_llm, settings, behaviour) -> None:
    settings.LLM_REWRITE_TIMEOUT_SECONDS = 0.5
    fake_llm.script.append(behaviour)
    started = time.monotonic()
    assert standalone_query("How fast?", EARLIER) == "How fast?"
    assert time.monotonic() - started < 3  # its own time limit, no retries


def test_a_reply_that_is_no_question_to_search_is_not_used(fake_llm) -> None:
    fake_llm.reply = "You must report it within 1 hour.\nCall extension 4040. " + "More advice. " * 30
    assert standalone_query("How fast?", EARLIER) == "How fast?"


def test_without_a_model_the_rule_rewrites(no_llm) -> None:
    assert "laptop" in standalone_query("How fast?", EARLIER)
