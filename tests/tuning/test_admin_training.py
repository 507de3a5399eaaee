"""Training from the admin: the form queues a run; the run trains on feedback, reports progress and is judged."""

import pytest

from answers.models import Answer, AnswerPassage, Feedback, PassageMark
from retrieval.models import RerankerVersion
from tuning.runs import version_train
from tuning.services import version_training_start
from tuning.training import TrainSettings

pytestmark = pytest.mark.django_db


def feedback(user, count: int = 30) -> None:
    """Answers voted helpful (their first source cited), their second source marked not relevant."""
    for i in range(count):
        answer = Answer.objects.create(
            question=f"Which kiln fires batch {i}?", status="done", citations=[{"number": 1}]
        )
        for number, text in ((1, f"Kiln {i % 5} fires batch {i}."), (2, f"Batch {i} glaze colours.")):
            AnswerPassage.objects.create(
                answer=answer, number=number, title="Kiln log", text=text, page_start=1, page_end=1,
                final_rank=number, rrf=1 / (60 + number),
            )  # fmt: skip
        Feedback.objects.create(answer=answer, user=user, rating=1)
        PassageMark.objects.create(passage=answer.passages.get(number=2), user=user, relevant=False)


def test_the_admin_form_starts_a_queued_training_run(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    queued: list[int] = []
    monkeypatch.setattr("tuning.services.train_reranker_version.delay", queued.append)
    assert b"Start training" in admin_client.get("/admin/retrieval/rerankerversion/train/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/retrieval/rerankerversion/train/",
            {"base": "shipped", "epochs": "1", "learning_rate": "2e-5", "negatives": "3", "freeze_layers": "0",
             "margin": "0.01"},
        )  # fmt: skip
    assert response.status_code == 302
    version = RerankerVersion.objects.get()
    assert version.status == "training" and version.base == "shipped" and queued == [version.pk]
    assert version.manifest["settings"]["dropout"] is False  # the box left unticked: the faster run
    listing = admin_client.get("/admin/retrieval/rerankerversion/")
    assert b"Train from feedback" in listing.content and b"starting" in listing.content


def test_a_run_trains_on_feedback_reports_progress_and_is_judged(
    admin_user, tiny_base, tmp_path, settings, monkeypatch
) -> None:
    settings.VAR_DIR = tmp_path
    feedback(admin_user)
    monkeypatch.setattr("tuning.services.train_reranker_version.delay", lambda pk: None)
    options = TrainSettings(epochs=1, batch_groups=4, negatives=1, max_tokens=32, learning_rate=1e-3)
    version = version_training_start(base=str(tiny_base), options=options, margin=0.01)
    version_train(version_id=version.pk)
    version.refresh_from_db()
    assert version.steps_total > 0 and version.steps_done == version.steps_total
    assert version.manifest["data"]["train"]["positives"] > 0 and version.manifest["training"]["pairs_seen"] > 0
    # a tiny random model does not beat the shipped one on held-out questions: recorded, not served
    assert version.status == "rejected" and version.metrics["questions"] > 0, version.verdict


def test_a_run_without_feedback_fails_saying_why(tiny_base, tmp_path, settings, monkeypatch) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr("tuning.services.train_reranker_version.delay", lambda pk: None)
    version = version_training_start(base=str(tiny_base), options=TrainSettings(), margin=0.01)
    version_train(version_id=version.pk)
    version.refresh_from_db()
    assert version.status == "failed" and "Nothing to train on" in version.error


def test_the_sweep_fails_a_started_run_that_went_silent_and_leaves_the_others(monkeypatch) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tuning.tasks import sweep_stale_training

    monkeypatch.setattr("tuning.services.train_reranker_version.delay", lambda pk: None)
    runs = {name: version_training_start(base="shipped", options=TrainSettings(), margin=0.01) for name in "abc"}
    now = timezone.now()
    # a: its worker died an hour ago; b: stepping a minute ago; c: still queued (no heartbeat yet)
    for name, heartbeat in (("a", now - timedelta(hours=1)), ("b", now - timedelta(minutes=1))):
        RerankerVersion.objects.filter(pk=runs[name].pk).update(name=name, heartbeat_at=heartbeat)
    finished = RerankerVersion.objects.create(name="done", base="shipped", folder="/x", status="rejected",
                                              heartbeat_at=now - timedelta(days=1))  # fmt: skip
    sweep_stale_training()
    status = dict(RerankerVersion.objects.values_list("pk", "status"))
    assert (
        status[runs["a"].pk] == "failed"
        and "no progress for over 30 minutes" in RerankerVersion.objects.get(pk=runs["a"].pk).error
    )
    assert status[runs["b"].pk] == status[runs["c"].pk] == "training" and status[finished.pk] == "rejected"


def test_a_started_run_beats_its_heartbeat(tiny_base, tmp_path, settings, monkeypatch) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr("tuning.services.train_reranker_version.delay", lambda pk: None)
    version = version_training_start(base=str(tiny_base), options=TrainSettings(), margin=0.01)
    assert version.heartbeat_at is None
    version_train(version_id=version.pk)
    version.refresh_from_db()
    assert version.heartbeat_at is not None
