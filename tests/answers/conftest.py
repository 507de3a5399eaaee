from collections.abc import Iterator

import pytest

from answers import llm
from tests.answers.llm_server import FakeLLM


@pytest.fixture
def fake_llm(settings) -> Iterator[FakeLLM]:
    """The test LLM server, with the app pointed at it (and fast retries)."""
    server = FakeLLM().start()
    settings.LLM_BASE_URL = server.base_url
    settings.LLM_MODEL = "fake-llm"
    settings.LLM_RETRY_BACKOFF_SECONDS = 0.01
    settings.LLM_TIMEOUT_SECONDS = 2.0
    llm._client.cache_clear()
    yield server
    server.stop()
    llm._client.cache_clear()


@pytest.fixture
def no_llm(settings) -> None:
    settings.LLM_BASE_URL = ""
    llm._client.cache_clear()
