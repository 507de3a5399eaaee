from typing import Any

from django import forms
from django.conf import settings

from ingestion.models import TEXT_SEARCH_LANGUAGES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes one or many files (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.html,.htm,.md,.markdown,.txt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    documents = MultipleFileField(
        label="Files",
        help_text="PDF, DOCX, HTML, Markdown or plain text; one or many at once. "
        f"At most {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB each.",
    )
    language = forms.ChoiceField(
        choices=TEXT_SEARCH_LANGUAGES,
        initial=settings.DEFAULT_TEXT_SEARCH_LANGUAGE,
        help_text="The language of the documents, for full-text search (stemming and stop words).",
    )
