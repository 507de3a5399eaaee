from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ingestion.models import Collection, Document
from ingestion.pipeline import documents_ingest
from ingestion.selectors import collection_named
from ingestion.services import document_create, document_enqueue

SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"}


def collect_files(paths: list[str]) -> list[Path]:
    """The given files, and the supported files found in the given folders (recursively)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"No such file or folder: {raw}")
    return found


class Command(BaseCommand):
    help = "Ingest files and folders: store each as a Document and index it (here, or by the workers with --queue)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or folders")
        parser.add_argument("--language", default=settings.DEFAULT_TEXT_SEARCH_LANGUAGE)
        parser.add_argument("--queue", action="store_true", help="queue for the Celery workers instead")
        parser.add_argument("--collection", help="the collection's name or id (default: the default collection)")

    def handle(self, *args: Any, **options: Any) -> None:
        collection = None
        if options["collection"]:
            collection = collection_named(options["collection"])
            if collection is None:
                names = ", ".join(Collection.objects.values_list("name", flat=True))
                raise CommandError(f"No collection named {options['collection']!r}; there are: {names}.")
        files = collect_files(options["paths"])
        to_ingest: list[int] = []
        for path in files:
            with path.open("rb") as stream:
                outcome = document_create(
                    name=path.name,
                    stream=stream,
                    size=path.stat().st_size,
                    language=options["language"],
                    collection=collection,
                    enqueue=False,
                )
            if outcome.document is None:
                self.stderr.write(outcome.message)
            elif outcome.created or outcome.document.status == Document.Status.QUEUED:
                to_ingest.append(outcome.document.pk)
            else:
                self.stdout.write(outcome.message)
        if options["queue"]:
            queued = sum(document_enqueue(document_id=pk) for pk in to_ingest)
            self.stdout.write(f"{queued} of {len(to_ingest)} documents queued for the workers.")
            return
        with tqdm(total=len(to_ingest), unit="doc", desc="ingesting", disable=not to_ingest) as bar:
            for pk in to_ingest:
                documents_ingest(document_ids=[pk])
                bar.update(1)
        report_outcomes(self, to_ingest)


def report_outcomes(command: BaseCommand, ids: list[int]) -> None:
    documents = Document.objects.filter(pk__in=ids)
    ready = documents.filter(status=Document.Status.READY).count()
    command.stdout.write(f"{ready} of {len(ids)} documents ready.")
    for document in documents.filter(status=Document.Status.FAILED):
        command.stderr.write(f"failed: {document.original_name}: {document.error}")
