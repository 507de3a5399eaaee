"""Admin for answers, feedback (the fine-tuning data) and API tokens."""

import hashlib
import secrets
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from answers.models import Answer, AnswerPassage, ApiToken, Feedback, PassageMark


class PassageInline(admin.TabularInline):
    model = AnswerPassage
    fields = (
        "number",
        "given",
        "title",
        "page_start",
        "final_rank",
        "probability",
        "logit",
        "dense_rank",
        "text_rank",
        "text",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("question", "user", "status", "mode", "model", "created_at")
    list_filter = ("status", "mode", "created_at")
    search_fields = ("question", "answer")
    readonly_fields = [*(f.name for f in Answer._meta.fields), "collections"]
    inlines = [PassageInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PassageMark)
class PassageMarkAdmin(admin.ModelAdmin):
    """Users' marks on sources: the strongest labels for fine-tuning the reranker."""

    list_display = ("question", "source", "relevant", "user", "updated_at")
    list_filter = ("relevant", "updated_at", "user")
    search_fields = ("passage__answer__question", "passage__title", "passage__text")
    readonly_fields = ("passage", "user", "relevant", "created_at", "updated_at")
    list_select_related = ("passage__answer", "user")

    @admin.display(description="Question")
    def question(self, obj: PassageMark) -> str:
        url = reverse("admin:answers_answer_change", args=[obj.passage.answer_id])
        return format_html('<a href="{}">{}</a>', url, obj.passage.answer.question[:100])

    @admin.display(description="Source")
    def source(self, obj: PassageMark) -> str:
        return f"[{obj.passage.number}] {obj.passage.title}: {obj.passage.text[:120]}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("answer_link", "rating", "user", "comment", "updated_at")
    list_filter = ("rating", "updated_at", "user")
    search_fields = ("answer__question", "comment")
    readonly_fields = ("answer", "user", "rating", "comment", "created_at", "updated_at")

    @admin.display(description="Answer")
    def answer_link(self, obj: Feedback) -> str:
        url = reverse("admin:answers_answer_change", args=[obj.answer_id])
        return format_html('<a href="{}">{}</a>', url, obj.answer.question[:100])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at")
    fields = ("name", "user")

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            key = secrets.token_urlsafe(32)
            obj.key_sha256 = hashlib.sha256(key.encode()).hexdigest()
            messages.warning(request, f"The token is {key} — copy it now; it is not shown again.")
        super().save_model(request, obj, form, change)
