"""Writes of the retrieval app."""

from django.db import transaction

from retrieval.models import RerankerCalibration
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
