import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings

from ingestion.models import Chunk, Document
from ingestion.pipeline import documents_ingest
from ingestion.services import collection_default, document_create
from retrieval.selectors import forget_calibrations

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "demo" / "documents"


@pytest.fixture
def demo_dir() -> Path:
    return DEMO_DIR


def worker_database_url() -> str:
    """The URL of the test database pytest-django created, for processes the tests start."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


class Worker:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.log = ROOT / "var" / "test-worker.log"

    def start(self, **extra_env: str) -> None:
        env = {**os.environ, "DATABASE_URL": worker_database_url(), "DB_CONN_MAX_AGE": "0", **extra_env}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ragsite",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        from ragsite.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {self.log}")
            if app.control.ping(timeout=0.5):
                return
        raise RuntimeError(f"celery worker did not answer within 60 s; see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[Worker]:
    """A real Celery worker process on the real Redis, reading and writing the test database."""
    from ragsite.celery import app

    app.control.purge()
    worker = Worker()
    yield worker
    worker.stop()
    app.control.purge()


def wait_for(predicate: Callable[[], bool], timeout: float = 120, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def wait_until_settled(ids: list[int], timeout: float = 180) -> None:
    settled = [Document.Status.READY, Document.Status.FAILED]
    wait_for(lambda: Document.objects.filter(pk__in=ids, status__in=settled).count() == len(ids), timeout)


def vacuum_chunks() -> None:
    """VACUUM cannot run inside the test's transaction: a connection of its own, outside it, clears the dead rows."""
    import psycopg

    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as own:
        own.execute("VACUUM ingestion_chunk")


# The demo's rows as the first test to ask for them ingested them: each document's fields with its chunks' fields.
DemoRows = list[tuple[dict[str, Any], list[dict[str, Any]]]]
_demo_rows: DemoRows = []


def _fields(row: Document | Chunk) -> dict[str, Any]:
    """What a row holds, without its key, the rows it hangs from, or what the database computes."""
    skipped = {"id", "document", "collection", "search_vector"}
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.name not in skipped}


def _demo_ingest(demo_dir: Path) -> list[Document]:
    ids = []
    for path in sorted(demo_dir.iterdir()):
        with path.open("rb") as stream:
            outcome = document_create(name=path.name, stream=stream, enqueue=False)
        assert outcome.document is not None
        ids.append(outcome.document.pk)
    documents_ingest(document_ids=ids)
    documents = list(Document.objects.filter(pk__in=ids).order_by("pk"))
    assert all(d.status == Document.Status.READY for d in documents)
    for document in documents:
        _demo_rows.append((_fields(document), [_fields(c) for c in document.chunks.order_by("pk")]))
    return documents


def _demo_restore(demo_dir: Path) -> list[Document]:
    """The rows the real ingest wrote, written again in the same order: the same corpus in ~0.1 s instead of
    ~1.5 s of embedding, for each of the ~60 tests that read it."""
    collection = collection_default()
    documents = []
    for fields, chunks in _demo_rows:
        document = Document(**{**fields, "file": None}, collection=collection)
        content = ContentFile((demo_dir / fields["original_name"]).read_bytes())
        document.file.save(Path(str(fields["file"])).name, content)
        Chunk.objects.bulk_create(Chunk(**c, document=document, collection=collection) for c in chunks)
        documents.append(document)
    return documents


def demo_documents(demo_dir: Path) -> list[Document]:
    """The demo documents, ready: ingested the first time in this process, written back from their rows after."""
    return _demo_restore(demo_dir) if _demo_rows else _demo_ingest(demo_dir)


@pytest.fixture
def demo_corpus(db, demo_dir) -> list[Document]:
    """The demo documents, ingested in this test's transaction into a vacuumed chunk table, with its statistics
    taken from them. Each earlier test's rolled-back ingest leaves dead entries in the HNSW graph, and an
    autovacuum repairing it while this test inserts left the graph missing rows (a question got no candidates at
    all); full text drops the lexemes pg_stats calls common, so statistics left by whichever data autovacuum last
    saw changed the ranking (the gate's first fell from 67 to 62 in one CI run, not in the next test).
    The first test in a run ingests them for real; later ones get the same rows back (_demo_restore)."""
    vacuum_chunks()
    documents = demo_documents(demo_dir)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingestion_chunk")
    return documents


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """A cheap hasher in the test process: PBKDF2 takes ~0.25 s a password, some 60 times a run, and tests
    nothing of ours (processes the tests start keep the real one)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_retrieval_cache() -> Iterator[None]:
    """Stored calibrations are cached per process; a test's rolled-back fit must not reach the next test."""
    forget_calibrations()
    yield
    forget_calibrations()
