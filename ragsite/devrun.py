"""`make run`: services, migrations, an admin account, the demo documents, a web server and a worker.

Everything stops on Ctrl-C, SIGTERM (`kill`, which make passes on to this process) or SIGHUP (the terminal
closed) within seconds (the embedded servers with this process), even mid-document.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ragsite.localservices import BASE_DIR, ensure_services, stop_redis

VAR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
PASSWORD_FILE = VAR / "admin-password.txt"


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def admin_password() -> str:
    """A password made once and kept in var/, so it stays the same across runs."""
    if not PASSWORD_FILE.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        PASSWORD_FILE.write_text(secrets.token_urlsafe(12))
        PASSWORD_FILE.chmod(0o600)
    return PASSWORD_FILE.read_text().strip()


def ensure_admin(password: str) -> None:
    script = (
        "from django.contrib.auth import get_user_model; U = get_user_model(); "
        "u = U.objects.filter(username='admin').first() or U(username='admin', email='admin@localhost'); "
        "u.is_staff = u.is_superuser = True; p = os.environ['RAGSITE_ADMIN_PASSWORD']; "
        # Set only when it differs: a new hash would log the admin out of the browser at every restart.
        "u.check_password(p) or u.set_password(p); u.save()"
    )
    env = {**os.environ, "RAGSITE_ADMIN_PASSWORD": password}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "import os; " + script], cwd=BASE_DIR, env=env, check=True
    )


def web_env() -> dict[str, str]:
    """The development server's environment: database connections closed after each request (unless
    DB_CONN_MAX_AGE says otherwise). It serves each browser connection, kept alive, in a thread of its own, and a
    persistent database connection per such thread piled up idle (34 after ~800 requests)."""
    return {**os.environ, "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "0")}


def interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def wait_until_serving(url: str, seconds: float = 60.0) -> None:
    """Until the web server answers, so that the address and login are printed after its start-up banner."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.5)


def main() -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)  # stopped like Ctrl-C: servers, worker and web server all go
    started = ensure_services(llm=True)
    for name, url in started.items():
        if name.endswith("_URL"):
            print(f"started embedded {name.split('_')[0].lower()}: {url}")
    if "LLM_MODEL" in started:
        print(f"answers are written by the local model {started['LLM_MODEL']}")
    manage("migrate", "--noinput")
    manage("check", "--database", "default")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    password = admin_password()
    ensure_admin(password)
    manage("ingest", str(BASE_DIR / "demo" / "documents"))
    manage("requeue_unfinished")  # what an interrupted run left processing starts again now, not after the sweep
    port = os.environ.get("PORT", "8000")
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ragsite",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=INFO",
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
            cwd=BASE_DIR,
            start_new_session=True,  # Ctrl-C is handled here: the worker (and its beat) are stopped as a group
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=web_env()
        ),
    ]
    wait_until_serving(f"http://127.0.0.1:{port}/")
    time.sleep(2)  # the worker's banner, printed as it starts, comes before the lines below
    print(f"\nragsite is running at http://127.0.0.1:{port}/  (admin: http://127.0.0.1:{port}/admin/)")
    print(f"admin login: admin / {password}   (kept in {PASSWORD_FILE})")
    print("Press Ctrl-C to stop.\n")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(children)
        stop_redis()  # the embedded PostgreSQL stops with this process
    return 0


def stop(children: list[subprocess.Popen[bytes]], grace_seconds: float = 3.0) -> None:
    """Stop within seconds, even mid-document. The worker's group is killed outright: a warm shutdown waits for
    the task, and the solo pool's cold shutdown raises inside the task, which would fail the document. Killed,
    the document stays processing (its chunks are replaced atomically or not at all) and is queued again at the
    next start (requeue_unfinished); the reader child of ingestion/sandbox.py dies with its worker."""
    worker, web = children
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    if web.poll() is None:
        web.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
