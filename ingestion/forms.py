from typing import Any

from django import forms
from django.conf import settings

from ingestion.models import TEXT_SEARCH_LANGUAGES, Collection


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes one or many files (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.docx,.html,.htm,.md,.markdown,.txt,.png,.jpg,.jpeg,.tif,.tiff"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        """Every uploaded file, unjudged: each one is checked on its own by document_create, so one empty or
        bad file gets its own message naming it and never refuses the rest of the batch."""
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class UploadForm(forms.Form):
    documents = MultipleFileField(
        label="Files",
        help_text="PDF, DOCX, HTML, Markdown, plain text, or scans and photos of pages (PNG, JPEG, TIFF; read by "
        "OCR); one or many at once. "
        f"At most {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB each.",
    )
    language = forms.ChoiceField(
        choices=TEXT_SEARCH_LANGUAGES,
        initial=settings.DEFAULT_TEXT_SEARCH_LANGUAGE,
        help_text="The language of the documents, for full-text search (stemming and stop words).",
    )
    collection = forms.ModelChoiceField(
        queryset=Collection.objects.all(),
        required=False,  # none chosen: the default collection, as for the API and the ingest command
        empty_label=None,  # the default collection is offered once, by its name, chosen from the start
        help_text="Who may read these documents is set on the collection; they can be moved later.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].initial = Collection.objects.filter(is_default=True).first()


class MoveForm(forms.Form):
    """The admin's "move to collection" step."""

    collection = forms.ModelChoiceField(queryset=Collection.objects.all())
