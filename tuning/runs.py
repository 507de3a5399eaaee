"""A training run started from the admin: build pairs from the feedback, train, export, judge on held-out
feedback, and promote or reject; progress and failures are written on the version."""

import logging

from django.conf import settings

from retrieval.models import RerankerVersion
from tuning.building import folder_build
from tuning.training import TrainSettings
from tuning.training_set import feedback_pairs, feedback_pools
from tuning.versions import Judging, version_fail, version_judge, version_progress, version_register

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 5  # steps between progress writes


def version_train(*, version_id: int) -> None:
    version = RerankerVersion.objects.get(pk=version_id)
    version_progress(version_id=version_id, done=0, total=0)  # started: the stale-run sweep watches it from now
    options = TrainSettings(**version.manifest["settings"])
    eval_share, seed = settings.TUNING_EVAL_SHARE, options.seed
    pairs = feedback_pairs(eval_share=eval_share, seed=seed)

    def on_step(step: int, steps: int, loss: float) -> None:
        if step % PROGRESS_EVERY == 0 or step == steps:
            version_progress(version_id=version_id, done=step, total=steps)

    try:
        folder = folder_build(name=version.name, base=version.base, pairs=pairs, options=options, on_step=on_step)
    except ValueError as exc:  # no training group: too little feedback yet
        version_fail(version_id=version_id, reason=f"Nothing to train on: {exc}.")
        return
    except Exception as exc:
        logger.exception("training reranker version %s failed", version.name)
        version_fail(version_id=version_id, reason=f"{type(exc).__name__}: {str(exc)[:500]}")
        return
    version = version_register(folder=folder)
    heldout, queries = feedback_pools(side="eval", eval_share=eval_share, seed=seed)
    if not heldout:
        version.verdict = "Not judged: too little held-out feedback yet; judge it later with judge_reranker."
        version.save(update_fields=["verdict"])
        return
    margin = float(version.manifest.get("margin", settings.TUNING_PROMOTION_MARGIN))
    try:
        version_judge(version=version, judging=Judging(heldout, queries, margin))
    except ValueError as exc:  # cannot happen with one split function; said on the version rather than lost
        version.verdict = f"Not judged: {exc}"
        version.save(update_fields=["verdict"])
