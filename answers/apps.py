from django.apps import AppConfig


class AnswersConfig(AppConfig):
    name = "answers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from answers import checks  # noqa: F401  (registers the system checks)
