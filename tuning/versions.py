"""Writes on reranker versions: recording a trained one, its training progress, judging it against the active
one, activation and rollback. A version is served only when it measured better on questions it never saw."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from retrieval.calibration import LabelledPool
from retrieval.models import RerankerVersion
from retrieval.rerankers import version_reranker
from retrieval.scoring import Calibration, Serving
from retrieval.selectors import (
    forget_calibrations,
    reranker_current,
    reranker_pinned,
    reranker_version_active,
    serving_of,
)
from tuning.gate import POOLS as GATE_POOLS
from tuning.gate import gate_measure
from tuning.measure import (
    bootstrap_interval,
    mean_scores,
    ndcg_of,
    platt_fit,
    question_scores,
    ranking_metrics,
    rescored,
    served_order,
    serving_chosen,
    threshold_crossfit,
)
from tuning.training_set import question_key

Status = RerankerVersion.Status


@dataclass(frozen=True)
class Judging:
    """What a version is judged on: held-out pools, the questions' texts, and the nDCG@10 margin it must win by."""

    heldout: list[LabelledPool]
    queries: dict[str, str]
    margin: float = 0.01
    on_pool: Callable[[], None] | None = None  # progress: called after each pool is scored
    gate_pools: Path = GATE_POOLS  # the demo regression gate's stored pools


def version_register(*, folder: Path) -> RerankerVersion:
    """Record a trained version (finetune_reranker's folder) as a candidate."""
    manifest = json.loads((folder / "manifest.json").read_text())
    version, _ = RerankerVersion.objects.update_or_create(
        name=manifest["name"],
        defaults={
            "base": manifest["base"], "folder": str(folder.resolve()), "manifest": manifest,
            "status": Status.CANDIDATE, "error": "",
        },
    )  # fmt: skip
    return version


def version_progress(*, version_id: int, done: int, total: int) -> None:
    RerankerVersion.objects.filter(pk=version_id).update(
        steps_done=done, steps_total=total, heartbeat_at=timezone.now()
    )


def versions_fail_stale(*, silent_for: float) -> int:
    """Fail started training runs that gave no sign of life for `silent_for` seconds: their worker was killed,
    restarted or ran out of memory (the task is not redelivered, so nothing else would ever end them). How many.
    A run still queued has no heartbeat yet and is left alone."""
    minutes = round(silent_for / 60)
    reason = (
        f"The training run stopped without finishing: no progress for over {minutes} minutes (its worker was "
        "killed, restarted or ran out of memory). Start a new run."
    )
    return RerankerVersion.objects.filter(
        status=Status.TRAINING, heartbeat_at__lt=timezone.now() - timedelta(seconds=silent_for)
    ).update(status=Status.FAILED, error=reason)


def version_fail(*, version_id: int, reason: str) -> None:
    RerankerVersion.objects.filter(pk=version_id).update(status=Status.FAILED, error=reason)


