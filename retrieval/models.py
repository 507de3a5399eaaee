from django.db import models


class RerankerCalibration(models.Model):
    """A Platt fit mapping a reranker's logits to the probability that a passage is relevant."""

    reranker = models.CharField(max_length=300, db_index=True)
    a = models.FloatField()
    b = models.FloatField()
    suggested_threshold = models.FloatField(null=True, blank=True)
    pairs = models.PositiveIntegerField()
    positives = models.PositiveIntegerField()
    source = models.CharField(max_length=300, blank=True)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reranker}: p = sigmoid({self.a:.3f} * logit + {self.b:.3f})"


class RerankerVersion(models.Model):
    """A fine-tuned reranker (int8 ONNX in `folder`/onnx) and what it measured; at most one is active.

    With none active, the shipped model (RERANKER_MODEL) serves. Web and worker processes notice a change of the
    active version within RERANKER_VERSION_CHECK_SECONDS, without a restart.
    """

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        FAILED = "failed", "Training failed"
        CANDIDATE = "candidate", "Candidate (not yet judged)"
        ACTIVE = "active", "Active"
        REJECTED = "rejected", "Rejected"
        RETIRED = "retired", "Retired (was active)"

    name = models.CharField(max_length=200, unique=True)
    base = models.CharField(max_length=300)
    folder = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    manifest = models.JSONField(default=dict, blank=True)  # data counts, training settings, times
    metrics = models.JSONField(default=dict, blank=True)  # held-out figures of this and the active model, the gate
    verdict = models.TextField(blank=True)  # why it was promoted or rejected, in words
    error = models.TextField(blank=True)  # why training failed
    steps_done = models.PositiveIntegerField(default=0)  # training progress, for the admin
    steps_total = models.PositiveIntegerField(default=0)
    # A training run's last sign of life: the sweep fails a run whose worker died (no progress for too long).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Its own Platt fit and the threshold chosen on that scale: another model's logits mean something else.
    platt_a = models.FloatField(null=True, blank=True)
    platt_b = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    # How it serves, chosen by judging (None: the settings' RERANK_WINDOW_CHUNK_WEIGHT and RERANK_BLEND_WEIGHT).
    chunk_weight = models.FloatField(null=True, blank=True)
    blend_weight = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="reranker_version_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def onnx_dir(self) -> str:
        return f"{self.folder}/onnx"


class CoverageCalibration(models.Model):
    """A fitted refusal decision (retrieval/coverage.py): for one collection, from its own marks, or for every
    collection without one (collection empty), from a labelled question set. The latest of each kind serves."""

    collection = models.ForeignKey(
        "ingestion.Collection", null=True, blank=True, on_delete=models.CASCADE, related_name="coverage_calibrations"
    )
    model = models.JSONField()  # CoverageModel.as_dict(): weights, standardisation and its threshold
    questions = models.PositiveIntegerField()  # labelled questions it was fitted on
    covered = models.PositiveIntegerField()  # of which the documents cover
    source = models.CharField(max_length=300, blank=True)
    report = models.JSONField(default=dict, blank=True)  # out-of-fold figures (coverage_fit.FitReport)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        scope = self.collection.name if self.collection else "all collections"
        return f"refusal decision for {scope}, from {self.questions} questions ({self.source})"
