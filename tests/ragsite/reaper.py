"""Run a command as a child subreaper and report the processes it left running.

    python tests/ragsite/reaper.py COMMAND...

A server that daemonises is re-parented to the nearest subreaper when its parent exits, so every process the
command started, and only those, stays a descendant of this one: other PostgreSQL or Redis servers on the machine
(and their autovacuum workers coming and going) are never counted. Prints {"code": N, "left": [command lines]}
as the last line, then kills what was left so that a failing test does not leak servers.
"""

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def descendants(root: int) -> dict[int, str]:
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        commands[int(proc.name)] = command
    found = {}
    for pid in parents:
        ancestor = parents[pid]
        while ancestor > 1 and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor == root and commands[pid]:  # a zombie has no command line: it is gone, only not yet reaped
            found[pid] = commands[pid]
    return found


def main() -> None:
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit(f"prctl failed: {os.strerror(ctypes.get_errno())}")
    code = subprocess.run(sys.argv[1:]).returncode
    time.sleep(1)  # a server told to stop may take a moment to exit
    while True:  # reap the zombies of servers that did exit
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    left = descendants(os.getpid())
    print(json.dumps({"code": code, "left": sorted(left.values())}), flush=True)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
