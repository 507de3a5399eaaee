"""Writes of the retrieval app."""

from django.db import transaction

from retrieval.models import RerankerCalibration


@transaction.atomic
def calibration_save(
    *, reranker: str, a: float, b: float, suggested_threshold: float, pairs: int, positives: int, source: str,
    report: dict[str, object],
) -> RerankerCalibration:  # fmt: skip
    from retrieval.selectors import _cache

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
    transaction.on_commit(lambda: _cache.pop("calibration", None))
    return calibration
