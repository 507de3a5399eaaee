"""Celery tasks: thin wrappers that take an id and call a service."""

from celery import shared_task

from tuning.runs import version_train


# Not acks_late: a run outlasts the broker's visibility timeout, and a redelivery would train twice.
@shared_task(acks_late=False, ignore_result=True)
def train_reranker_version(version_id: int) -> None:
    version_train(version_id=version_id)
