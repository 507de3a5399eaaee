"""The deterministic rule that makes a follow-up stand alone for retrieval (answers/rewrite.py)."""

import pytest

from answers.rewrite import rule_rewrite

PREVIOUS = "What's the hotel limit when I travel in Norway?"


@pytest.mark.parametrize("follow_up", ["And abroad?", "How fast?", "Does that go for the glassblowers too?"])
def test_a_follow_up_that_refers_back_or_names_no_topic_carries_the_previous_topic(follow_up) -> None:
    rewritten = rule_rewrite(follow_up, PREVIOUS)
    assert rewritten.startswith(follow_up) and "hotel" in rewritten and "Norway" in rewritten


def test_a_question_that_names_its_own_topic_never_inherits_the_old_one() -> None:
    switch = "How many kilns does the Tromso workshop have?"
    assert rule_rewrite(switch, PREVIOUS) == switch


def test_a_chain_keeps_its_topic_and_no_word_is_carried_twice() -> None:
    second = rule_rewrite("How fast?", "Who do I tell if my work laptop gets stolen?")
    third = rule_rewrite("And the phone extension?", second)
    assert "laptop" in third and "stolen" in third
    assert rule_rewrite("And the hotel in Norway?", PREVIOUS) == "And the hotel in Norway? (limit travel)"


def test_a_first_question_is_searched_as_asked() -> None:
    assert rule_rewrite("How fast?", None) == "How fast?"