def version_judge(*, version: RerankerVersion, judging: Judging) -> RerankerVersion:
    """Measure the version and the active reranker on the same held-out questions; activate the version only if
    it wins nDCG@10 by the margin, else record it as rejected with its figures. ValueError if it trained on any
    of them: a gain measured there proves nothing."""
    seen = trained_on(version, judging)
    if seen:
        raise ValueError(
            f"{seen} of the {len(judging.heldout)} held-out questions were in {version.name}'s training data (its "
            "pairs were built with another split, or from every question), so a gain measured on them proves "
            "nothing. Judge it on the split its pairs were built with (the same --eval-share and --seed)."
        )
    active = reranker_version_active()
    current = serving_of(active)
    with reranker_pinned(active):
        served = reranker_current()
        assert served is not None, "RERANKER_BACKEND=none: there is no active reranker to judge against"
        baseline = rescored(judging.heldout, judging.queries, served, current.plan, judging.on_pool)
    candidate = version_reranker(version.onnx_dir)
    default = serving_of(None)
    both = default.plan.scoring_both()  # so that its chunk weight can be chosen afterwards
    measured = rescored(judging.heldout, judging.queries, candidate, both, judging.on_pool)
    serving, chosen = serving_chosen(measured, default)
    # Fitted on the held-out questions, as its weights are chosen: its logits on the questions it trained on are
    # over-confident. The figures it is judged by are cross-fitted (threshold_crossfit), the fit served is this.
    cw = serving.plan.chunk_weight
    a, b, threshold = platt_fit(measured, cw)
    gain = ndcg_of(chosen) - ndcg_of(question_scores(baseline, served_order(current)))
    metrics = {
        "questions": len(judging.heldout),
        "against": active.name if active else "shipped",
        "hybrid": ranking_metrics(judging.heldout, None),
        "active": ranking_metrics(baseline, current),
        "candidate": mean_scores(chosen),  # each question under weights chosen on the other questions
        "candidate_default_weights": ranking_metrics(measured, default),
        "weights": {"chunk_weight": serving.plan.chunk_weight, "blend_weight": serving.blend_weight},
        "ndcg_gain": round(float(gain.mean()), 4),
        "ndcg_gain_interval": bootstrap_interval(gain),
        "questions_better_worse": [int((gain > 0).sum()), int((gain < 0).sum())],
        "threshold": {"a": a, "b": b, "value": threshold, **threshold_crossfit(measured, cw)},
        "gate": gate_measure(candidate, Calibration(a, b, threshold), serving, judging.gate_pools, judging.on_pool),
        "margin": judging.margin,
    }
    return _decide(version, metrics, (a, b, threshold), serving)


def trained_on(version: RerankerVersion, judging: Judging) -> int:
    """How many of the held-out questions the version trained on (its manifest lists them by question key)."""
    trained = set(version.manifest.get("trained_questions", []))
    return sum(question_key(judging.queries[pool.question_id]) in trained for pool in judging.heldout)


def _decide(
    version: RerankerVersion, metrics: dict[str, object], fit: tuple[float, float, float], serving: Serving
) -> RerankerVersion:
    gain, margin = float(metrics["ndcg_gain"]), float(metrics["margin"])  # type: ignore[arg-type]
    gate: dict[str, float] = metrics["gate"]  # type: ignore[assignment]
    version.metrics, (version.platt_a, version.platt_b, version.threshold) = metrics, fit
    version.chunk_weight, version.blend_weight = serving.plan.chunk_weight, serving.blend_weight
    said = (
        f"nDCG@10 {gain:+.4f} against {metrics['against']} (margin {margin:+.4f}); demo gate first "
        f"{gate['first']:.3f}, context {gate['context']:.3f}, refused {gate['refused']:.3f} "
        f"({'passed' if gate['passes'] else 'failed'})."
    )
    if gain >= margin and gate["passes"]:
        version.verdict = f"Promoted: {said}"
        version.save()
        version_activate(version=version)
        version.refresh_from_db()
    else:
        version.status = Status.REJECTED
        version.verdict = f"Rejected: {said}"
        version.save()
    return version


@transaction.atomic
def version_activate(*, version: RerankerVersion) -> None:
    """Serve this version from now on (every process within RERANKER_VERSION_CHECK_SECONDS); its activation
    time is when it was first activated by a decision, the order rollback walks back."""
    RerankerVersion.objects.filter(status=Status.ACTIVE).exclude(pk=version.pk).update(status=Status.RETIRED)
    RerankerVersion.objects.filter(pk=version.pk).update(status=Status.ACTIVE, activated_at=timezone.now())
    transaction.on_commit(forget_calibrations)


@transaction.atomic
def version_rollback() -> RerankerVersion | None:
    """Back to the version activated before the current one, or to the shipped model; returns what now serves.

    Rolling back again walks further back: activation times are kept, so history is never re-ordered.
    """
    current = RerankerVersion.objects.select_for_update().filter(status=Status.ACTIVE).first()
    if current is None:
        return None
    RerankerVersion.objects.filter(pk=current.pk).update(status=Status.RETIRED)
    previous = (
        RerankerVersion.objects.filter(status=Status.RETIRED, activated_at__lt=current.activated_at)
        .order_by("-activated_at")
        .first()
    )
    if previous is not None:
        RerankerVersion.objects.filter(pk=previous.pk).update(status=Status.ACTIVE)
    transaction.on_commit(forget_calibrations)
    return previous
