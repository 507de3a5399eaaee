"""A load run on 127.0.0.1: N simultaneous askers for S seconds against gunicorn, with the test LLM server.

    .venv/bin/python -m ragsite.localservices -- .venv/bin/python benchmarks/load_ask.py --users 10 --seconds 60

Starts the test LLM server (tests/answers/llm_server.py) and gunicorn (2 workers x 8 threads) on free loopback
ports, makes an API token, and has each asker post demo questions to /api/ask until the time is up. Every request
goes to 127.0.0.1 only; the loop is bounded in time. Prints questions served, errors, latency percentiles and
writes benchmarks/results/load_ask.json.
"""

import argparse
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from answers.models import ApiToken
    from demo.questions import ANSWERABLE as QUESTIONS
    from ingestion.models import Document
    from retrieval.metrics import percentile
    from tests.answers.llm_server import FakeLLM

    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    if not Document.objects.filter(original_name="employee-handbook.pdf").exists():
        call_command("ingest", str(ROOT / "demo" / "documents"))
    user, _ = get_user_model().objects.get_or_create(username="loadtest")
    key = secrets.token_urlsafe(24)
    ApiToken.objects.create(user=user, name="load run", key_sha256=hashlib.sha256(key.encode()).hexdigest())

    llm = FakeLLM().start()
    port = free_port()
    env = {**os.environ, "LLM_BASE_URL": llm.base_url, "LLM_MODEL": "fake-llm", "ASK_RATE_LIMIT": ""}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ragsite.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: list[tuple[float, bool, str]] = []
    lock = threading.Lock()
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        for question, _ in QUESTIONS[:2]:  # load the models in both workers before the clock starts
            ask(port, key, question)
            ask(port, key, question)
        stop_at = time.monotonic() + args.seconds

        def asker(offset: int) -> None:
            n = offset
            while time.monotonic() < stop_at:
                question = QUESTIONS[n % len(QUESTIONS)][0]
                started = time.perf_counter()
                ok, detail = ask(port, key, question)
                with lock:
                    results.append((time.perf_counter() - started, ok, detail))
                n += 1

        threads = [threading.Thread(target=asker, args=(i,)) for i in range(args.users)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        web.terminate()
        try:
            web.wait(60)  # threads finish the requests in flight first
        except subprocess.TimeoutExpired:
            web.kill()
        llm.stop()
        ApiToken.objects.filter(name="load run").delete()
    latencies = [seconds * 1000 for seconds, ok, _ in results if ok]
    errors = [detail for _, ok, detail in results if not ok]
    summary = {
        "users": args.users,
        "seconds": round(elapsed, 1),
        "questions_served": len(latencies),
        "errors": len(errors),
        "throughput_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(percentile(latencies, 50)),
        "p95_ms": round(percentile(latencies, 95)),
        "p99_ms": round(percentile(latencies, 99)),
        "error_samples": errors[:5],
    }
    for name, value in summary.items():
        print(f"{name:<18} {value}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load_ask.json").write_text(json.dumps(summary, indent=2))


def ask(port: int, key: str, question: str) -> tuple[bool, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/ask",
        data=json.dumps({"question": question}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.loads(response.read())
        return body.get("status") in ("complete", "no_context"), body.get("status", "")
    except Exception as exc:  # noqa: BLE001  (every failure counts as an error of the run)
        return False, f"{type(exc).__name__}: {exc}"[:200]


if __name__ == "__main__":
    main()
