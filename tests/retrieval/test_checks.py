import os
import subprocess
import sys

import pytest

from answers.checks import check_answer_settings
from answers.ratelimit import parse_rate
from retrieval.checks import check_retrieval_settings
from tests.conftest import ROOT


def test_the_shipped_settings_pass_every_check() -> None:
    assert check_retrieval_settings() == [] and check_answer_settings() == []


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("RERANKER_BACKEND", "onxx", "RERANKER_BACKEND is 'onxx'"),
        ("RERANKER_MODEL", "/nowhere/model", "has no model.onnx or tokenizer.json"),
        ("EMBEDDING_MODEL", "bundled:nothing-here", None),
        ("RETRIEVAL_POOL", 0, "RETRIEVAL_POOL is 0"),
        ("RERANK_WINDOW_CHUNK_WEIGHT", 1.5, "RERANK_WINDOW_CHUNK_WEIGHT is 1.5"),
        ("RERANK_MIN_SCORE", -0.1, "RERANK_MIN_SCORE is -0.1"),
        ("CHUNK_OVERLAP_TOKENS", 500, "CHUNK_OVERLAP_TOKENS must be smaller"),
        ("INGEST_STUCK_AFTER_SECONDS", 300, "INGEST_STUCK_AFTER_SECONDS must exceed EXTRACT_TIME_LIMIT_SECONDS"),
        ("INGEST_MAX_ATTEMPTS", 0, "INGEST_MAX_ATTEMPTS is 0"),
    ],
)
def test_a_wrong_retrieval_setting_is_one_clear_line_naming_it(settings, name, value, says) -> None:
    setattr(settings, name, value)
    errors = check_retrieval_settings()
    if says is None:  # an unknown name goes to sentence-transformers as a hub name or path: allowed
        assert errors == []
        return
    assert len(errors) == 1 and says in errors[0].msg, errors


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"LLM_BASE_URL": "http://127.0.0.1:8080/v1", "LLM_MODEL": ""}, "LLM_MODEL is empty"),
        ({"LLM_BASE_URL": "127.0.0.1:8080", "LLM_MODEL": "m"}, "must start with http"),
        ({"ASK_RATE_LIMIT": "thirty per minute"}, "ASK_RATE_LIMIT"),
        ({"ASK_RATE_LIMIT": "30/fortnight"}, "ASK_RATE_LIMIT"),
        ({"LLM_TEMPERATURE": 9.0}, "LLM_TEMPERATURE is 9.0"),
    ],
)
def test_a_wrong_answer_setting_is_one_clear_line_naming_it(settings, changes, says) -> None:
    for name, value in changes.items():
        setattr(settings, name, value)
    errors = check_answer_settings()
    assert len(errors) == 1 and says in errors[0].msg, errors


@pytest.mark.parametrize(("rate", "parsed"), [("30/m", (30, 60)), ("5/s", (5, 1)), ("1000/hour", (1000, 3600)),
                                              ("12", (12, 60)), ("", None)])  # fmt: skip
def test_rates_are_read_as_requests_per_period(rate, parsed) -> None:
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize(
    ("name", "value"), [("DEBUG", "ture"), ("ALLOW_ANONYMOUS_QUESTIONS", "maybe"), ("RETRIEVAL_POOL", "fifty")]
)
def test_a_value_of_the_wrong_kind_stops_the_start_naming_the_variable(name, value) -> None:
    env = {**os.environ, name: value}
    done = subprocess.run(
        [sys.executable, "-c", "import ragsite.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert name in done.stderr.splitlines()[-1] and repr(value) in done.stderr.splitlines()[-1]


@pytest.mark.django_db
def test_an_active_version_without_its_model_files_stops_the_start_naming_it(tmp_path) -> None:
    from retrieval.checks import check_active_reranker_version
    from retrieval.models import RerankerVersion

    assert check_active_reranker_version() == []
    RerankerVersion.objects.create(name="gone", base="shipped", folder=str(tmp_path / "gone"), status="active")
    errors = check_active_reranker_version()
    assert len(errors) == 1 and "'gone'" in errors[0].msg and "roll back" in (errors[0].hint or "")
