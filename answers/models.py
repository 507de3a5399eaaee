"""Answers with the passages they were given, their citations, and the feedback on them."""

from django.conf import settings
from django.db import models
from django.db.models import JSONField, Value


class Conversation(models.Model):
    """A thread of questions: each answer belongs to one, and a follow-up is searched in the light of the turns
    before it. Its owner (None: asked anonymously, reachable from the browser session that asked it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    title = models.CharField(max_length=200)  # its first question
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    class Status(models.TextChoices):
        STREAMING = "streaming", "Streaming"
        COMPLETE = "complete", "Complete"
        NO_CONTEXT = "no_context", "Not covered by the documents"
        FAILED = "failed", "Failed"

    class Mode(models.TextChoices):
        LLM = "llm", "Written by a model"
        EXTRACTIVE = "extractive", "Extracted from the documents"
        NONE = "none", "No answer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    question = models.TextField()
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    # The question as retrieval searched it: a follow-up made to stand alone (answers/rewrite.py), else the question.
    search_query = models.TextField(blank=True, db_default="")
    # The collections this question searched (those the asker chose, of those they could read at the time).
    collections = models.ManyToManyField("ingestion.Collection", blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STREAMING)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.NONE)
    raw_answer = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    citations = models.JSONField(default=list, blank=True)  # [{"number", "chunk_id", "document_id", "page"}]
    invalid_citations = models.JSONField(default=list, blank=True)  # numbers that matched no source
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    timings_ms = models.JSONField(default=dict, blank=True)  # retrieve, rerank, first_token, total
    reranker_fell_back = models.BooleanField(default=False)
    # The refusal decision (retrieval.coverage.CoverageDecision.as_dict): its features, probability, threshold and
    # which calibration made it, kept so that a collection's marks can refit it (calibrate_reranker --collection).
    # db_default: processes still running the previous release insert rows without it during an upgrade.
    coverage = models.JSONField(default=dict, db_default=Value({}, JSONField()), blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question[:80]


class AnswerPassage(models.Model):
    """A passage as it was scored for this answer; number is its [n] when it was given to the model."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="passages")
    number = models.PositiveIntegerField()
    given = models.BooleanField(default=True)  # False: only shown as one of the closest passages
    chunk = models.ForeignKey("ingestion.Chunk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    document = models.ForeignKey(
        "ingestion.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chunk_ids = models.JSONField(default=list)
    title = models.CharField(max_length=500)
    text = models.TextField()
    page_start = models.PositiveIntegerField()
    page_end = models.PositiveIntegerField()
    dense_rank = models.PositiveIntegerField(null=True, blank=True)
    text_rank = models.PositiveIntegerField(null=True, blank=True)
    rrf = models.FloatField(null=True, blank=True)
    logit = models.FloatField(null=True, blank=True)
    window_logit = models.FloatField(null=True, blank=True)  # the best window's logit (the evidence)
    probability = models.FloatField(null=True, blank=True)
    final_rank = models.PositiveIntegerField()
    # The best window (evidence sentences) as character offsets into text; null when windows were not scored.
    evidence_start = models.PositiveIntegerField(null=True, blank=True)
    evidence_end = models.PositiveIntegerField(null=True, blank=True)
    page = models.PositiveIntegerField(null=True, blank=True)  # where its evidence stands (empty: before this was kept)

    class Meta:
        ordering = ["answer", "number"]
        constraints = [models.UniqueConstraint(fields=["answer", "number"], name="answer_passage_number_unique")]

    def __str__(self) -> str:
        return f"[{self.number}] {self.title}"


class Feedback(models.Model):
    class Rating(models.IntegerChoices):
        UP = 1, "Helpful"
        DOWN = -1, "Not helpful"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.SmallIntegerField(choices=Rating.choices)
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["answer", "user"], name="feedback_one_vote_per_user")]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} on {self.answer_id}"


class PassageMark(models.Model):
    """A logged-in user's judgement of one source shown with an answer: relevant to the question or not.

    The strongest label the reranker can learn from (tuning/training_set.py); one per user and passage, changeable.
    """

    passage = models.ForeignKey(AnswerPassage, on_delete=models.CASCADE, related_name="marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    relevant = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["passage", "user"], name="passage_mark_one_per_user")]

    def __str__(self) -> str:
        return f"{'relevant' if self.relevant else 'not relevant'}: {self.passage}"


class ApiToken(models.Model):
    """A bearer token for scripts using the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    key_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"
