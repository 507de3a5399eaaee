from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.questions import FAQ, HANDBOOK, HISTORY, SECURITY, TRAVEL
from ingestion.models import Document
from tuning.gate import POOLS, gate_pools_build

DEMO = {HANDBOOK, SECURITY, FAQ, TRAVEL, HISTORY}


class Command(BaseCommand):
    help = "Store the demo questions' first-stage pools (demo/gate-pools.jsonl) for gating reranker versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=POOLS)

    def handle(self, *args: Any, **options: Any) -> None:
        names = dict(Document.objects.filter(status=Document.Status.READY).values_list("pk", "original_name"))
        if set(names.values()) != DEMO:
            raise CommandError(
                "The pools must come from a database holding exactly the ready demo documents "
                f"({', '.join(sorted(DEMO))}); this one holds {len(names)} ready documents. Use a fresh VAR_DIR: "
                "migrate, 'manage.py ingest demo/documents', then this command."
            )
        count = gate_pools_build(names, options["out"])
        self.stdout.write(f"{count} pools written to {options['out']}")
