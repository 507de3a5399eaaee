"""The one response that streams an answer as server-sent events, for the page and the API alike."""

from collections.abc import Iterator

from django.http import StreamingHttpResponse


def stream_response(lines: Iterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass tokens through as they come
    return response
