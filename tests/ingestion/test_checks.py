import pytest
from django.db import connection

from ingestion.checks import check_pgvector

pytestmark = pytest.mark.django_db


def test_no_errors_on_a_migrated_database() -> None:
    assert check_pgvector() == []


def test_wrong_embedding_dimension_is_reported(settings) -> None:
    settings.EMBEDDING_DIMENSIONS = 768
    errors = check_pgvector()
    assert [e.id for e in errors] == ["ingestion.E002"]
    assert "384" in errors[0].msg and "768" in errors[0].msg


def test_missing_pgvector_extension_is_reported() -> None:
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("DROP EXTENSION vector CASCADE")
    errors = check_pgvector()
    assert [e.id for e in errors] == ["ingestion.E001"]


def test_a_missing_ocr_language_pack_is_a_warning_naming_it(settings) -> None:
    from ingestion.checks import check_ocr

    settings.OCR_LANGUAGES = "eng+xyz"
    [warning] = check_ocr()
    assert warning.id == "ingestion.W010" and "tesseract-ocr-xyz" in warning.msg


def test_ocr_time_that_a_sweep_would_take_for_a_dead_worker_is_an_error(settings) -> None:
    from ingestion.checks import check_ocr

    settings.EXTRACT_TIME_LIMIT_SECONDS, settings.OCR_TIME_LIMIT_SECONDS = 300, 1600
    assert "ingestion.E010" in [message.id for message in check_ocr()]
