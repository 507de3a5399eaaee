"""The processes a command started, told apart from any other on the machine (another PostgreSQL beside the
tests, its autovacuum workers coming and going)."""

import contextlib
import os
import signal
from pathlib import Path


def run_processes(mark: str, folder: Path) -> dict[int, str]:
    """Processes of a run: its Python processes carry the mark in their environment; the servers they start
    (redis-server, postgres as another user) have an environment of their own but work inside its folder."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit():
                continue
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            inside = str(folder) in command or str(folder) in os.readlink(proc / "cwd")
            if inside or mark.encode() in (proc / "environ").read_bytes():
                found[int(proc.name)] = command[:120]
        except OSError:
            continue
    return found


def kill_run(mark: str, folder: Path) -> None:
    """Kill whatever of a run is still there, so that a failing test leaks nothing."""
    for pid in run_processes(mark, folder):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
