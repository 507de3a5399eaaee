"""The retrieval service: one entry point for answers, the API and the evaluation.

question -> embed -> first stage (one SQL statement) -> rerank the pool -> blend -> threshold -> context.
"""

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from ingestion.embedding import get_embedder
from ingestion.models import Document
from retrieval.context import Passage, Scored, choose_context
from retrieval.coverage import CoverageDecision, CoverageModel, coverage_model_file, pool_features
from retrieval.first_stage import Scope, first_stage
from retrieval.models import CoverageCalibration, RerankerCalibration, RerankerVersion
from retrieval.rerankers import Reranker, RerankTimeout, get_reranker, version_reranker
from retrieval.scoring import Calibration, Serving, WindowPlan, apply_rerank, score_pool

logger = logging.getLogger(__name__)
_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, object]] = {}
CALIBRATION_CACHE = "calibration "
COVERAGE_CACHE = "coverage "
VERSION_CACHE = "reranker version"
_pinned: list[RerankerVersion | None] = []


@dataclass
class RetrievalResult:
    question: str
    candidates: list[Scored]
    context: list[Passage]
    reranked: bool
    reranker_fell_back: bool = False
    fallback_reason: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    coverage: CoverageDecision | None = None  # None: the reranker did not run

    @property
    def nothing_relevant(self) -> bool:
        """True when the documents do not cover the question (nothing in the context): the answer must say so."""
        return not self.context

    def as_dict(self) -> dict[str, object]:
        data = {**asdict(self), "nothing_relevant": self.nothing_relevant}
        data["coverage"] = self.coverage.as_dict() if self.coverage else None
        return data


def _cached(key: str, compute: "object", seconds: float = _CACHE_SECONDS) -> object:
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or now - hit[0] > seconds:
        hit = (now, compute())  # type: ignore[operator]
        _cache[key] = hit
    return hit[1]


def languages_in_use() -> list[str]:
    return _cached(  # type: ignore[return-value]
        "languages", lambda: sorted(set(Document.objects.values_list("language", flat=True).distinct())) or ["english"]
    )


def serving_of(version: RerankerVersion | None) -> Serving:
    """The window plan and blend weight a version (None: the shipped model) serves with: those judging chose
    for it, else the settings'."""
    chunk_weight = None if version is None else version.chunk_weight
    blend_weight = None if version is None else version.blend_weight
    plan = WindowPlan(
        sentences=settings.RERANK_WINDOW_SENTENCES,
        stride=settings.RERANK_WINDOW_STRIDE,
        max_windows=settings.RERANK_WINDOW_MAX,
        chunk_weight=settings.RERANK_WINDOW_CHUNK_WEIGHT if chunk_weight is None else chunk_weight,
    )
    return Serving(plan, settings.RERANK_BLEND_WEIGHT if blend_weight is None else blend_weight)


def serving_current() -> Serving:
    return serving_of(reranker_version_active())


def window_plan() -> WindowPlan:
    return serving_current().plan


def reranker_version_active() -> RerankerVersion | None:
    """The active fine-tuned version (None: the shipped model), looked up at most every
    RERANKER_VERSION_CHECK_SECONDS, so every process follows an activation or a rollback without a restart."""
    if _pinned:
        return _pinned[-1]
    return _cached(  # type: ignore[return-value]
        VERSION_CACHE,
        lambda: RerankerVersion.objects.filter(status=RerankerVersion.Status.ACTIVE).first(),
        settings.RERANKER_VERSION_CHECK_SECONDS,
    )


@contextlib.contextmanager
def reranker_pinned(version: RerankerVersion | None) -> Iterator[None]:
    """Serve this version (None: the shipped model) in this process while the block runs, active or not: for
    evaluating any version with the same code that serves it."""
    _pinned.append(version)
    try:
        yield
    finally:
        _pinned.pop()


def reranker_current() -> Reranker | None:
    if settings.RERANKER_BACKEND == "none":
        return None
    version = reranker_version_active()
    return get_reranker() if version is None else version_reranker(version.onnx_dir)


def calibration_key(plan: WindowPlan) -> str:
    version = reranker_version_active()
    return f"{settings.RERANKER_MODEL if version is None else version.name} | {plan.key}"


def calibration_current(plan: WindowPlan) -> Calibration:
    """An active version's own fit and threshold; else the latest stored fit for this reranker and window plan
    with the threshold chosen with it, else the settings' defaults (RERANK_PLATT_A, RERANK_PLATT_B,
    RERANK_MIN_SCORE), which were fitted together."""
    version = reranker_version_active()
    if version is not None and None not in (version.platt_a, version.platt_b, version.threshold):
        return Calibration(version.platt_a, version.platt_b, version.threshold)  # type: ignore[arg-type]
    key = calibration_key(plan)

    def load() -> tuple[float, float, float | None] | None:
        return RerankerCalibration.objects.filter(reranker=key).values_list("a", "b", "suggested_threshold").first()

    fit = _cached(f"{CALIBRATION_CACHE}{key}", load)
    if isinstance(fit, tuple) and fit[2] is not None:
        return Calibration(fit[0], fit[1], fit[2])
    return Calibration(settings.RERANK_PLATT_A, settings.RERANK_PLATT_B, settings.RERANK_MIN_SCORE)


