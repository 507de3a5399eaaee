"""pytest plugin: start the embedded PostgreSQL and Redis before pytest-django reads the settings.

Loaded with `-p ragsite.pytest_services` (see pyproject.toml). With DATABASE_URL and REDIS_URL set it
starts nothing and the tests use those servers.
"""

import os
import shutil
from pathlib import Path
from typing import Any

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
    shutil.rmtree(media, ignore_errors=True)
