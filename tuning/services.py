"""Writes of the tuning app that start work: a training run queued for the workers."""

from dataclasses import asdict

from django.db import transaction

from retrieval.models import RerankerVersion
from tuning.building import version_name
from tuning.tasks import train_reranker_version
from tuning.training import TrainSettings


@transaction.atomic
def version_training_start(*, base: str, options: TrainSettings, margin: float) -> RerankerVersion:
    """Record a version in training and queue its run (after commit); progress shows on the version."""
    version = RerankerVersion.objects.create(
        name=version_name(base), base=base, folder="", status=RerankerVersion.Status.TRAINING,
        manifest={"settings": asdict(options), "margin": margin},
    )  # fmt: skip
    transaction.on_commit(lambda: train_reranker_version.delay(version.pk))
    return version
