"""pytest plugin: start the embedded PostgreSQL and Redis before pytest-django reads the settings.

Loaded with `-p ragsite.pytest_services` (see pyproject.toml). With DATABASE_URL and REDIS_URL set it
starts nothing and the tests use those servers.
"""

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from ragsite.localservices import BASE_DIR, ensure_services


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    # The tests' LLM is the HTTP test server; processes they start (make run, localservices) start no model.
    os.environ.setdefault("LOCAL_LLM", "off")
    ensure_services(prefix="test-")
    # Uploaded files of the tests go to a folder of their own, emptied at each run; worker processes
    # started by the tests inherit it.
    media = Path(os.environ.setdefault("MEDIA_ROOT", str(BASE_DIR / "var" / "test-media")))
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... in the processes of `pytest -n N`
    if worker:
        media = media.with_name(f"{media.name}-{worker}")
        share_apart(worker, media)
    shutil.rmtree(media, ignore_errors=True)


def share_apart(worker: str, media: Path) -> None:
    """Each test process of `pytest -n N` has its own test database (pytest-django names it after the worker);
    here it gets its own Redis database (Celery's queue and broadcasts, the cache) and upload folder, so that a
    Celery worker one of them starts never takes the other's tasks and neither empties the other's files."""
    redis = urlsplit(os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = urlunsplit(redis._replace(path=f"/{int(worker.removeprefix('gw')) + 1}"))
    os.environ["MEDIA_ROOT"] = str(media)
