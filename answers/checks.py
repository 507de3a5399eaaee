"""System checks for the answer settings: the LLM and the rate limit, each mistake named at start."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from answers.ratelimit import parse_rate
from retrieval.checks import range_errors

RANGES: list[tuple[str, float | None, float | None]] = [
    ("LLM_TIMEOUT_SECONDS", 0.1, None), ("LLM_MAX_TOKENS", 1, None), ("LLM_TEMPERATURE", 0, 2),
    ("LLM_MAX_RETRIES", 0, 20), ("LLM_RETRY_BACKOFF_SECONDS", 0, None), ("QUESTION_MAX_CHARS", 1, None),
    ("LLM_JUDGE_MIN_YES", 0, 1), ("LLM_REWRITE_TIMEOUT_SECONDS", 0.1, None),
    ("LLM_HISTORY_TOKENS", 0, None), ("LLM_JUDGE_MIN_SCORE", 0, 1),
]  # fmt: skip


@register()
def check_answer_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors = range_errors(RANGES, "answers")
    if settings.LLM_BASE_URL and not settings.LLM_MODEL:
        errors.append(
            Error(
                "LLM_BASE_URL is set but LLM_MODEL is empty: name the model the server should run.",
                id="answers.E001",
            )
        )
    if settings.LLM_BASE_URL and not settings.LLM_BASE_URL.startswith(("http://", "https://")):
        errors.append(Error(f"LLM_BASE_URL must start with http:// or https://, not {settings.LLM_BASE_URL!r}.",
                            id="answers.E002"))  # fmt: skip
    if settings.LLM_SOURCE_TEXT not in ("passage", "evidence"):
        errors.append(Error(f"LLM_SOURCE_TEXT must be 'passage' or 'evidence', not {settings.LLM_SOURCE_TEXT!r}.",
                            id="answers.E004"))  # fmt: skip
    try:
        parse_rate(settings.ASK_RATE_LIMIT)
    except ValueError as exc:
        errors.append(Error(f"ASK_RATE_LIMIT: {exc}.", id="answers.E003"))
    return errors
