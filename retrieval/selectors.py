"""The retrieval service: one entry point for answers, the API and the evaluation.

question -> embed -> first stage (one SQL statement) -> rerank the pool -> blend -> threshold -> context.
"""

import logging
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
from django.conf import settings

from ingestion.embedding import get_embedder
from ingestion.models import Document
from retrieval.context import Passage, Scored, choose_context
from retrieval.first_stage import first_stage
from retrieval.models import RerankerCalibration
from retrieval.rerankers import RerankTimeout, get_reranker

logger = logging.getLogger(__name__)
_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, object]] = {}


@dataclass
class RetrievalResult:
    question: str
    candidates: list[Scored]
    context: list[Passage]
    reranked: bool
    reranker_fell_back: bool = False
    fallback_reason: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def nothing_relevant(self) -> bool:
        """True when no passage passed the threshold: the answer must say the documents do not cover it."""
        return not self.context

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "nothing_relevant": self.nothing_relevant}


def _cached(key: str, compute: "object") -> object:
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or now - hit[0] > _CACHE_SECONDS:
        hit = (now, compute())  # type: ignore[operator]
        _cache[key] = hit
    return hit[1]


def languages_in_use() -> list[str]:
    return _cached(  # type: ignore[return-value]
        "languages", lambda: sorted(set(Document.objects.values_list("language", flat=True).distinct())) or ["english"]
    )


def calibration_current() -> tuple[float, float]:
    """Platt (a, b) for the configured reranker: the latest stored fit, else the settings' defaults."""

    def load() -> tuple[float, float]:
        fit = RerankerCalibration.objects.filter(reranker=settings.RERANKER_MODEL).first()
        return (fit.a, fit.b) if fit else (settings.RERANK_PLATT_A, settings.RERANK_PLATT_B)

    return _cached("calibration", load)  # type: ignore[return-value]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function without overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def platt(logits: np.ndarray, a: float, b: float) -> np.ndarray:
    return sigmoid(a * logits + b)


def retrieve(
    question: str,
    *,
    k_dense: int | None = None,
    k_text: int | None = None,
    pool: int | None = None,
    rerank: bool = True,
    blend_weight: float | None = None,
    min_score: float | None = None,
) -> RetrievalResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    vector = get_embedder().embed([question])[0]
    timings["embed"] = _ms_since(started)
    sql_started = time.perf_counter()
    found = first_stage(
        question=question,
        vector=vector.tolist(),
        languages=languages_in_use(),
        k_dense=settings.RETRIEVAL_K_DENSE if k_dense is None else k_dense,
        k_text=settings.RETRIEVAL_K_TEXT if k_text is None else k_text,
        pool=pool or settings.RETRIEVAL_POOL,
        rrf_k=settings.RRF_K,
        max_term_share=settings.FULLTEXT_MAX_TERM_SHARE,
        max_ranked=settings.FULLTEXT_MAX_RANKED,
        ef_search=settings.HNSW_EF_SEARCH,
    )
    timings["sql"] = _ms_since(sql_started)
    candidates = [Scored(**vars(c)) for c in found]
    for rank, candidate in enumerate(candidates, start=1):
        candidate.final_rank, candidate.final_score = rank, candidate.rrf
    result = RetrievalResult(question=question, candidates=candidates, context=[], reranked=False)
    if rerank and candidates:
        _rerank(result, settings.RERANK_BLEND_WEIGHT if blend_weight is None else blend_weight, timings)
    result.context = choose_context(
        result.candidates,
        min_score=settings.RERANK_MIN_SCORE if min_score is None else min_score,
        token_budget=settings.CONTEXT_TOKEN_BUDGET,
        final_k=settings.FINAL_K,
    )
    timings["total"] = _ms_since(started)
    result.timings_ms = timings
    return result


def _rerank(result: RetrievalResult, blend_weight: float, timings: dict[str, float]) -> None:
    started = time.perf_counter()
    try:
        reranker = get_reranker()
        if reranker is None:
            return
        deadline = time.monotonic() + settings.RERANK_TIMEOUT_MS / 1000
        logits = reranker.score(result.question, [rerank_text(c) for c in result.candidates], deadline=deadline)
    except RerankTimeout as exc:
        _fall_back(result, f"reranker timed out after {settings.RERANK_TIMEOUT_MS} ms: {exc}")
        return
    except Exception as exc:
        logger.exception("reranker failed")
        _fall_back(result, f"reranker failed: {type(exc).__name__}: {exc}")
        return
    finally:
        timings["rerank"] = _ms_since(started)
    apply_rerank(result.candidates, logits, calibration_current(), blend_weight)
    result.reranked = True


def rerank_text(candidate: Scored) -> str:
    """The passage as the cross-encoder reads it: with its document's title unless the chunk starts with it."""
    if candidate.title and not candidate.text.startswith(candidate.title[:50]):
        return f"{candidate.title}\n{candidate.text}"
    return candidate.text


def apply_rerank(
    candidates: list[Scored], logits: np.ndarray, calibration: tuple[float, float], blend_weight: float
) -> None:
    """Score, calibrate and re-order in place: RRF of the dense, full-text and reranker ranks.

    The reranker enters the fusion as a third ranked list weighted by RERANK_BLEND_WEIGHT: a web-search
    cross-encoder alone can lose to a good hybrid out of its domain, while blended it adds what it knows.
    """
    probabilities = platt(logits, *calibration)
    rerank_order = np.argsort(-logits, kind="stable")
    k = settings.RRF_K
    for rank, index in enumerate(rerank_order, start=1):
        candidate = candidates[index]
        candidate.logit = float(logits[index])
        candidate.probability = float(probabilities[index])
        candidate.rerank_rank = rank
        candidate.final_score = candidate.rrf + blend_weight / (k + rank)
    candidates.sort(key=lambda c: (-c.final_score, c.rerank_rank or math.inf))
    for rank, candidate in enumerate(candidates, start=1):
        candidate.final_rank = rank


def _fall_back(result: RetrievalResult, reason: str) -> None:
    logger.warning("using the fused order without reranking: %s", reason)
    result.reranker_fell_back = True
    result.fallback_reason = reason


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
