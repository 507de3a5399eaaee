"""The training-set builder's labels on crafted feedback: marks, votes, disagreements, repeats and the split."""

import pytest

from answers.models import Answer, AnswerPassage, Feedback, PassageMark
from tuning.training_set import feedback_pairs, feedback_pools, question_key, split_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(django_user_model):
    return [django_user_model.objects.create_user(f"user{i}", password="pw-123-abc") for i in range(4)]


def answered(question: str, texts: list[str], *, cited: list[int], given: int | None = None) -> list[AnswerPassage]:
    """An answer whose sources are the texts, numbered from 1; `given` first ones were given to the model."""
    answer = Answer.objects.create(
        question=question, status="done", citations=[{"number": n, "chunk_id": n, "document_id": 1} for n in cited]
    )
    given = len(texts) if given is None else given
    return [
        AnswerPassage.objects.create(
            answer=answer, number=n, given=n <= given, title="Policy", text=text, page_start=1, page_end=1,
            final_rank=n, evidence_start=0, evidence_end=len(text),
        )
        for n, text in enumerate(texts, start=1)
    ]  # fmt: skip


def labels() -> dict[str, tuple[int, str]]:
    return {pair.text.split("\n", 1)[1]: (pair.label, pair.source) for pair in feedback_pairs()}


def vote(passages: list[AnswerPassage], user, rating: int) -> None:
    Feedback.objects.update_or_create(answer=passages[0].answer, user=user, defaults={"rating": rating})


def mark(passage: AnswerPassage, user, relevant: bool) -> None:
    PassageMark.objects.update_or_create(passage=passage, user=user, defaults={"relevant": relevant})


def test_an_answer_voted_up_makes_its_cited_sources_positive_and_says_nothing_of_the_rest(users) -> None:
    passages = answered("How long is leave?", ["27 days.", "Bikes.", "Canteen."], cited=[1])
    vote(passages, users[0], 1)
    assert labels() == {"27 days.": (1, "vote")}


def test_an_answer_voted_down_makes_sources_given_but_not_cited_hard_negatives(users) -> None:
    passages = answered("How long is leave?", ["27 days.", "Bikes.", "Canteen."], cited=[1], given=2)
    vote(passages, users[0], -1)
    assert labels() == {"Bikes.": (0, "vote")}  # cited: unknown; shown but never given: unknown


def test_marks_outrank_votes_and_the_majority_of_marks_decides(users) -> None:
    passages = answered("How long is leave?", ["27 days.", "Bikes."], cited=[1, 2])
    vote(passages, users[0], 1)
    mark(passages[1], users[0], False)
    mark(passages[1], users[1], False)
    mark(passages[1], users[2], True)
    assert labels() == {"27 days.": (1, "vote"), "Bikes.": (0, "mark")}


def test_disagreements_give_no_label(users) -> None:
    passages = answered("How long is leave?", ["27 days.", "Bikes."], cited=[1, 2])
    vote(passages, users[0], 1)
    vote(passages, users[1], -1)  # votes cancel out
    mark(passages[1], users[0], True)
    mark(passages[1], users[1], False)  # marks tie: not even the vote decides then
    assert labels() == {}


def test_a_user_voting_or_marking_twice_counts_once_with_the_latest(users) -> None:
    passages = answered("How long is leave?", ["27 days.", "Bikes."], cited=[1])
    vote(passages, users[0], -1)
    vote(passages, users[0], 1)
    vote(passages, users[1], 1)
    mark(passages[1], users[0], True)
    mark(passages[1], users[0], False)
    assert labels() == {"27 days.": (1, "vote"), "Bikes.": (0, "mark")}


def test_the_same_question_asked_again_is_merged_strong_labels_first(users) -> None:
    first = answered("How long is leave?", ["27 days."], cited=[1])
    vote(first, users[0], 1)
    again = answered("  how long is LEAVE ", ["27 days."], cited=[])
    mark(again[0], users[1], False)  # a mark beats any number of votes
    pairs = feedback_pairs()
    assert [(p.label, p.source) for p in pairs] == [(0, "mark")]
    assert len({p.question_id for p in pairs}) == 1


def test_a_question_is_never_split_between_training_and_evaluation(users) -> None:
    for i in range(40):
        passages = answered(f"Question number {i}?", [f"Yes {i}.", f"No {i}."], cited=[1], given=2)
        vote(passages, users[0], 1)
        mark(passages[1], users[0], False)
    pairs = feedback_pairs()
    sides: dict[str, set[str]] = {}
    for pair in pairs:
        sides.setdefault(pair.question_id, set()).add(pair.split)
    assert all(len(side) == 1 for side in sides.values())
    assert {"train", "eval"} == {side.pop() for side in sides.values()}
    assert split_of(question_key("Question number 3?"), eval_share=0.2, seed=13) == split_of(
        question_key("question number 3"), eval_share=0.2, seed=13
    )


def test_held_out_feedback_becomes_labelled_pools_of_the_sources_shown(users) -> None:
    for i in range(30):
        passages = answered(f"Question number {i}?", [f"Yes {i}.", f"No {i}."], cited=[1], given=2)
        vote(passages, users[0], 1)
    pools, queries = feedback_pools(side="eval")
    training, _ = feedback_pools(side="train")
    assert pools and training and len(pools) + len(training) == 30
    for pool in pools:
        assert pool.candidates[0].text.startswith("Yes")
        assert list(pool.relevant) == [pool.candidates[0].external_id]  # the cited source of a helpful answer
        assert queries[pool.question_id].startswith("Question number")
