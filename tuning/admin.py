"""Admin: the history of reranker versions with their figures, one-click activation and rollback."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from retrieval.models import RerankerVersion
from tuning.forms import TrainForm
from tuning.services import version_training_start
from tuning.training import TrainSettings
from tuning.versions import version_activate, version_rollback


@admin.register(RerankerVersion)
class RerankerVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "progress", "base", "heldout_ndcg", "verdict", "created_at", "activated_at")
    list_filter = ("status", "base")
    readonly_fields = [f.name for f in RerankerVersion._meta.fields]
    actions = ["activate", "roll_back"]

    @admin.display(description="Progress")
    def progress(self, obj: RerankerVersion) -> str:
        if obj.status == RerankerVersion.Status.TRAINING:
            return f"{obj.steps_done} / {obj.steps_total} steps" if obj.steps_total else "starting"
        return obj.error[:200]

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

    def get_urls(self) -> list[URLPattern]:
        train = path("train/", self.admin_site.admin_view(self.train_view), name="retrieval_rerankerversion_train")
        return [train, *super().get_urls()]

    def train_view(self, request: HttpRequest) -> HttpResponse:
        """Start a training run from the feedback; it runs on a worker and its progress shows in the list."""
        form = TrainForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            fields = ("epochs", "learning_rate", "negatives", "freeze_layers", "dropout")
            options = TrainSettings(**{name: data[name] for name in fields})
            version = version_training_start(base=data["base"], options=options, margin=data["margin"])
            self.message_user(request, f"Training {version.name} started; its progress shows below.")
            return HttpResponseRedirect(reverse("admin:retrieval_rerankerversion_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Train a reranker version"}
        return render(request, "admin/tuning/train.html", context)
