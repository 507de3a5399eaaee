"""Writes of the retrieval app."""

from django.db import transaction

from ingestion.models import Collection
from retrieval.coverage import CoverageModel
from retrieval.coverage_fit import FitReport
from retrieval.models import CoverageCalibration, RerankerCalibration
from retrieval.selectors import forget_calibrations


@transaction.atomic
def calibration_save(
    *, reranker: str, a: float, b: float, suggested_threshold: float, pairs: int, positives: int, source: str,
    report: dict[str, object],
) -> RerankerCalibration:  # fmt: skip
    calibration = RerankerCalibration.objects.create(
        reranker=reranker,
        a=a,
        b=b,
        suggested_threshold=suggested_threshold,
        pairs=pairs,
        positives=positives,
        source=source,
        report=report,
    )
    transaction.on_commit(forget_calibrations)
    return calibration


@transaction.atomic
def coverage_calibration_save(
    *, collection: Collection | None, model: CoverageModel, report: FitReport, source: str
) -> CoverageCalibration:
    """Store a fitted refusal decision; it serves from the next question on (every process within a minute)."""
    calibration = CoverageCalibration.objects.create(
        collection=collection,
        model=model.as_dict(),
        questions=report.questions,
        covered=report.covered,
        source=source[:300],
        report=report.as_dict(),
    )
    transaction.on_commit(forget_calibrations)
    return calibration
