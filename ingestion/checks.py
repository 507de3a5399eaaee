"""System checks for what ingestion needs: pgvector and the right embedding width; Tesseract for scans."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder

from ingestion.ocr import tesseract_problem


def _vector_extension_state() -> tuple[bool, bool]:
    """(available on the server, created in this database)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT installed_version IS NOT NULL FROM pg_available_extensions WHERE name = 'vector'")
        row = cursor.fetchone()
    return (row is not None, bool(row and row[0]))


def _embedding_column_dimensions() -> int | None:
    """The declared width of ingestion_chunk.embedding (pgvector keeps it in atttypmod), or None if absent."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT atttypmod FROM pg_attribute "
            "WHERE attrelid = to_regclass('ingestion_chunk') AND attname = 'embedding' AND NOT attisdropped"
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


@register(Tags.database)
def check_pgvector(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        available, created = _vector_extension_state()
        dimensions = _embedding_column_dimensions()
        # Before the first migration the extension is simply not created yet: migrate will create it.
        migrated = ("ingestion", "0001_initial") in MigrationRecorder(connection).applied_migrations()
        if not available or (migrated and not created):
            return [
                Error(
                    "The PostgreSQL extension 'vector' (pgvector) is "
                    + ("not installed on the database server." if not available else "missing from this database."),
                    hint="Install pgvector on the PostgreSQL server (the pgvector/pgvector images have it), then "
                    "run 'python manage.py migrate' as a superuser, or have an administrator run "
                    "'CREATE EXTENSION vector;' in the database.",
                    id="ingestion.E001",
                )
            ]
    except DatabaseError as exc:
        return [Error(f"Could not inspect the database: {exc}", id="ingestion.E003")]
    if dimensions is not None and dimensions != settings.EMBEDDING_DIMENSIONS:
        return [
            Error(
                f"The database stores embeddings of {dimensions} dimensions, but EMBEDDING_DIMENSIONS is "
                f"{settings.EMBEDDING_DIMENSIONS} (model {settings.EMBEDDING_MODEL!r}).",
                hint="Use a model of the stored width, or migrate the column to the new width and re-ingest "
                "every document: vectors of different models cannot be compared.",
                id="ingestion.E002",
            )
        ]
    return []


@register()
def check_ocr(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """OCR is needed only for scans, so its absence is a warning: every other file still reads."""
    messages: list[CheckMessage] = []
    problem = tesseract_problem()
    if problem:
        messages.append(
            Warning(
                f"Scans and photos of pages cannot be read: {problem}.",
                hint="Install it (make ocr does, as root), or documents needing OCR will fail with this reason.",
                id="ingestion.W010",
            )
        )
    reading = settings.EXTRACT_TIME_LIMIT_SECONDS + settings.OCR_TIME_LIMIT_SECONDS
    if reading >= settings.INGEST_STUCK_AFTER_SECONDS:
        messages.append(
            Error(
                f"EXTRACT_TIME_LIMIT_SECONDS + OCR_TIME_LIMIT_SECONDS ({reading:g} s) must be under "
                f"INGEST_STUCK_AFTER_SECONDS ({settings.INGEST_STUCK_AFTER_SECONDS} s), or a long OCR would be "
                "taken for a dead worker and the document read twice.",
                id="ingestion.E010",
            )
        )
    return messages
