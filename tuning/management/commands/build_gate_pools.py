from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingestion.models import Document
from tuning.gate import POOLS, gate_pools_build, gate_question_set


class Command(BaseCommand):
    help = "Store the gate questions' first-stage pools (TUNING_GATE_POOLS) for gating reranker versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=POOLS)

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = {a.document for a in gate_question_set().answerable}
        names = dict(Document.objects.filter(status=Document.Status.READY).values_list("pk", "original_name"))
        if set(names.values()) != wanted:
            raise CommandError(
                "The pools must come from a database holding exactly the ready documents the gate's questions name "
                f"({', '.join(sorted(wanted))}); this one holds {len(names)} ready documents. Use a fresh VAR_DIR: "
                "migrate, ingest those documents (for the demo: 'manage.py ingest demo/documents'), then this command."
            )
        count = gate_pools_build(names, options["out"])
        self.stdout.write(f"{count} pools written to {options['out']}")
