"""The LLM behind a small interface: an OpenAI-compatible chat-completions server reached with `openai`.

Retries happen only before the first token: once text has reached the user a retry would repeat it.
"""

import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger(__name__)


class LLMError(Exception):
    """The model could not answer; str() is shown to the user next to the sources."""


@dataclass
class StreamStats:
    model: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    attempts: int = 0
    finish_reason: str | None = None
    errors: list[str] = field(default_factory=list)


def llm_configured() -> bool:
    return bool(settings.LLM_BASE_URL)


def llm_judges() -> bool:
    """Whether the model is asked first if the sources answer (LLM_JUDGE_MIN_YES set, with a model configured)."""
    return llm_configured() and settings.LLM_JUDGE_MIN_YES > 0


@functools.cache
def _client() -> object:
    from openai import OpenAI

    return OpenAI(
        base_url=settings.LLM_BASE_URL,
        api_key=settings.LLM_API_KEY or "not-needed",
        timeout=settings.LLM_TIMEOUT_SECONDS,
        max_retries=0,  # ours below, only before the first token
    )


def _retryable(exc: Exception) -> bool:
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError | openai.APITimeoutError)


def _describe(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "the language model did not answer in time"
    if isinstance(exc, openai.APIConnectionError):
        return "the language model server could not be reached"
    if isinstance(exc, openai.RateLimitError):
        return "the language model server is busy (rate limited)"
    if isinstance(exc, openai.APIStatusError):
        return f"the language model server returned an error ({exc.status_code})"
    return f"the language model's reply could not be read ({type(exc).__name__})"


def complete_once(messages: list[dict[str, str]], *, max_tokens: int, timeout: float) -> str:
    """One short reply at temperature 0, not streamed, with its own timeout and no retries (callers fall back);
    LLMError when there is none."""
    try:
        reply = _client().chat.completions.create(  # type: ignore[attr-defined]
            model=settings.LLM_MODEL or "default", messages=messages, max_tokens=max_tokens, temperature=0,
            timeout=timeout,
        )  # fmt: skip
        return str(reply.choices[0].message.content or "")
    except Exception as exc:
        logger.warning("short LLM call failed: %s", exc)
        raise LLMError(_describe(exc)) from exc


def yes_probability(messages: list[dict[str, str]]) -> float:
    """P(yes) / (P(yes) + P(no)) over the first token's most likely candidates, read from the server's
    token probabilities (one token generated); LLMError when the server gives none or cannot be reached."""
    import math

    try:
        reply = _client().chat.completions.create(  # type: ignore[attr-defined]
            model=settings.LLM_MODEL or "default", messages=messages, max_tokens=1, temperature=0,
            logprobs=True, top_logprobs=10,
        )  # fmt: skip
        first = reply.choices[0].logprobs.content[0].top_logprobs
    except Exception as exc:  # no logprobs in the reply (None, or empty) is as unusable as no reply
        logger.warning("yes/no judgement failed: %s", exc)
        raise LLMError(_describe(exc)) from exc
    yes = sum(math.exp(t.logprob) for t in first if t.token.strip().lower() == "yes")
    no = sum(math.exp(t.logprob) for t in first if t.token.strip().lower() == "no")
    if yes + no == 0:
        raise LLMError("the language model answered the yes/no question with neither")
    return yes / (yes + no)


def stream_chat(messages: list[dict[str, str]], stats: StreamStats) -> Iterator[str]:
    """Yield the answer's text as it arrives; raise LLMError (with a user-facing reason) when it cannot."""
    client = _client()
    started_output = False
    for attempt in range(settings.LLM_MAX_RETRIES + 1):
        stats.attempts = attempt + 1
        try:
            stream = client.chat.completions.create(  # type: ignore[attr-defined]
                model=settings.LLM_MODEL or "default",
                messages=messages,
                max_tokens=settings.LLM_MAX_TOKENS,
                temperature=settings.LLM_TEMPERATURE,
                stream=True,
                stream_options={"include_usage": True},
            )
            try:
                for chunk in stream:
                    stats.model = chunk.model or stats.model
                    if chunk.usage is not None:
                        stats.prompt_tokens = chunk.usage.prompt_tokens
                        stats.completion_tokens = chunk.usage.completion_tokens
                    for choice in chunk.choices or []:
                        stats.finish_reason = choice.finish_reason or stats.finish_reason
                        text = choice.delta.content if choice.delta else None
                        if text:
                            started_output = True
                            yield text
            finally:
                stream.close()  # also when the reader stopped early: the server stops generating
            if stats.finish_reason is None:
                raise LLMError("the language model's answer was cut off before it finished")
            return
        except LLMError:
            raise
        except Exception as exc:  # openai, httpx and JSON errors alike end here
            stats.errors.append(f"{type(exc).__name__}: {exc}"[:500])
            logger.warning("LLM call failed (attempt %d): %s", attempt + 1, exc)
            if started_output or not _retryable(exc) or attempt == settings.LLM_MAX_RETRIES:
                raise LLMError(_describe(exc)) from exc
            time.sleep(settings.LLM_RETRY_BACKOFF_SECONDS * 2**attempt)
