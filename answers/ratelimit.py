"""A fixed-window request counter in the cache (Redis): ASK_RATE_LIMIT such as "30/m"."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PERIODS = {"s": 1, "m": 60, "h": 3600}
_UNITS = {"s": ("s", "sec", "second"), "m": ("m", "min", "minute"), "h": ("h", "hr", "hour")}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """(requests, seconds) from "30/m", "5/s", "1000/h" (or "30": per minute); None when empty (no limit).

    Raises ValueError with the reason for anything else; a system check reports it at start.
    """
    if not rate.strip():
        return None
    count, _, period = rate.partition("/")
    unit = period.strip().lower() or "m"
    if not count.strip().isdigit() or int(count) < 1 or unit[:1] not in _PERIODS or unit not in _UNITS[unit[:1]]:
        raise ValueError(f"{rate!r} is not a rate like 30/m (requests per s, m or h), or empty for no limit")
    return int(count), _PERIODS[unit[:1]]


def rate_key(request: HttpRequest) -> str:
    """Who is asking: the user, or the address when anonymous."""
    return f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{request.META.get('REMOTE_ADDR')}"


def over_limit(key: str) -> bool:
    """Count one request for key; True when it is over the limit for the current window."""
    rate = parse_rate(settings.ASK_RATE_LIMIT)
    if rate is None:
        return False
    limit, seconds = rate
    bucket = f"ratelimit:ask:{key}:{int(time.time() // seconds)}"
    try:
        cache.add(bucket, 0, timeout=seconds + 1)
        return int(cache.incr(bucket)) > limit
    except Exception:  # noqa: BLE001  (the cache is down: the limiter must not block questions)
        return False
