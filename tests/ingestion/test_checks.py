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
