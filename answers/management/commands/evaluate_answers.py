import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from answers.evaluation import AnswerReport, judge
from answers.services import answer_complete
from retrieval.questionsets import question_set_load


class Command(BaseCommand):
    help = (
        "Ask a question set end to end through the answer service with whatever LLM is configured; report answers "
        "correct, uncovered questions declined, invalid citations dropped and times (a JSON report and a PNG)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("questions", type=Path, help="a question-set JSON file (retrieval/questionsets.py)")
        parser.add_argument("--user", help="ask as this user (default: anonymous, public collections only)")
        parser.add_argument("--out", type=Path, default=Path("var/evaluation"))

    def handle(self, *args: Any, **options: Any) -> None:
        questions = question_set_load(options["questions"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}")
        report = AnswerReport()
        for item in questions.answerable:
            answer = answer_complete(question=item.question, user=user)
            report.judged.append(judge(answer, answerable=True, document=item.document, phrase=item.phrase))
            self.stdout.write(f"{'ok ' if report.judged[-1].correct else 'NO '} {item.question}")
        for question in questions.unanswerable:
            answer = answer_complete(question=question, user=user)
            report.judged.append(judge(answer, answerable=False))
            self.stdout.write(f"{'ok ' if report.judged[-1].declined else 'NO '} {question}")
        options["out"].mkdir(parents=True, exist_ok=True)
        stem = options["out"] / f"answers-{options['questions'].stem}"
        Path(f"{stem}.json").write_text(json.dumps(report.as_dict(), indent=2))
        plot(report, Path(f"{stem}.png"))
        self.stdout.write(json.dumps(report.summary()))
        self.stdout.write(f"report: {stem}.json  plot: {stem}.png")
        self.stdout.write(report.last_line())


def plot(report: AnswerReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    s = report.summary()
    left.bar(["answerable correct", "uncovered declined"], [
        s["correct"] / max(s["answerable"], 1), s["declined"] / max(s["uncovered"], 1)])  # fmt: skip
    left.set_ylim(0, 1)
    left.set_title("share of questions")
    right.hist([j.ttft_s for j in report.judged if j.ttft_s is not None], bins=20)
    right.set_title("time to first token (s)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
