"""Reading an untrusted file in a child process that a wall-clock and a memory limit can really stop.

Parsers of PDF, DOCX and HTML can be driven into hours of work or gigabytes of memory by a hostile file, and
Celery's own time limits do nothing in the solo pool. So the parsing runs in a fresh Python process
(`python -m ingestion.sandbox`) that limits its own address space (RLIMIT_AS) before it reads the file, and is
killed, with the OCR program it may be running, at EXTRACT_TIME_LIMIT_SECONDS (plus OCR_TIME_LIMIT_SECONDS once it
reports pages to read by OCR). Plain text is read in-process: decoding and normalising are linear in its
size.
The request goes to the child as JSON on stdin, the answer comes back as JSON on stdout.
"""

import base64
import contextlib
import ctypes
import json
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from ingestion.extraction import IMAGES, PDF, TEXT, Extracted, ExtractionError
from ingestion.formats import extract
from ingestion.ocr import OnPage

ROOT = Path(__file__).resolve().parent.parent
# The settings the readers use, sent along so the child obeys the parent's values.
_READER_SETTINGS = (
    "PDF_MAX_PAGES",
    "DOCX_MAX_UNCOMPRESSED_BYTES",
    "EXTRACT_MAX_CHARS",
    "OCR_LANGUAGES",
    "OCR_DPI",
    "OCR_PAGE_MIN_CHARS",
    "OCR_PAGE_TIMEOUT_SECONDS",
    "OCR_TIME_LIMIT_SECONDS",
)
# The first word of the reader's progress lines on stderr: "progress <pages read> <pages to read>".
_PROGRESS = b"progress"


def extract_bounded(data: bytes, content_type: str, filename: str = "", on_page: OnPage | None = None) -> Extracted:
    """extract(), with the parsing of anything but plain text bounded in time and memory; on_page hears the
    reader's OCR progress (pages read, pages to read), in this thread."""
    if content_type == TEXT:
        return extract(data, content_type, filename)
    seconds, megabytes = settings.EXTRACT_TIME_LIMIT_SECONDS, settings.EXTRACT_MEMORY_LIMIT_MB
    # OCR keeps to its own limit, granted on top only once the reader says it has pages to read by OCR: a text
    # PDF that is slow to parse is stopped as soon as before.
    ocr_seconds = settings.OCR_TIME_LIMIT_SECONDS if content_type in (PDF, *IMAGES) else 0.0
    request = {
        "data": base64.b64encode(data).decode("ascii"),
        "content_type": content_type,
        "filename": filename,
        "settings": {name: getattr(settings, name) for name in _READER_SETTINGS},
        "megabytes": megabytes,
        "seconds": seconds + ocr_seconds,
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "ingestion.sandbox"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # its progress lines
        # Its own session: a Ctrl-C meant for the worker must not kill a read half-way and fail the document.
        start_new_session=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "ragsite.settings")},
    )
    try:
        out = _talk(child, json.dumps(request).encode(), seconds, ocr_seconds, on_page)
    except subprocess.TimeoutExpired as exc:
        os.killpg(child.pid, signal.SIGKILL)  # its own session: the reader and the tesseract it runs
        child.wait()
        limits = "EXTRACT_TIME_LIMIT_SECONDS" + (" + OCR_TIME_LIMIT_SECONDS" if exc.timeout > seconds else "")
        raise ExtractionError(
            f"Reading the file took longer than {exc.timeout:g} s ({limits}) and was stopped: "
            "it may be damaged or built to be slow to read."
        ) from None
    return _answer(out, child.returncode, megabytes)


