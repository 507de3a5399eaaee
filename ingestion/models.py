"""Collections, the documents in them, and the chunks they are split into for retrieval."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import JSONField, Q, Value
from pgvector.django import HnswIndex, VectorField

# PostgreSQL text-search configurations offered for documents (all ship with PostgreSQL).
TEXT_SEARCH_LANGUAGES = [
    (name, name.capitalize())
    for name in (
        "simple", "arabic", "danish", "dutch", "english", "finnish", "french", "german",
        "greek", "hungarian", "indonesian", "italian", "norwegian", "portuguese",
        "romanian", "russian", "spanish", "swedish", "turkish",
    )
]  # fmt: skip


class RegConfigField(models.CharField):
    """A column of PostgreSQL type regconfig, so a generated tsvector can use it (casts are not immutable)."""

    def db_type(self, connection: object) -> str:
        return "regconfig"


class Collection(models.Model):
    """A set of documents and who may read them: the unit of access control (ingestion/selectors.py holds the rule)."""

    class Access(models.TextChoices):
        PUBLIC = "public", "Everyone who may ask (anonymous askers too, when ALLOW_ANONYMOUS_QUESTIONS is on)"
        LOGGED_IN = "logged_in", "Everyone logged in"
        LISTED = "listed", "Only the groups and users listed"

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    access = models.CharField(max_length=20, choices=Access.choices, default=Access.LISTED)
    groups = models.ManyToManyField(Group, blank=True, related_name="+")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    # The collection documents go to when none is chosen; a fresh install's only one (public: today's behaviour).
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_collection")
        ]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        """What a processing document is doing now (ingestion.states writes it with each heartbeat)."""

        READING = "reading", "Reading"
        OCR = "ocr", "Reading by OCR"  # chunks_done / chunks_total count pages meanwhile
        CHUNKING = "chunking", "Chunking"
        EMBEDDING = "embedding", "Embedding"
        STORING = "storing", "Storing"

    title = models.CharField(max_length=500)
    # Chunks carry a copy, kept equal by a composite foreign key with ON UPDATE CASCADE (migration 0004).
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=500)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.BigIntegerField()
    language = models.CharField(max_length=20, choices=TEXT_SEARCH_LANGUAGES, default="english")
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    error = models.TextField(blank=True)
    chunks_done = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # Pages (numbered from 1) read by OCR, and the mean confidence of the words read there (0-100).
    ocr_pages = models.JSONField(default=list, db_default=Value([], JSONField()), blank=True)
    ocr_confidence = models.FloatField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every progress write: the stuck-document sweep reads it as a heartbeat.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Chunk(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    # The document's collection, on the chunk so that the retrieval statement filters both of its sides on the
    # table it scans; the database keeps it equal to the document's (moving a document cascades here).
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="+")
    ordinal = models.PositiveIntegerField()
    text = models.TextField()
    page_start = models.PositiveIntegerField()
    page_end = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    token_count = models.PositiveIntegerField()
    # [[start, end], ...]: the sentences of `text` as character offsets (ingestion.sentences), for window reranking.
    sentences = models.JSONField(default=list, blank=True)
    # Offsets into `text` where each later page begins (empty: one page, or a chunk stored before this was kept).
    # db_default: processes still running the previous release insert rows without it during an upgrade.
    page_breaks = models.JSONField(default=list, db_default=Value([], JSONField()), blank=True)
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    language = RegConfigField(max_length=20)
    search_vector = models.GeneratedField(
        expression=models.Func(
            models.F("language"), models.F("text"), function="to_tsvector", output_field=SearchVectorField()
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="chunk_document_ordinal_unique")]
        indexes = [
            HnswIndex(
                name="chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(name="chunk_search_vector_gin", fields=["search_vector"]),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.ordinal}"
