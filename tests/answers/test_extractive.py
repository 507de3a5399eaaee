import numpy as np

from answers.extractive import extractive_answer
from retrieval.context import Passage

HANDBOOK = (
    "Halvorsen Lantern Cooperative Employee Handbook\n"
    "Annual leave. Every employee receives 27 days of paid annual leave per calendar year, plus\n"
    "public holidays. Up to 5 unused days may be carried over into the first quarter of the\n"
    "following year; days not taken by 31 March are lost.\n"
    "Parental leave. The cooperative tops up statutory parental leave to full salary for 20\n"
    "weeks, for every parent."
)
BACKUPS = (
    "Incident response\n\nSuspected phishing emails are forwarded as attachments.\n\n"
    "System | Backup frequency | Retention\nCustomer database | Every hour | 90 days\n"
    "Design archive | Every night | 7 years"
)


def passage(text: str, evidence: str | None = None, rank: int = 1) -> Passage:
    start = text.index(evidence) if evidence else None
    return Passage(
        document_id=rank, title="t", text=text, page_start=1, page_end=1, token_count=100, final_rank=rank,
        evidence_start=start, evidence_end=None if start is None or evidence is None else start + len(evidence),
    )  # fmt: skip


def test_whole_sentences_of_the_evidence_are_quoted_never_a_heading_or_a_wrapped_half() -> None:
    evidence = HANDBOOK[HANDBOOK.index("Annual leave.") : HANDBOOK.index("Parental")].strip()
    answer = extractive_answer(
        "How many days of annual leave do new employees get?", [passage(HANDBOOK, evidence)]
    ).text
    assert answer.startswith(
        "Every employee receives 27 days of paid annual leave per calendar year, plus public holidays. [1]"
    )
    assert "Handbook" not in answer and "Annual leave. [1]" not in answer
    assert all(part.strip().endswith(".") for part in answer.split("[1]") if part.strip())


def test_the_best_source_speaks_first_and_others_only_on_topic() -> None:
    passages = [passage(HANDBOOK, "Parental leave. The cooperative tops up"), passage(BACKUPS, None, rank=2)]
    passages[0].evidence_end = len(HANDBOOK)
    answer = extractive_answer("How long is paid parental leave?", passages).text
    assert answer.index("[1]") < (answer.find("[2]") if "[2]" in answer else len(answer))
    assert "20 weeks" in answer and "phishing" not in answer


def test_a_table_row_is_quoted_with_its_column_names() -> None:
    answer = extractive_answer("How often is the customer database backed up?", [passage(BACKUPS)]).text
    assert "Customer database: backup frequency Every hour; retention 90 days. [1]" in answer
    assert "Design archive" not in answer


PROBATION = (
    "Training. Every employee has a training budget of 8,000 NOK per year.\n\n"
    "Probation and notice. New staff serve a probation period of six months, during which either side may end "
    "the employment with 14 days of notice. After probation the notice period is three months for both sides."
)


class PhraseReranker:
    """A narrow in-process fake cross-encoder: each sentence's logit is given by the phrase it holds."""

    name = "phrases"

    def __init__(self, logits: dict[str, float]) -> None:
        self.logits = logits

    def score(self, question: str, passages: list[str], deadline: float | None = None) -> np.ndarray:
        return np.array([next((v for k, v in self.logits.items() if k in p), -10.0) for p in passages])


def test_the_sentence_that_answers_is_quoted_not_the_one_sharing_the_question_words() -> None:
    """How long is probation? Word overlap picked "After probation the notice period is three months"."""
    reranker = PhraseReranker({"six months": 6.0, "three months": -1.0})
    extract = extractive_answer("how long do new people stay on probation?", [passage(PROBATION)], reranker)
    assert extract.text == (
        "New staff serve a probation period of six months, during which either side may end the employment with "
        "14 days of notice. [1]"
    )


def test_no_unrelated_sentence_trails_the_answer_and_another_source_speaks_only_when_close() -> None:
    passages = [passage(HANDBOOK, rank=1), passage(BACKUPS, rank=2)]
    far = PhraseReranker({"27 days": 5.0, "Up to 5 unused": 1.0, "phishing": 2.0})
    assert extractive_answer("How much annual leave?", passages, far).text.count("[") == 1
    close = PhraseReranker({"27 days": 5.0, "Up to 5 unused": 4.0, "Customer database": 4.5})
    text = extractive_answer("How much annual leave, and backups?", passages, close).text
    assert text.index("27 days") < text.index("Up to 5") < text.index("[2]")


def test_each_source_cites_the_page_its_quoted_sentence_stands_on() -> None:
    text = "Training. Every employee has a budget for courses.\n\n" + PROBATION.split("\n\n")[1]
    source = passage(text)
    source.page_start, source.page_end, source.page_breaks = 2, 4, [text.index("Probation"), len(text) - 5]
    extract = extractive_answer("probation length?", [source], PhraseReranker({"six months": 6.0}))
    assert extract.pages == {1: 3}


def test_a_failing_reranker_still_gives_an_answer_chosen_by_shared_words() -> None:
    class Broken:
        name = "broken"

        def score(self, question: str, passages: list[str], deadline: float | None = None) -> np.ndarray:
            raise RuntimeError("model file missing")

    extract = extractive_answer("How often is the customer database backed up?", [passage(BACKUPS)], Broken())
    assert "Customer database" in extract.text


def test_a_small_models_source_is_its_evidence_with_one_sentence_either_side() -> None:
    from answers.prompts import build_messages, source_text

    text = "One. Two is here. Three holds the 27 days. Four follows. Five is far."
    source = passage(text, "Three holds the 27 days.")
    assert source_text(source, "evidence") == "Two is here. Three holds the 27 days. Four follows."
    assert source_text(source, "passage") == text
    assert source_text(passage(text), "evidence") == text  # no evidence known: all of it
    user = build_messages("How many days?", [source], "evidence")[1]["content"]
    assert "Five is far" not in user and "27 days" in user


def test_a_failing_reranker_quotes_only_the_sentences_sharing_most_words_not_a_logit_margin_of_them() -> None:
    class Broken:
        name = "broken"

        def score(self, question: str, passages: list[str], deadline: float | None = None) -> np.ndarray:
            raise RuntimeError("model file missing")

    # "Customer database" row shares 3 words (often, customer, database), the others at most 1 or 2
    extract = extractive_answer("How often is the customer database backed up?", [passage(BACKUPS)], Broken())
    assert "Design archive" not in extract.text and extract.text.count("[1]") == 1


def test_the_same_sentence_in_two_sources_is_quoted_once_from_the_first() -> None:
    contract = "Fjord Glass AS is paid 18 NOK per kilogram, invoiced monthly, with 30 days to pay."
    answer = extractive_answer(
        "How much do we pay Fjord Glass per kilo?", [passage(contract, None), passage(contract, None, rank=2)]
    ).text
    assert answer == f"{contract} [1]"
