"""Admin: the history of reranker versions with their figures, one-click activation and rollback."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from retrieval.models import RerankerVersion
from tuning.services import version_activate, version_rollback


@admin.register(RerankerVersion)
class RerankerVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "base", "heldout_ndcg", "verdict", "created_at", "activated_at")
    list_filter = ("status", "base")
    readonly_fields = [f.name for f in RerankerVersion._meta.fields]
    actions = ["activate", "roll_back"]

    @admin.display(description="nDCG@10 held out (this / against)")
    def heldout_ndcg(self, obj: RerankerVersion) -> str:
        metrics = obj.metrics or {}
        if "candidate" not in metrics:
            return "not judged"
        return f"{metrics['candidate']['ndcg@10']:.4f} / {metrics['active']['ndcg@10']:.4f} ({metrics['against']})"

    @admin.action(description="Activate the selected version (serves within seconds)")
    def activate(self, request: HttpRequest, queryset: QuerySet[RerankerVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        version = queryset.get()
        version_activate(version=version)
        self.message_user(request, f"{version.name} is now active.", messages.SUCCESS)

    @admin.action(description="Roll back to the version active before the current one")
    def roll_back(self, request: HttpRequest, queryset: QuerySet[RerankerVersion]) -> None:
        now = version_rollback()
        self.message_user(request, f"Now serving: {now.name if now else 'the shipped model'}.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
