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
