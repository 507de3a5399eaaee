import pytest

from ingestion.models import Document
from ingestion.pipeline import documents_ingest
from ingestion.services import document_create


@pytest.fixture
def demo_corpus(db, demo_dir) -> list[Document]:
    """The demo documents, ingested in this test's transaction."""
    ids = []
    for path in sorted(demo_dir.iterdir()):
        with path.open("rb") as stream:
            outcome = document_create(name=path.name, stream=stream, enqueue=False)
        assert outcome.document is not None
        ids.append(outcome.document.pk)
    documents_ingest(document_ids=ids)
    documents = list(Document.objects.filter(pk__in=ids))
    assert all(d.status == Document.Status.READY for d in documents)
    return documents
