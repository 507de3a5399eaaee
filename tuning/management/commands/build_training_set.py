from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuning.training_set import Pair, feedback_pairs, write_pairs


class Command(BaseCommand):
    help = (
        "Build reranker training pairs (question, passage, label) from users' marks and votes. Each question goes "
        "wholly to train or eval."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--text", choices=["evidence", "chunk"], default="evidence",
                            help="train on the best window, as served, or on the whole chunk")  # fmt: skip
        parser.add_argument("--eval-share", type=float, default=0.2, help="share of questions kept for evaluation")
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument("--out", type=Path, default=settings.VAR_DIR / "training" / "pairs.jsonl")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 <= options["eval_share"] < 1:
            raise CommandError("--eval-share must be from 0 up to (not including) 1.")
        shared = {
            "evidence": options["text"] == "evidence",
            "eval_share": options["eval_share"],
            "seed": options["seed"],
        }
        pairs = feedback_pairs(**shared)
        if not pairs:
            raise CommandError("No labelled pairs: there are no marks or votes to learn from yet.")
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        write_pairs(pairs, out)
        self.stdout.write(summary(pairs) + f"\nwritten {out}")


def summary(pairs: list[Pair]) -> str:
    lines = [f"{'split':<8}{'questions':>10}{'positives':>10}{'negatives':>10}"]
    for side in ("train", "eval"):
        chosen = [p for p in pairs if p.split == side]
        positives = sum(p.label for p in chosen)
        questions = len({p.question_id for p in chosen})
        lines.append(f"{side:<8}{questions:>10}{positives:>10}{len(chosen) - positives:>10}")
    return "\n".join(lines)
