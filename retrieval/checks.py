"""System checks for retrieval settings: each mistake is one clear line naming the variable, at start."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from ingestion.embedding import EmbeddingConfigError, model_location
from retrieval.models import RerankerVersion
from retrieval.rerankers import BACKENDS, BUNDLED_ONNX, bundled_onnx_dir

# (setting, lowest, highest) for the numbers that can be wrong; None: no bound on that side.
RANGES: list[tuple[str, float | None, float | None]] = [
    ("RETRIEVAL_K_DENSE", 0, 10_000), ("RETRIEVAL_K_TEXT", 0, 10_000), ("RETRIEVAL_POOL", 1, 1000),
    ("RRF_K", 0, None), ("FULLTEXT_MAX_TERM_SHARE", 0, 1), ("FULLTEXT_MAX_RANKED", 1, None),
    ("RERANK_MAX_TOKENS", 16, 8192), ("RERANK_BATCH_SIZE", 1, 1024), ("RERANK_THREADS", 0, 1024),
    ("RERANK_TIMEOUT_MS", 1, None), ("RERANK_WINDOW_SENTENCES", 0, 50), ("RERANK_WINDOW_STRIDE", 1, 50),
    ("RERANK_WINDOW_MAX", 1, 100), ("RERANK_WINDOW_CHUNK_WEIGHT", 0, 1), ("RERANK_MIN_SCORE", 0, 1),
    ("RERANK_BLEND_WEIGHT", 0, None), ("CONTEXT_TOKEN_BUDGET", 1, None), ("FINAL_K", 1, 100),
    ("CHUNK_TOKENS", 16, 8192), ("CHUNK_OVERLAP_TOKENS", 0, None), ("EMBEDDING_BATCH_SIZE", 1, 4096),
    ("EXTRACT_TIME_LIMIT_SECONDS", 1, None), ("EXTRACT_MEMORY_LIMIT_MB", 256, None), ("INGEST_MAX_ATTEMPTS", 1, 100),
    ("INGEST_STUCK_AFTER_SECONDS", 60, None), ("INGEST_TIME_LIMIT_SECONDS", 60, None),
    ("RERANKER_VERSION_CHECK_SECONDS", 0, None), ("TUNING_EVAL_SHARE", 0.01, 0.9), ("TUNING_PROMOTION_MARGIN", -1, 1),
]  # fmt: skip


def range_errors(ranges: list[tuple[str, float | None, float | None]], prefix: str) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name, low, high in ranges:
        value = getattr(settings, name)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low}" + (f" to {high}" if high is not None else " up")
            errors.append(Error(f"{name} is {value}; it must be {bounds}.", id=f"{prefix}.E010"))
    return errors


@register()
def check_retrieval_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors = range_errors(RANGES, "retrieval")
    if settings.CHUNK_OVERLAP_TOKENS >= settings.CHUNK_TOKENS:
        errors.append(Error("CHUNK_OVERLAP_TOKENS must be smaller than CHUNK_TOKENS.", id="retrieval.E011"))
    if settings.INGEST_STUCK_AFTER_SECONDS <= settings.EXTRACT_TIME_LIMIT_SECONDS + 60:
        # Reading a file is the longest stretch without a heartbeat: a shorter stuck limit re-queues live work.
        errors.append(
            Error("INGEST_STUCK_AFTER_SECONDS must exceed EXTRACT_TIME_LIMIT_SECONDS by a minute.", id="retrieval.E012")
        )
    if settings.RERANKER_BACKEND not in BACKENDS:
        errors.append(
            Error(
                f"RERANKER_BACKEND is {settings.RERANKER_BACKEND!r}; it must be one of {', '.join(BACKENDS)}.",
                id="retrieval.E001",
            )
        )
    elif settings.RERANKER_BACKEND == "onnx":
        errors += _onnx_model_errors(settings.RERANKER_MODEL)
    try:
        location = model_location(settings.EMBEDDING_MODEL)
    except EmbeddingConfigError as exc:
        errors.append(Error(str(exc), id="retrieval.E003"))
    else:
        if location != settings.EMBEDDING_MODEL and not Path(location).is_dir():
            errors.append(Error(f"EMBEDDING_MODEL: the bundled model is missing at {location}.", id="retrieval.E003"))
    return errors


def _onnx_model_errors(model: str) -> list[CheckMessage]:
    try:
        folder = bundled_onnx_dir() if model == BUNDLED_ONNX else Path(model)
    except RuntimeError as exc:
        return [Error(f"RERANKER_MODEL: {exc}", id="retrieval.E002")]
    missing = [name for name in ("model.onnx", "tokenizer.json") if not (folder / name).is_file()]
    if missing:
        return [
            Error(
                f"RERANKER_MODEL is {model!r}, but {folder} has no {' or '.join(missing)} "
                "(the onnx backend needs a folder with model.onnx and tokenizer.json).",
                id="retrieval.E002",
            )
        ]
    return []


@register(Tags.database)
def check_active_reranker_version(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The active fine-tuned version's files must be where it says: without them every question falls back."""
    try:
        active = RerankerVersion.objects.filter(status=RerankerVersion.Status.ACTIVE).first()
    except DatabaseError:  # not migrated yet, or no database: other checks say so
        return []
    if active is None:
        return []
    folder = Path(active.onnx_dir)
    missing = [name for name in ("model.onnx", "tokenizer.json") if not (folder / name).is_file()]
    if not missing:
        return []
    return [
        Error(
            f"The active reranker version {active.name!r} has no {' or '.join(missing)} in {folder}.",
            hint="Restore its folder, or roll back in the admin (Reranker versions) to the version before it.",
            id="retrieval.E013",
        )
    ]
