from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ingestion.services import chunks_segment


class Command(BaseCommand):
    help = (
        "Record sentence boundaries on chunks ingested before they were kept (needed for window reranking); "
        "nothing is re-embedded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="recompute every chunk's boundaries, not only missing")

    def handle(self, *args: Any, **options: Any) -> None:
        done = chunks_segment(redo=options["all"])
        self.stdout.write(f"Sentence boundaries recorded for {done} chunks.")
