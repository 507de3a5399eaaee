import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from tuning.bases import BASES, base_model_dir
from tuning.export import export_int8_onnx
from tuning.training import TrainSettings, train
from tuning.training_set import read_pairs


class Command(BaseCommand):
    help = "Fine-tune a copy of a reranker on training pairs (build_training_set) and export it as int8 ONNX."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = TrainSettings()
        parser.add_argument("--pairs", type=Path, default=settings.VAR_DIR / "training" / "pairs.jsonl")
        parser.add_argument("--base", default="shipped", help=f"one of {', '.join(BASES)}, or a model folder")
        parser.add_argument("--name", default="", help="the version's folder name under var/models")
        parser.add_argument("--epochs", type=float, default=defaults.epochs)
        parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
        parser.add_argument("--batch-groups", type=int, default=defaults.batch_groups)
        parser.add_argument("--max-tokens", type=int, default=defaults.max_tokens)
        parser.add_argument("--negatives", type=int, default=defaults.negatives)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--freeze-layers", type=int, default=defaults.freeze_layers)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["pairs"].exists():
            raise CommandError(f"No pairs at {options['pairs']}: run build_training_set first.")
        try:
            base = base_model_dir(options["base"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fields = ("epochs", "learning_rate", "batch_groups", "max_tokens", "negatives", "seed", "freeze_layers")
        train_options = TrainSettings(**{field: options[field] for field in fields})
        pairs = list(read_pairs(options["pairs"]))
        started = timezone.now()
        name = options["name"] or f"reranker-{started:%Y%m%d-%H%M%S}-{Path(options['base']).name}"
        folder = settings.VAR_DIR / "models" / name
        with tqdm(unit="step", desc="training") as bar:

            def on_step(step: int, steps: int, loss: float) -> None:
                bar.total = steps
                bar.set_postfix(loss=f"{loss:.3f}")
                bar.update(1)

            report = train(base, folder / "torch", pairs, train_options, on_step)
        export_int8_onnx(folder / "torch", folder / "onnx")
        manifest = {
            "name": name,
            "base": options["base"],
            "pairs_file": str(options["pairs"]),
            "data": {side: counts(pairs, side) for side in ("train", "eval")},
            "settings": train_options.__dict__,
            "started": started.isoformat(),
            "finished": timezone.now().isoformat(),
            "training": report.as_dict(),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        self.stdout.write(json.dumps(manifest["training"], indent=2) + f"\nwritten {folder}")


def counts(pairs: list[Any], side: str) -> dict[str, int]:
    chosen = [p for p in pairs if p.split == side]
    positives = sum(p.label for p in chosen)
    return {
        "questions": len({p.question_id for p in chosen}),
        "positives": positives,
        "negatives": len(chosen) - positives,
    }
