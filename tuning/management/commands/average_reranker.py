from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuning.building import folder_average


class Command(BaseCommand):
    help = (
        "Make a new version whose weights lie between a tuned version's and its base's (WiSE-FT), or with --with "
        "between two versions tuned from the same base (a model soup), exported as int8 ONNX; judge it with "
        "judge_reranker like any other."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the tuned version's folder, e.g. var/models/NAME")
        parser.add_argument(
            "--keep-base",
            type=float,
            default=0.5,
            help="the base's (with --with: that version's) share of each weight, 0 to below 1",
        )
        parser.add_argument(
            "--with",
            dest="other",
            type=Path,
            help="average with this version (tuned from the same base) instead of the base",
        )
        parser.add_argument("--name", default="", help="the new version's folder name (default NAME-keepXX, "
                            "with --with NAME-with-OTHER)")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        tuned: Path = options["folder"]
        other: Path | None = options["other"]
        for folder in (tuned, other) if other else (tuned,):
            if not (folder / "manifest.json").exists() or not (folder / "torch" / "config.json").exists():
                raise CommandError(f"{folder} is not a trained version's folder (manifest.json and torch/).")
        default = (
            f"{tuned.name}-with-{other.name}" if other else f"{tuned.name}-keep{round(options['keep_base'] * 100):02d}"
        )
        try:
            folder = folder_average(name=options["name"] or default, tuned=tuned, keep_base=options["keep_base"],
                                    other=other)  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"written {folder}")
