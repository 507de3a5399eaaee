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
    answer = extractive_answer("How many days of annual leave do new employees get?", [passage(HANDBOOK, evidence)])
    assert answer.startswith(
        "Every employee receives 27 days of paid annual leave per calendar year, plus public holidays. [1]"
    )
    assert "Handbook" not in answer and "Annual leave. [1]" not in answer
    assert all(part.strip().endswith(".") for part in answer.split("[1]") if part.strip())


def test_the_best_source_speaks_first_and_others_only_on_topic() -> None:
    passages = [passage(HANDBOOK, "Parental leave. The cooperative tops up"), passage(BACKUPS, None, rank=2)]
    passages[0].evidence_end = len(HANDBOOK)
    answer = extractive_answer("How long is paid parental leave?", passages)
    assert answer.index("[1]") < (answer.find("[2]") if "[2]" in answer else len(answer))
    assert "20 weeks" in answer and "phishing" not in answer


def test_a_table_row_is_quoted_with_its_column_names() -> None:
    answer = extractive_answer("How often is the customer database backed up?", [passage(BACKUPS)])
    assert "Customer database: backup frequency Every hour; retention 90 days. [1]" in answer
    assert "Design archive" not in answer
