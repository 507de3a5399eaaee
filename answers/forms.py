from typing import Any

from django import forms
from django.conf import settings

from ingestion.selectors import Asker, collections_readable


class AskForm(forms.Form):
    question = forms.CharField(
        max_length=settings.QUESTION_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Ask a question about your documents"}),
        error_messages={
            "required": "The question is empty. Please type a question.",
            "max_length": (
                f"Questions are limited to {settings.QUESTION_MAX_CHARS} characters; this one is longer than that."
            ),
        },
    )
    collections = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Search in",
        help_text="None ticked: every collection you may read.",
        # The same words for a collection that does not exist and one the asker may not read: nothing leaks.
        error_messages={"invalid_choice": "%(value)s is not a collection you can search."},
    )

    # The conversation this question continues (empty: a new one); the view checks it is the asker's.
    conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Asker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["collections"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(c.pk, c.name) for c in collections_readable(user=user)]

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(choices=[("1", "up"), ("-1", "down")], coerce=int)
    comment = forms.CharField(required=False, max_length=2000, strip=True)


class PassageMarkForm(forms.Form):
    """relevant: "1" relevant, "0" not relevant, "" takes the mark back."""

    relevant = forms.TypedChoiceField(
        choices=[("1", "relevant"), ("0", "not relevant"), ("", "no mark")],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
