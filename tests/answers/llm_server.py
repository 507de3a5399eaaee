"""A real HTTP server on 127.0.0.1 speaking OpenAI chat completions (streaming included), for the tests.

Each request takes the next behaviour from `script` (or `default` when it is empty) and is recorded.
"""

import json
import math
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeLLM:
    def __init__(self, reply: str = "The answer is in the handbook [1].") -> None:
        self.reply = reply
        self.script: deque[str] = deque()
        self.default = "ok"
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0  # seconds between streamed pieces
        self.yes = 0.8  # the "judge" behaviour's probability of "yes" (the rest goes to "no")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> "FakeLLM":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                behaviour = fake.script.popleft() if fake.script else fake.default
                getattr(self, "_" + behaviour)(body)

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _status_429(self, body: dict[str, Any]) -> None:
                self._json(429, {"error": {"message": "slow down", "type": "rate_limit"}})

            def _status_500(self, body: dict[str, Any]) -> None:
                self._json(500, {"error": {"message": "boom", "type": "server_error"}})

            def _slow(self, body: dict[str, Any]) -> None:
                time.sleep(5)
                self._ok(body)

            def _chunk(self, content: str | None, finish: str | None = None) -> bytes:
                delta = {"content": content} if content is not None else {}
                payload = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "fake-llm",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                return b"data: " + json.dumps(payload).encode() + b"\n\n"

            def _start_stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()

            def _ok(self, body: dict[str, Any]) -> None:
                words = fake.reply.split(" ")
                if not body.get("stream"):
                    self._json(
                        200,
                        {
                            "id": "c1",
                            "object": "chat.completion",
                            "created": 0,
                            "model": "fake-llm",
                            "choices": [
                                {
                                    "index": 0,
                                    "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": fake.reply},
                                }
                            ],
                            "usage": {
                                "prompt_tokens": 10,
                                "completion_tokens": len(words),
                                "total_tokens": 10 + len(words),
                            },
                        },
                    )
                    return
                self._start_stream()
                for i, word in enumerate(words):
                    self.wfile.write(self._chunk(word if i == 0 else " " + word))
                    self.wfile.flush()
                    time.sleep(fake.delay)
                self.wfile.write(self._chunk(None, "stop"))
                usage = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "fake-llm",
                    "choices": [],
                    "usage": {"prompt_tokens": 321, "completion_tokens": len(words), "total_tokens": 321 + len(words)},
                }
                self.wfile.write(b"data: " + json.dumps(usage).encode() + b"\n\n")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _judge(self, body: dict[str, Any]) -> None:
                """One token with its top candidates' log probabilities, as llama.cpp and OpenAI send them."""
                tops = [("Yes", fake.yes * 0.9), (" yes", fake.yes * 0.1), ("No", 1 - fake.yes)]
                logprobs = [{"token": t, "logprob": math.log(max(p, 1e-9)), "bytes": None} for t, p in tops]
                first = {**logprobs[0], "top_logprobs": logprobs}
                self._json(200, {
                    "id": "c1", "object": "chat.completion", "created": 0, "model": "fake-llm",
                    "choices": [{"index": 0, "finish_reason": "length", "logprobs": {"content": [first]},
                                 "message": {"role": "assistant", "content": first["token"]}}],
                })  # fmt: skip

            def _cut(self, body: dict[str, Any]) -> None:
                self._start_stream()
                self.wfile.write(self._chunk("Partial answer"))
                self.wfile.flush()
                self.close_connection = True  # closed before finish_reason and [DONE]

            def _malformed(self, body: dict[str, Any]) -> None:
                self._start_stream()
                self.wfile.write(b"data: {this is not json\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler
