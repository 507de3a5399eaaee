import json
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from answers.models import AnswerPassage, Feedback
from answers.selectors import passages_visible
from answers.serialize import passage_record


def feedback_records(*, reader: User | None = None) -> list[dict[str, Any]]:
    """Per rated answer: the question, the passages shown with ranks and scores, which were cited, the rating.

    With a reader, only the passages that person may read now (answers.selectors.passages_visible).
    """
    records = []
    for vote in Feedback.objects.select_related("answer").order_by("pk"):
        answer = vote.answer
        cited = {c["number"] for c in answer.citations}
        shown = (
            passages_visible(answer=answer, user=reader)
            if reader is not None
            else AnswerPassage.objects.filter(answer=answer).order_by("number")
        )
        passages = [passage_record(p, cited=p.number in cited) for p in shown]
        records.append(
            {
                "answer_id": answer.pk,
                "question": answer.question,
                "answer": answer.answer,
                "rating": vote.rating,
                "comment": vote.comment,
                "user_id": vote.user_id,
                "passages": passages,
            }
        )
    return records


def training_pairs(records: list[dict[str, Any]], hard_negative_rank: int = 3) -> list[dict[str, Any]]:
    """(question, passage, label) rows for CrossEncoder training.

    Positives: passages cited in an answer rated helpful. Negatives: passages cited in an answer rated not
    helpful, and hard negatives, passages retrieved for a helpful answer but ranked low (final rank above
    hard_negative_rank) and not cited.
    """
    rows = []
    for record in records:
        for passage in record["passages"]:
            if passage["cited"]:
                label = 1 if record["rating"] > 0 else 0
            elif record["rating"] > 0 and passage["final_rank"] > hard_negative_rank:
                label = 0
            else:
                continue
            rows.append(
                {
                    "query": record["question"],
                    "passage": passage["text"],
                    "evidence": passage["evidence"],  # the best window; empty when windows were not scored
                    "label": label,
                }
            )
    return rows


class Command(BaseCommand):
    help = "Export rated answers as JSON lines: whole records, or --format pairs for CrossEncoder fine-tuning."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--format", choices=["records", "pairs"], default="records")
        parser.add_argument(
            "--as-user",
            help="export only the passages this username may read (for data leaving the operators' hands); "
            "without it, every passage",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reader = None
        if options["as_user"]:
            reader = User.objects.filter(username=options["as_user"]).first()
            if reader is None:
                raise CommandError(f"No user named {options['as_user']!r}.")
        records = feedback_records(reader=reader)
        rows = training_pairs(records) if options["format"] == "pairs" else records
        with options["out"].open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.stdout.write(f"{len(rows)} rows written to {options['out']}")
