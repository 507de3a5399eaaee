from django.apps import AppConfig


class TuningConfig(AppConfig):
    """Fine-tuning the reranker from what users mark, and promoting a version only when it measures better."""

    name = "tuning"
