from typing import Any

from django.core.management.base import BaseCommand

from ingestion.services import documents_requeue_unfinished


class Command(BaseCommand):
    help = (
        "Queue again the documents a stopped run left queued or processing. Run it only while no worker is "
        "running (make run does, at start); otherwise the periodic sweep handles them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{documents_requeue_unfinished()} unfinished documents queued again.")
