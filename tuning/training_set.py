"""Training pairs for the reranker: (question, passage text, label), from users' marks and votes or from BEIR.

From the stored answers (one answer's sources are judged together):
- a source marked by users is labelled by the majority of their marks (strong); a tie is a disagreement, dropped;
- otherwise, by the answer's votes (weak): the net vote of its users (one each, the latest) up makes its cited
  sources positives, down makes the sources it was given but did not cite hard negatives; a net of 0 says nothing.
The same question asked again is the same question: its labels are merged (strong before weak, then majority,
a tie dropped), and a question goes wholly to training or to evaluation, never to both.

From a BEIR collection: the relevant documents' chunks in each question's stored pool are positives, the other
candidates of the pool's top are hard negatives.
"""

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db.models import Prefetch

from answers.models import Answer, AnswerPassage
from retrieval.calibration import LabelledPool
from retrieval.context import Scored
from retrieval.scoring import rerank_text

STRONG, WEAK = "mark", "vote"


@dataclass(frozen=True)
class Pair:
    question_id: str
    question: str
    text: str  # as the reranker reads it: the title, then the evidence window (or the whole passage)
    label: int  # 1 relevant, 0 not
    source: str  # "mark" (strong), "vote" (weak) or "beir"
    split: str = "train"  # "train" or "eval", decided per question
    document: str = ""  # the passage's document, so that training can take a document's chunks together


def question_key(question: str) -> str:
    """The same question asked again (case, spacing, end punctuation aside) is one question."""
    normal = re.sub(r"\s+", " ", question.strip().lower()).rstrip("?!. ")
    return hashlib.sha256(normal.encode()).hexdigest()[:16]


def split_of(question_id: str, *, eval_share: float, seed: int) -> str:
    """A stable split by question: the same question, share and seed always land on the same side."""
    digest = hashlib.sha256(f"{seed}:{question_id}".encode()).digest()
    return "eval" if int.from_bytes(digest[:8], "big") / 2**64 < eval_share else "train"


def passage_text(passage: AnswerPassage, *, evidence: bool) -> str:
    text = passage.text
    if evidence and passage.evidence_start is not None and passage.evidence_end is not None:
        text = text[passage.evidence_start : passage.evidence_end]
    return rerank_text(passage.title, text)


def passage_label(passage: AnswerPassage, *, net_vote: int, cited: set[int]) -> tuple[int, str] | None:
    """(label, strength) of one shown source, or None when the data says nothing (or disagrees)."""
    marks = Counter(mark.relevant for mark in passage.marks.all())
    if marks[True] != marks[False]:
        return (1 if marks[True] > marks[False] else 0), STRONG
    if marks:  # users disagree: no label, and no falling back on the weaker vote either
        return None
    if net_vote > 0 and passage.number in cited:
        return 1, WEAK
    if net_vote < 0 and passage.given and passage.number not in cited:
        return 0, WEAK
    return None


def judged_answers() -> Iterator[tuple[Answer, list[tuple[AnswerPassage, tuple[int, str] | None]]]]:
    """Each stored answer with each of its sources and the label the feedback gives it (None: no label)."""
    passages = Prefetch("passages", queryset=AnswerPassage.objects.prefetch_related("marks"))
    for answer in Answer.objects.prefetch_related(passages, "feedback").iterator(chunk_size=200):
        net_vote = sum(vote.rating for vote in answer.feedback.all())
        cited = {int(c["number"]) for c in answer.citations}
        yield answer, [(p, passage_label(p, net_vote=net_vote, cited=cited)) for p in answer.passages.all()]


def feedback_pairs(*, evidence: bool = True, eval_share: float = 0.2, seed: int = 13) -> list[Pair]:
    """Pairs from the stored answers, their sources, marks and votes."""
    labels: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    questions: dict[str, str] = {}
    documents: dict[tuple[str, str], str] = {}
    for answer, judged in judged_answers():
        key = question_key(answer.question)
        questions.setdefault(key, answer.question)
        for passage, label in judged:
            if label is not None:
                text = passage_text(passage, evidence=evidence)
                labels[(key, text)].append(label)
                documents[(key, text)] = str(passage.document_id or "")
    pairs = []
    for (key, text), found in labels.items():
        merged = merged_label(found)
        if merged is not None:
            split = split_of(key, eval_share=eval_share, seed=seed)
            pairs.append(Pair(key, questions[key], text, merged[0], merged[1], split, documents[(key, text)]))
    return pairs


def feedback_pools(
    *, side: str = "eval", eval_share: float = 0.2, seed: int = 13
) -> tuple[list[LabelledPool], dict[str, str]]:
    """One side of the stored feedback as labelled pools, for judging a version as on BEIR: each answer of that
    side with a source labelled relevant is a question; its sources (as shown) are the pool."""
    pools, queries = [], {}
    for answer, judged in judged_answers():
        if split_of(question_key(answer.question), eval_share=eval_share, seed=seed) != side:
            continue
        relevant = {str(p.pk): 1 for p, label in judged if label is not None and label[0] == 1}
        if relevant:
            pools.append(LabelledPool(f"answer-{answer.pk}", [_as_candidate(p) for p, _ in judged], relevant))
            queries[f"answer-{answer.pk}"] = answer.question
    return pools, queries


def _as_candidate(passage: AnswerPassage) -> Scored:
    return Scored(
        chunk_id=passage.chunk_id or 0, document_id=passage.document_id or 0, ordinal=0, text=passage.text,
        page_start=passage.page_start, page_end=passage.page_end, token_count=0, title=passage.title,
        external_id=str(passage.pk), dense_rank=passage.dense_rank, text_rank=passage.text_rank,
        rrf=passage.rrf or 0.0,
    )  # fmt: skip


def merged_label(found: list[tuple[int, str]]) -> tuple[int, str] | None:
    """One label from several answers' labels of the same pair: the strong ones if any, then the majority."""
    strong = [label for label, strength in found if strength == STRONG]
    chosen, strength = (strong, STRONG) if strong else ([label for label, _ in found], WEAK)
    votes = Counter(chosen)
    if votes[1] == votes[0]:
        return None
    return (1 if votes[1] > votes[0] else 0), strength


def write_pairs(pairs: Iterable[Pair], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for pair in pairs:
            out.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")


def read_pairs(path: Path) -> Iterator[Pair]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield Pair(**json.loads(line))