def forget_calibrations() -> None:
    """Drop cached fits and the cached active version (after a new fit, an activation or a rollback)."""
    for key in [k for k in _cache if k.startswith((CALIBRATION_CACHE, COVERAGE_CACHE)) or k == VERSION_CACHE]:
        _cache.pop(key, None)


def coverage_model_for(collection_id: int | None) -> tuple[CoverageModel, str] | None:
    """The refusal decision for evidence from this collection: the collection's own refit from its marks, else the
    latest fit for all collections, else the shipped one (COVERAGE_MODEL_FILE); None when that is off."""

    def load() -> tuple[CoverageModel, str] | None:
        own = None if collection_id is None else CoverageCalibration.objects.filter(collection_id=collection_id).first()
        if own is not None:
            return CoverageModel.from_dict(own.model), f"collection's own, from {own.questions} marked questions"
        fit = CoverageCalibration.objects.filter(collection__isnull=True).first()
        if fit is not None:
            return CoverageModel.from_dict(fit.model), f"all collections', from {fit.questions} questions"
        if not settings.COVERAGE_MODEL_FILE:
            return None
        return coverage_model_file(Path(settings.COVERAGE_MODEL_FILE)), f"the file {settings.COVERAGE_MODEL_FILE}"

    return _cached(f"{COVERAGE_CACHE}{collection_id}", load)  # type: ignore[return-value]


def coverage_in_use(collection_id: int) -> str:
    """In words, for the admin: which refusal decision judges this collection's evidence, fitted on how much."""
    found = coverage_model_for(collection_id)
    if found is None:
        return "passage threshold only (no refusal decision fitted)"
    return found[1]


def coverage_decide(question: str, candidates: list[Scored]) -> CoverageDecision | None:
    """Whether the documents cover the question, judged on the reranked pool (None: nothing was scored).

    A question over several collections is judged by the calibration of the collection holding the best passage:
    that is the evidence being judged, and that collection's marks taught its calibration how its passages score.
    """
    features = pool_features(question, candidates)
    if features is None:
        return None
    best = max((c for c in candidates if c.logit is not None), key=lambda c: c.logit or 0.0)
    found = coverage_model_for(best.collection_id)
    if found is None:
        return CoverageDecision(features, best.collection_id)
    model, source = found
    return CoverageDecision(features, best.collection_id, model.probability(features), model.threshold, source)


def retrieve(
    question: str,
    *,
    collections: Scope,
    k_dense: int | None = None,
    k_text: int | None = None,
    pool: int | None = None,
    rerank: bool = True,
    blend_weight: float | None = None,
    min_score: float | None = None,
    plan: WindowPlan | None = None,
    decide: bool = True,
) -> RetrievalResult:
    """decide=False leaves out the refusal decision model: the context is every passage above the passage
    threshold (for tools that measure the pool itself, and for fitting the decision)."""
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
        collections=collections,
        iterative_scan=settings.HNSW_ITERATIVE_SCAN,
        max_scan_tuples=settings.HNSW_MAX_SCAN_TUPLES,
    )
    timings["sql"] = _ms_since(sql_started)
    candidates = [Scored(**vars(c)) for c in found]
    for rank, candidate in enumerate(candidates, start=1):
        candidate.final_rank, candidate.final_score = rank, candidate.rrf
    result = RetrievalResult(question=question, candidates=candidates, context=[], reranked=False)
    serving = serving_current()
    plan = plan or serving.plan
    if rerank and candidates:
        _rerank(result, serving.blend_weight if blend_weight is None else blend_weight, plan, timings)
    if decide and result.reranked:
        result.coverage = coverage_decide(question, result.candidates)
    if result.coverage is None or result.coverage.covered:
        result.context = choose_context(
            result.candidates,
            min_score=calibration_current(plan).threshold if min_score is None else min_score,
            token_budget=settings.CONTEXT_TOKEN_BUDGET,
            final_k=settings.FINAL_K,
            keep_best=result.coverage is not None and result.coverage.decided,
        )
    timings["total"] = _ms_since(started)
    result.timings_ms = timings
    return result


def _rerank(result: RetrievalResult, blend_weight: float, plan: WindowPlan, timings: dict[str, float]) -> None:
    started = time.perf_counter()
    try:
        reranker = reranker_current()
        if reranker is None:
            return
        deadline = time.monotonic() + settings.RERANK_TIMEOUT_MS / 1000
        score_pool(reranker, result.question, result.candidates, plan, deadline)
    except RerankTimeout as exc:
        _fall_back(result, f"reranker timed out after {settings.RERANK_TIMEOUT_MS} ms: {exc}")
        return
    except Exception as exc:
        logger.exception("reranker failed")
        _fall_back(result, f"reranker failed: {type(exc).__name__}: {exc}")
        return
    finally:
        timings["rerank"] = _ms_since(started)
    apply_rerank(result.candidates, calibration_current(plan), blend_weight, settings.RRF_K)
    result.reranked = True


def _fall_back(result: RetrievalResult, reason: str) -> None:
    logger.warning("using the fused order without reranking: %s", reason)
    result.reranker_fell_back = True
    result.fallback_reason = reason


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
