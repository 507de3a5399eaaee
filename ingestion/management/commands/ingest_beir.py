import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ingestion.management.commands.ingest import report_outcomes
from ingestion.models import Document
from ingestion.pipeline import documents_ingest
from ingestion.services import document_create

# Documents handed to the pipeline at once: enough chunks to fill whole embedding batches.
INDEX_STEP = 256


def beir_records(directory: Path, limit: int | None = None) -> list[dict[str, str]]:
    corpus = directory / "corpus.jsonl"
    if not corpus.is_file():
        raise CommandError(f"{corpus} not found: give the folder of a BEIR collection (corpus.jsonl, queries.jsonl)")
    records = []
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                records.append(json.loads(line))
            if limit and len(records) >= limit:
                break
    return records


def beir_store(records: list[dict[str, str]], language: str = "english") -> tuple[list[int], int]:
    """Store each record as a queued Document (title + text); the ids to index, and how many were skipped."""
    ids: list[int] = []
    skipped = 0
    for record in tqdm(records, unit="doc", desc="storing"):
        content = f"{record.get('title', '')}\n\n{record.get('text', '')}".strip()
        outcome = document_create(
            name=f"{record['_id']}.txt",
            stream=io.BytesIO(content.encode("utf-8")),
            language=language,
            title=record.get("title") or record["_id"],
            external_id=str(record["_id"]),
            enqueue=False,
        )
        if outcome.document is None or outcome.document.external_id != str(record["_id"]):
            skipped += 1  # empty, or the same text under another _id
        elif outcome.document.status in (Document.Status.QUEUED, Document.Status.PROCESSING):
            ids.append(outcome.document.pk)
    return ids, skipped


def beir_index(ids: list[int]) -> None:
    with tqdm(total=len(ids), unit="doc", desc="indexing") as bar:
        for start in range(0, len(ids), INDEX_STEP):
            step = ids[start : start + INDEX_STEP]
            documents_ingest(document_ids=step)
            bar.update(len(step))


class Command(BaseCommand):
    help = "Load a BEIR corpus.jsonl: one Document per record, its _id kept as external id, title + text as content."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--limit", type=int, default=None, help="only the first N records")
        parser.add_argument("--language", default="english")

    def handle(self, *args: Any, **options: Any) -> None:
        records = beir_records(options["directory"], options["limit"])
        ids, skipped = beir_store(records, options["language"])
        if skipped:
            self.stderr.write(f"{skipped} records skipped (empty, or a duplicate of an earlier record).")
        beir_index(ids)
        report_outcomes(self, ids)
