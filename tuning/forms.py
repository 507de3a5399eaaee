from django import forms
from django.conf import settings

from tuning.bases import BASES
from tuning.training import TrainSettings

_DEFAULTS = TrainSettings()


class TrainForm(forms.Form):
    """Starting a training run from the admin: where to start from, the main settings, and the promotion margin."""

    base = forms.ChoiceField(choices=list(BASES.items()))
    epochs = forms.FloatField(min_value=0.01, max_value=20, initial=_DEFAULTS.epochs)
    learning_rate = forms.FloatField(min_value=1e-7, max_value=1e-2, initial=_DEFAULTS.learning_rate)
    negatives = forms.IntegerField(min_value=1, max_value=31, initial=_DEFAULTS.negatives)
    freeze_layers = forms.IntegerField(min_value=0, max_value=24, initial=6)
    # Off by default here: a step runs about twice as fast on this CPU, and on SciFact the L-12 trained without
    # it measured within noise of the run with it (docs/tuning.md).
    dropout = forms.BooleanField(required=False, initial=False, help_text="slower to train; no better measured")
    margin = forms.FloatField(min_value=-1, max_value=1, initial=settings.TUNING_PROMOTION_MARGIN,
                              help_text="nDCG@10 gain on held-out questions needed to be served")  # fmt: skip
