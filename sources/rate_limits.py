"""Per-host pacing for the HTTP client: budgets, and the pauses a host asks for.

- Per-host token buckets (``Rate``), and budgets of their own for parts of a host (e.g. its
  search API), on top of the host's.
- A host that says "slow down" (429/503 ``Retry-After``, ``RateLimit-*``/``X-RateLimit-*`` with
  nothing remaining) is paused until it said, or given up for this scan when that is too far away.
- A host's API and the pictures it serves are paused apart (``pause_scope``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from watcher.errors import RateLimited


@dataclass(frozen=True)
class Rate:
    """At most ``requests`` per ``seconds`` to one host, with bursts of up to ``burst``."""

    requests: int
    seconds: float
    burst: int = 1

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"300/5m"``, ``"10/1m"``, ``"1/2s"``, ``"60/1h"``; an optional ``",burst=N"``."""
        spec, _, burst = text.partition(",")
        count, _, period = spec.strip().partition("/")
        units = {"s": 1, "m": 60, "h": 3600}
        try:
            number = float(period[:-1]) if period[-1:] in units else float(period)
            seconds = number * units.get(period[-1:], 1)
            burst_n = int(burst.split("=", 1)[1]) if burst else 1
            rate = cls(int(count), seconds, burst_n)
        except (ValueError, IndexError):
            raise ValueError(f"rate {text!r} must look like '300/5m' (requests per s, m or h)") from None
        if rate.requests < 1 or rate.seconds <= 0 or rate.burst < 1:
            raise ValueError(f"rate {text!r} must be positive")
        return rate

    @property
    def interval(self) -> float:
        return self.seconds / self.requests


@dataclass
class _Bucket:
    """A token bucket for every URL under one prefix (a whole host, or e.g. its search API)."""

    rate: Rate
    tokens: float = 0.0
    refilled_at: float | None = None  # monotonic time the bucket was last topped up

    def take(self, now: float) -> float:
        """Spend a token; returns how long to wait first (0 when one was there)."""
        if self.refilled_at is None:
            self.tokens = self.rate.burst
        else:
            self.tokens = min(self.rate.burst, self.tokens + (now - self.refilled_at) / self.rate.interval)
        self.refilled_at = now
        self.tokens -= 1
        return max(0.0, -self.tokens * self.rate.interval)


class HostPacing:
    """The budgets and pauses of one HTTP client, by URL prefix and by host.

    ``sleep`` and ``clock`` are the client's (injectable, so tests wait on a fake clock);
    a wait longer than ``max_wait`` is not waited: it raises ``RateLimited``.
    """

    def __init__(self, max_wait: float, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}  # by URL prefix
        self._paused_until: dict[str, float] = {}  # by host, monotonic
        self._sent: dict[str, list[float]] = {}  # by host, monotonic request times
        self._lock = threading.Lock()

    def limit(self, url_prefix: str, rate: Rate) -> None:
        """Limit every request whose URL starts with ``url_prefix`` (on top of the host's limit).

        The first limit set for a prefix stays: two sources on one host share its budget.
        """
        with self._lock:
            self._buckets.setdefault(url_prefix, _Bucket(rate))

    def request_times(self, url: str) -> list[float]:
        """Monotonic times of the requests sent to this URL's host (for reports and tests)."""
        return list(self._sent.get(urlsplit(url).netloc.lower(), []))

    def wait_turn(self, url: str, media: bool = False) -> None:
        """Block until this URL may be requested: the host's pause, then every matching bucket."""
        netloc = urlsplit(url).netloc.lower()
        paused = self._paused_until.get(pause_scope(netloc, media), 0.0) - self.clock()
        if paused > 0:
            if paused > self.max_wait:
                raise RateLimited(f"{netloc}: asked us to wait {paused:.0f}s; trying again next scan")
            self.sleep(paused)
        with self._lock:
            buckets = [b for prefix, b in self._buckets.items() if _under(url, prefix)]
        for bucket in buckets:
            wait = bucket.take(self.clock())
            if wait > self.max_wait:
                bucket.tokens += 1  # not spent: the request is not sent
                raise RateLimited(
                    f"{netloc}: request budget spent ({bucket.rate.requests} per {bucket.rate.seconds:.0f}s)"
                )
            if wait:
                self.sleep(wait)
        self._sent.setdefault(netloc, []).append(self.clock())

    def pause(self, netloc: str, seconds: float) -> None:
        """Ask nothing of ``netloc`` (a ``pause_scope``) for ``seconds``; a longer pause already set stays."""
        netloc = netloc.lower()
        self._paused_until[netloc] = max(self._paused_until.get(netloc, 0.0), self.clock() + seconds)

    def note_limits(self, scope: str, headers: Mapping[str, str], now: float) -> None:
        """Pause a host (its API or its pictures: see ``HttpClient.get``) whose rate-limit headers
        say nothing is left until the reset. ``now``: wall-clock time, for resets given as times."""
        for prefix in ("RateLimit-", "X-RateLimit-"):
            remaining = headers.get(prefix + "Remaining")
            reset = headers.get(prefix + "Reset")
            if remaining is None or reset is None:
                continue
            try:
                left = int(float(remaining))
            except ValueError:
                continue
            wait = _reset_wait(reset, now)
            if left <= 0 and wait is not None:
                self.pause(scope, wait)


def host_prefix(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}/"


def _under(url: str, prefix: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path or '/'}".startswith(prefix)


def pause_scope(netloc: str, media: bool) -> str:
    """What a pause applies to: a host's API and its pictures are paused apart."""
    return f"{netloc.lower()} media" if media else netloc.lower()


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta seconds or an HTTP date), if given."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _reset_wait(value: str, now: float) -> float | None:
    """Seconds until a rate-limit reset given as epoch seconds (GitHub, Bluesky),
    an ISO 8601 time (Mastodon) or delta seconds (the IETF draft)."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            return max(0.0, datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - now)
        except ValueError:
            return None
    return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)
