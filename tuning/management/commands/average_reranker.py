from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuning.building import folder_average


class Command(BaseCommand):
    help = (
        "Make a new version whose weights lie between a tuned version's and its base's (WiSE-FT), exported as int8 "
        "ONNX; judge it with judge_reranker like any other."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the tuned version's folder, e.g. var/models/NAME")
        parser.add_argument("--keep-base", type=float, default=0.5, help="the base's share of each weight, 0 to 1")
        parser.add_argument("--name", default="", help="the new version's folder name (default NAME-keepXX)")

    def handle(self, *args: Any, **options: Any) -> None:
        tuned: Path = options["folder"]
        if not (tuned / "manifest.json").exists() or not (tuned / "torch" / "config.json").exists():
            raise CommandError(f"{tuned} is not a trained version's folder (manifest.json and torch/).")
        name = options["name"] or f"{tuned.name}-keep{round(options['keep_base'] * 100):02d}"
        try:
            folder = folder_average(name=name, tuned=tuned, keep_base=options["keep_base"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"written {folder}")
