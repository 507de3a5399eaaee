from django import forms
from django.conf import settings


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
