"""A fixed-window request counter in the cache (Redis): ASK_RATE_LIMIT such as "30/m"."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PERIODS = {"s": 1, "m": 60, "h": 3600}


def parse_rate(rate: str) -> tuple[int, int] | None:
    if not rate.strip():
        return None
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1].lower() or "m"]


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
