"""Admin for documents: multi-file upload, live status and progress, re-ingest and delete actions."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from ingestion.extraction import KIND_NAMES
from ingestion.forms import MoveForm, UploadForm
from ingestion.models import Chunk, Collection, Document
from ingestion.selectors import documents_active, ocr_summary
from ingestion.services import document_create, document_delete, document_reingest, documents_move, human_size
from retrieval.selectors import coverage_in_use


class ChunkInline(admin.TabularInline):
    model = Chunk
    fields = ("ordinal", "page_start", "page_end", "token_count", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    max_num = 0


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "collection", "status_badge", "progress", "short_error", "kind", "size",
                    "page_count", "ocr", "uploaded_by", "created_at")  # fmt: skip
    list_filter = ("collection", "status", "content_type", "language")
    search_fields = ("title", "original_name", "external_id", "sha256")
    actions = ["reingest_selected", "move_selected", "delete_selected_documents"]
    readonly_fields = ("collection", "original_name", "original_file", "sha256", "content_type", "size_bytes",
                       "status", "error", "chunks_done", "chunks_total", "page_count", "ocr", "attempts", "uploaded_by",
                       "external_id", "created_at", "updated_at", "started_at", "finished_at")  # fmt: skip
    fields = ("title", "language", *readonly_fields)
    inlines = [ChunkInline]
    change_list_template = "admin/ingestion/document/change_list.html"

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # ours also removes the stored files
        return actions

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Document) -> str:
        return format_html('<span class="doc-status doc-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Progress")
    def progress(self, obj: Document) -> str:
        if obj.status == Document.Status.PROCESSING:
            unit = "pages" if obj.phase == Document.Phase.OCR else "chunks"
            counted = f": {obj.chunks_done} / {obj.chunks_total} {unit}" if obj.chunks_total else ""
            return f"{obj.get_phase_display() or 'Starting'}{counted}"
        if obj.status != Document.Status.READY:
            return ""
        return f"{obj.chunks_total} chunk{'' if obj.chunks_total == 1 else 's'}"

    @admin.display(description="Type", ordering="content_type")
    def kind(self, obj: Document) -> str:
        return KIND_NAMES.get(obj.content_type, obj.content_type)

    @admin.display(description="File")
    def original_file(self, obj: Document) -> str:
        """The file through the page that serves documents (with its type and access rules); the storage's own
        URL under MEDIA_URL is not served."""
        if not obj.pk or not obj.file:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("answers:document-file", args=[obj.pk]), obj.original_name)

    @admin.display(description="OCR")
    def ocr(self, obj: Document) -> str:
        said, low = ocr_summary(obj)
        return format_html('<span class="doc-ocr-low">{}</span>', said) if low else said

    @admin.display(description="Reason")
    def short_error(self, obj: Document) -> str:
        return obj.error[:200]

    @admin.display(description="Size", ordering="size_bytes")
    def size(self, obj: Document) -> str:
        return human_size(obj.size_bytes)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Adding a document means uploading files: one Document per file."""
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            for upload in form.cleaned_data["documents"]:
                outcome = document_create(
                    name=upload.name,
                    stream=upload,
                    size=upload.size,
                    uploaded_by=request.user,
                    language=form.cleaned_data["language"],
                    collection=form.cleaned_data["collection"],
                )
                level = messages.SUCCESS if outcome.created and outcome.queued is not False else messages.WARNING
                messages.add_message(request, level, outcome.message)
            return HttpResponseRedirect(reverse("admin:ingestion_document_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": "Upload documents"}  # fmt: skip
        return render(request, "admin/ingestion/document/upload.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "refresh_seconds": 3 if documents_active().exists() else 0}
        return super().changelist_view(request, extra_context)

    @admin.action(description="Re-ingest selected documents")
    def reingest_selected(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            document_reingest(document=document)
        self.message_user(request, f"{queryset.count()} document(s) queued for ingestion again.")

    @admin.action(description="Move selected documents to another collection")
    def move_selected(self, request: HttpRequest, queryset: QuerySet[Document]) -> HttpResponse | None:
        """A second step asks where to; the chunks move with their documents (one statement, see the migration)."""
        form = MoveForm(request.POST if "collection" in request.POST else None)
        if form.is_valid():
            moved = documents_move(documents=queryset, collection=form.cleaned_data["collection"])
            self.message_user(request, f"{moved} document(s) moved to {form.cleaned_data['collection']}.")
            return None
        context = {**self.admin_site.each_context(request), "form": form, "documents": queryset,
                   "opts": self.model._meta, "title": "Move documents"}  # fmt: skip
        return render(request, "admin/ingestion/document/move.html", context)

    @admin.action(description="Delete selected documents (with their chunks and files)")
    def delete_selected_documents(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        count = 0
        for document in queryset:
            document_delete(document=document)
            count += 1
        self.message_user(request, f"{count} document(s) deleted.")

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        document_delete(document=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            document_delete(document=document)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "access", "is_default", "document_count", "refusal_decision")
    list_filter = ("access",)
    search_fields = ("name",)
    filter_horizontal = ("groups", "users")
    fields = ("name", "description", "access", "groups", "users")

    @admin.display(description="Documents")
    def document_count(self, obj: Collection) -> int:
        return obj.documents.count()

    @admin.display(description="Refusal decision")
    def refusal_decision(self, obj: Collection) -> str:
        """Which calibration decides "not covered" for this collection (calibrate_reranker --collection refits it)."""
        return coverage_in_use(obj.pk)

    def has_delete_permission(self, request: HttpRequest, obj: Collection | None = None) -> bool:
        """The default collection stays (uploads without a choice go there); others only when empty (PROTECT)."""
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_default)
