import dataclasses
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tuning.bases import BASES
from tuning.building import folder_build, version_name
from tuning.training import TrainSettings
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
        parser.add_argument("--no-dropout", dest="dropout", action="store_false",
                            help="dropout off: about twice as fast a step on this CPU")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["pairs"].exists():
            raise CommandError(f"No pairs at {options['pairs']}: run build_training_set first.")
        # every training setting that has an option of the same name; the rest keep their defaults
        chosen = {f.name: options[f.name] for f in dataclasses.fields(TrainSettings) if f.name in options}
        train_options = TrainSettings(**chosen)
        pairs = list(read_pairs(options["pairs"]))
        with tqdm(unit="step", desc="training") as bar:

            def on_step(step: int, steps: int, loss: float) -> None:
                bar.total = steps
                bar.set_postfix(loss=f"{loss:.3f}")
                bar.update(1)

            try:
                folder = folder_build(
                    name=options["name"] or version_name(options["base"]), base=options["base"], pairs=pairs,
                    options=train_options, on_step=on_step,
                )  # fmt: skip
            except ValueError as exc:  # an unknown base, or no training group in the pairs
                raise CommandError(str(exc)) from exc
        manifest = json.loads((folder / "manifest.json").read_text())
        self.stdout.write(json.dumps(manifest["training"], indent=2) + f"\nwritten {folder}")
