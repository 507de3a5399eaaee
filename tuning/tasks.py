"""Celery tasks: thin wrappers that take an id and call a service."""

from celery import shared_task
from django.conf import settings

from tuning.runs import version_train
from tuning.versions import versions_fail_stale


# Not acks_late: a run outlasts the broker's visibility timeout, and a redelivery would train twice.
@shared_task(acks_late=False, ignore_result=True)
def train_reranker_version(version_id: int) -> None:
    version_train(version_id=version_id)


@shared_task(ignore_result=True)
def sweep_stale_training() -> None:
    versions_fail_stale(silent_for=settings.TUNING_STALE_AFTER_SECONDS)
