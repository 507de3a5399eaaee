"""`make run` (ragsite.devrun) stops on Ctrl-C, and on SIGTERM sent to it alone (`kill`), within seconds while a
document is being read, leaves no process behind, and its next start takes that document up again until it ends
in a terminal state, with the admin still logged in."""

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from tests import hostile
from tests.conftest import ROOT
from tests.processes import kill_run, run_processes


def foreground_job() -> None:
    """In the child: a process group of its own, and SIGINT at its default, as a terminal's foreground job has
    (a test run from a background shell would otherwise pass SIGINT on ignored)."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """One `python -m ragsite.devrun`, in its own process group like a terminal's foreground job."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ragsite.devrun"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=foreground_job,
        )
        self.output = ""

    def wait_for(self, pattern: str, seconds: float) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while not (found := re.search(pattern, self.output)):
            assert time.monotonic() < deadline and self.process.poll() is None, self.output[-3000:]
            self.read(timeout=1)
        return found

    def read(self, timeout: float = 0) -> None:
        """Take what the run has printed so far. Called while waiting on anything: a pipe nobody reads fills up
        and then blocks the worker mid-document on its next log line."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as chosen:
            chosen.register(self.process.stdout, selectors.EVENT_READ)
            while chosen.select(timeout=timeout):
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    return
                self.output += chunk.decode(errors="replace")
                timeout = 0

    def ctrl_c(self) -> float:
        """Seconds from Ctrl-C (SIGINT to the whole foreground group) until the run has exited."""
        return self.stop(lambda: os.killpg(self.process.pid, signal.SIGINT))

    def kill(self) -> float:
        """Seconds from `kill` (SIGTERM to the run's own process only) until the run has exited."""
        return self.stop(self.process.terminate)

    def stop(self, send: Callable[[], None]) -> float:
        started = time.monotonic()
        send()
        self.process.communicate(timeout=60)
        return time.monotonic() - started


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def row(env: dict[str, str], sql: str, *params: str) -> tuple[Any, ...]:
    """One row read straight from the run's database: a `manage.py shell` per look cost ~2.5 s."""
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        found = connection.execute(sql, params).fetchone()
    assert found is not None, (sql, params)
    return tuple(found)


def document_state(env: dict[str, str], name: str) -> tuple[Any, ...]:
    return row(env, "SELECT status, phase, error FROM ingestion_document WHERE original_name = %s", name)


def admin_login(env: dict[str, str]) -> str:
    return str(row(env, "SELECT password FROM auth_user WHERE username = 'admin'")[0])


def services_of(run: Run, env: dict[str, str]) -> dict[str, str]:
    """The environment of a command that talks to the run's own embedded servers."""
    urls = dict(re.findall(r"started embedded (\w+): (\S+)", run.output))
    return {**env, "DATABASE_URL": urls["database"], "REDIS_URL": urls["redis"]}


@pytest.fixture
def mark(tmp_path) -> Iterator[str]:
    """A mark for the run's processes; whatever a failed test leaves behind is killed afterwards."""
    mark = uuid.uuid4().hex
    yield mark
    kill_run(mark, tmp_path)


def test_ctrl_c_on_make_run_stops_mid_document_and_the_next_start_finishes_it(tmp_path, mark: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT")}
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port), RAGSITE_RUN_MARK=mark, EXTRACT_TIME_LIMIT_SECONDS="8")
    # Reading it must outlast the 8 s limit on any machine: 10 MB took two minutes on one, 30 s on another.
    # (13 MB is about as much as one page can hold under pypdf's parsing budget; more is refused as a bomb.)
    slow, name = hostile.pdf_content_bomb(13)
    (tmp_path / name).write_bytes(slow)

    run = Run(env)
    run.wait_for(r"Press Ctrl-C to stop", 300)
    services = services_of(run, env)
    login = admin_login(services)
    manage(services, "ingest", "--queue", str(tmp_path / name))
    deadline = time.monotonic() + 120
    while (state := document_state(services, name))[:2] != ("processing", "reading"):
        assert time.monotonic() < deadline, (state, run.output[-3000:])
        run.read(timeout=0.2)
    assert run.ctrl_c() <= 10
    time.sleep(1)  # let the kernel reap what was killed
    assert run_processes(mark, tmp_path) == {}

    again = Run(env)
    again.wait_for(r"Press Ctrl-C to stop", 300)
    services = services_of(again, env)
    assert admin_login(services) == login  # same password hash: a browser's session survives the restart
    deadline = time.monotonic() + 180
    while (state := document_state(services, name))[0] not in ("failed", "ready"):
        assert time.monotonic() < deadline, (state, again.output[-3000:])
        again.read(timeout=1)
    assert "longer than 8 s" in state[2]
    assert again.kill() <= 10
    time.sleep(1)
    assert run_processes(mark, tmp_path) == {}


def test_the_development_server_closes_its_database_connection_after_each_request(monkeypatch) -> None:
    """It serves each kept-alive browser connection in a thread of its own: with persistent database connections,
    20 such browser connections held 21 idle database connections (measured); closed per request, 1."""
    from ragsite.devrun import web_env

    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    assert web_env()["DB_CONN_MAX_AGE"] == "0"
    monkeypatch.setenv("DB_CONN_MAX_AGE", "30")
    assert web_env()["DB_CONN_MAX_AGE"] == "30"  # said explicitly, it is kept
