"""Two test processes (pytest -n 2) share the servers but never a queue, a cache or an upload folder."""

import os
from pathlib import Path

from ragsite.pytest_services import share_apart


def test_each_test_process_gets_its_own_redis_database_and_upload_folder(monkeypatch, tmp_path: Path) -> None:
    seen = []
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/0")
        monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))  # restored after the test, as REDIS_URL
        share_apart(worker, tmp_path / f"media-{worker}")
        seen.append((os.environ["REDIS_URL"], os.environ["MEDIA_ROOT"]))
    assert seen == [
        ("redis://127.0.0.1:6390/1", str(tmp_path / "media-gw0")),
        ("redis://127.0.0.1:6390/2", str(tmp_path / "media-gw1")),
    ]
