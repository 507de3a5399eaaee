from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from retrieval.calibration import LabelledPool
from tuning.gate import gate_questions
from tuning.measure import METRICS
from tuning.training_set import feedback_pools
from tuning.versions import Judging, version_judge, version_register


class Command(BaseCommand):
    help = (
        "Judge a trained reranker version against the active one on held-out questions of users' feedback; it "
        "becomes active only if it wins nDCG@10 by the margin and passes the gate, else it is recorded as rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the version's folder (finetune_reranker wrote it)")
        parser.add_argument("--eval-share", type=float, default=0.2, help="as given to build_training_set")
        parser.add_argument("--seed", type=int, default=13, help="as given to build_training_set")
        parser.add_argument("--margin", type=float, default=0.01, help="nDCG@10 gain needed to be promoted")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        if not (folder / "manifest.json").exists() or not (folder / "onnx" / "model.onnx").exists():
            raise CommandError(f"{folder} is not a trained version (no manifest.json or onnx/model.onnx).")
        heldout, queries = self._feedback(options)
        if not heldout:
            raise CommandError("Too little labelled data to judge on: no held-out question with a relevant source.")
        self.stdout.write(f"{len(heldout)} held-out questions")
        version = version_register(folder=folder)
        with tqdm(desc="judging", unit="question", total=2 * len(heldout) + len(gate_questions())) as bar:
            judging = Judging(heldout, queries, options["margin"], on_pool=lambda: bar.update(1))
            try:
                version = version_judge(version=version, judging=judging)
            except ValueError as exc:  # it trained on held-out questions
                raise CommandError(str(exc)) from exc
        self.stdout.write(report(version.metrics) + f"\n{version.verdict}")

    def _feedback(self, options: dict[str, Any]) -> tuple[list[LabelledPool], dict[str, str]]:
        return feedback_pools(side="eval", eval_share=options["eval_share"], seed=options["seed"])


def report(metrics: dict[str, Any]) -> str:
    lines = [f"{'held-out (' + str(metrics['questions']) + ' questions)':<34}" + "".join(f"{m:>10}" for m in METRICS)]
    rows = (
        ("hybrid", "hybrid"), ("active", f"+ {metrics['against']}"),
        ("candidate_default_weights", "+ this version, settings' weights"), ("candidate", "+ this version, its own*"),
    )  # fmt: skip
    for row, label in rows:
        lines.append(f"{label:<34}" + "".join(f"{metrics[row][m]:>10.4f}" for m in METRICS))
    weights = metrics["weights"]
    lines.append(
        f"* served with chunk weight {weights['chunk_weight']:g} and blend weight {weights['blend_weight']:g} (best "
        "on these questions); each question scored with the weights best on the other four fifths of them"
    )
    low, high = metrics["ndcg_gain_interval"]
    better, worse = metrics["questions_better_worse"]
    threshold = metrics["threshold"]
    lines.append(
        f"nDCG@10 gain {metrics['ndcg_gain']:+.4f} (95% interval {low:+.4f} to {high:+.4f}; {better} questions "
        f"better, {worse} worse)"
    )
    lines.append(
        f"its threshold {threshold['value']} (Platt a={threshold['a']:.4f} b={threshold['b']:.4f}): precision "
        f"{threshold['precision']}, recall {threshold['recall']}, questions keeping context "
        f"{threshold['questions_with_context']}"
    )
    gate = metrics["gate"]
    lines.append(
        f"demo gate: first {gate['first']:.4f}, context {gate['context']:.4f}, refused {gate['refused']:.4f} "
        f"({'passes' if gate['passes'] else 'fails'})"
    )
    return "\n".join(lines)