def _talk(
    child: subprocess.Popen[bytes], request: bytes, seconds: float, ocr_seconds: float, on_page: OnPage | None
) -> bytes:
    """Send the request and collect the answer within `seconds` (plus `ocr_seconds` from the reader's first OCR
    progress line), passing on the progress lines it writes meanwhile (threads drain both pipes, so neither side
    ever blocks on a full one)."""
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    deadline, granted = time.monotonic() + seconds, seconds
    answer = bytearray()
    lines: queue.Queue[bytes] = queue.Queue()
    stdout, stderr = child.stdout, child.stderr
    reader = threading.Thread(target=lambda: answer.extend(stdout.read()), daemon=True)
    reader.start()
    threading.Thread(target=_lines_into, args=(stderr, lines), daemon=True).start()
    with contextlib.suppress(BrokenPipeError):  # a reader that died at once: its exit code says why
        child.stdin.write(request)
        child.stdin.close()
    while child.poll() is None or not lines.empty():
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(child.args, granted)
        with contextlib.suppress(queue.Empty):
            words = lines.get(timeout=0.2).split()
            if len(words) != 3 or words[0] != _PROGRESS:
                continue
            if granted == seconds:  # OCR begins
                deadline, granted = deadline + ocr_seconds, granted + ocr_seconds
            if on_page is not None:
                on_page(int(words[1]), int(words[2]))
    reader.join(timeout=max(deadline - time.monotonic(), 1.0))  # the answer's last bytes, after the exit
    return bytes(answer)


def _lines_into(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    for line in stream:
        lines.put(line)


def _answer(out: bytes, returncode: int, megabytes: int) -> Extracted:
    answer: dict[str, Any]
    try:
        answer = json.loads(out) if out else {"kind": "died"}
    except ValueError:
        answer = {"kind": "died"}
    kind = answer.get("kind")
    if kind == "ok":
        ocr = tuple(answer["ocr_pages"])
        return Extracted(answer["pages"], answer["title"], answer["paged"], ocr, answer["ocr_confidence"])
    if kind == "refused":
        raise ExtractionError(answer["reason"])
    if kind == "memory" or returncode in (-9, 137):
        raise ExtractionError(
            f"Reading the file needed more than {megabytes} MB of memory (EXTRACT_MEMORY_LIMIT_MB) and was "
            "stopped: it may be damaged or built to expand."
        )
    detail = answer.get("reason") or f"the reader stopped with exit code {returncode}"
    raise ExtractionError(f"The file could not be read ({detail}); it may be damaged.")


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); elsewhere the alarm."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the line above
        os._exit(1)


def _serve(request: dict[str, Any]) -> dict[str, Any]:
    # The limit is set here, in the child, before the untrusted bytes are touched (a preexec_fn in the parent
    # is unsafe in a process with threads, as a worker with its models loaded has).
    limit = int(request["megabytes"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # And its own clock, and death with its worker: if the worker is killed before it can kill this child (a
    # Ctrl-C on make run), the child still ends.
    signal.alarm(int(request["seconds"]) + 5)
    _die_with_parent()
    for name, value in request["settings"].items():
        setattr(settings, name, value)
    try:
        data, content_type = base64.b64decode(request["data"]), request["content_type"]
        extracted = extract(data, content_type, request["filename"], _report_page)
    except ExtractionError as exc:
        return {"kind": "refused", "reason": str(exc)}
    except MemoryError:
        return {"kind": "memory"}
    except RecursionError:
        return {"kind": "refused", "reason": "The file is nested too deeply to read."}
    except Exception as exc:  # noqa: BLE001  (a parser's own fault on a malformed file)
        # C parsers (libxml2) report running out of memory as a parse error of their own: judge by the peak.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if peak > limit // 2:
            return {"kind": "memory"}
        return {"kind": "error", "reason": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return {"kind": "ok", **asdict(extracted)}


def _report_page(done: int, total: int) -> None:
    sys.stderr.write(f"{_PROGRESS.decode()} {done} {total}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    answer = _serve(json.loads(sys.stdin.buffer.read()))
    try:
        sys.stdout.write(json.dumps(answer))
    except MemoryError:
        sys.stdout.write('{"kind": "memory"}')
