"""The one HTTP layer every source uses: polite, bounded, and honest about "could not tell".

- One ``requests.Session``, an honest User-Agent, connect/read timeouts, TLS verified.
- Per-host token buckets (``Rate``); a host that says "slow down" (429/503 ``Retry-After``,
  ``RateLimit-*``/``X-RateLimit-*`` with nothing remaining) is paused until it said, or given up
  for this scan when that is too far away.
- Bounded retries with exponential backoff and jitter on 5xx, timeouts and refused connections.
- Bodies are read in chunks and capped while streaming; HTML pages obey robots.txt.
- The SSRF guard (``sources.connect``): a source's configured origin is trusted; every other
  connection (avatars, links, redirects elsewhere) may reach public addresses only, checked by
  the connection itself on the address it connects to. ``check_public_url`` refuses early.
- An overall deadline per request (connect, headers and body; a shorter one per image), and a
  request that misses it is not retried.
- Credentials stay with their origin: once a redirect leaves it, only a few harmless headers
  follow, and the session keeps no cookies.
- No proxy, from the environment or elsewhere: the guard checks the address a connection
  reaches, and through a proxy that would be the proxy. Run where the hosts are reachable.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.structures import CaseInsensitiveDict

from sources.base import clean_line
from sources.connect import (
    Deadline,
    Guard,
    PinnedAdapter,
    Resolver,
    check_public_url,
    parse_target,
    redirect_target,
)
from watcher.config import NetworkConfig
from watcher.errors import (
    ImageError,
    ParseError,
    RateLimited,
    SourceBlocked,
    SourceError,
    SourceUnavailable,
    UnsafeURL,
)

MAX_REDIRECTS = 3
# What may follow a redirect to another origin: nothing that names or authenticates us.
CROSS_ORIGIN_HEADERS = frozenset({"accept", "if-none-match", "if-modified-since"})
CONNECT_TIMEOUT = 5.0
CHUNK = 64 * 1024
ROBOTS_AGENT = "IdentityWatch"


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
class Response:
    """A finished response: status, final URL, headers and the (capped) body."""

    status: int
    url: str
    headers: Mapping[str, str]
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.content.decode(_charset(self.headers.get("Content-Type", "")), errors="replace")

    def json(self) -> Any:
        host = urlsplit(self.url).netloc
        if self.content_type == "text/html" or self.content.lstrip()[:1] == b"<":
            raise SourceBlocked(f"{host}: got an HTML page where JSON was expected (a block or login page?)")
        try:
            return _loads(self.content)
        except ValueError:
            raise ParseError(f"{host}: answer is not valid JSON ({self.content_type or 'no type'})") from None

    def error_text(self) -> str:
        """The platform's own error message, cleaned for a log line."""
        try:
            body = _loads(self.content)
        except ValueError:
            return f"HTTP {self.status}"
        if isinstance(body, dict):
            return clean_line(str(body.get("message") or body.get("error") or f"HTTP {self.status}"))[:200]
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class ImageFetch:
    """An avatar download: ``data`` is None when the server said it has not changed (304)."""

    data: bytes | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else None


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


class HttpClient:
    """Shared by every source of a scan. Not for concurrent use by several scans."""

    def __init__(
        self,
        network: NetworkConfig,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        resolver: Resolver = socket.getaddrinfo,
    ) -> None:
        self.network = network
        self.guard = Guard(resolver, network.allow_private_addresses)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = network.user_agent
        # A district that inspects TLS names its CA bundle as requests users do; that much of the
        # environment is kept. Proxies and .netrc credentials are not (the guard checks the peer).
        self.session.verify = ca_bundle() or True
        self.session.trust_env = False
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # keep no cookies
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, PinnedAdapter(self.guard))
        self.timeout = (min(CONNECT_TIMEOUT, network.timeout), network.timeout)
        self.sleep = sleep
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}  # by URL prefix
        self._paused_until: dict[str, float] = {}  # by host, monotonic
        self._sent: dict[str, list[float]] = {}  # by host, monotonic request times
        self._robots: dict[str, RobotFileParser | None] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    # --- configuration ------------------------------------------------------
    def trust(self, base_url: str, rate: Rate | None = None) -> None:
        """Trust a configured origin (no SSRF check) and limit the rate of its whole host."""
        self.guard.trusted.add(parse_target(base_url))
        if rate is not None:
            self.limit(_host_prefix(base_url), rate)

    def limit(self, url_prefix: str, rate: Rate) -> None:
        """Limit every request whose URL starts with ``url_prefix`` (on top of the host's limit).

        The first limit set for a prefix stays: two sources on one host share its budget.
        """
        with self._lock:
            self._buckets.setdefault(url_prefix, _Bucket(rate))

    def request_times(self, url: str) -> list[float]:
        """Monotonic times of the requests sent to this URL's host (for reports and tests)."""
        return list(self._sent.get(urlsplit(url).netloc.lower(), []))

    # --- requests -----------------------------------------------------------
    def get(
        self,
        url: str,
        params: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        untrusted: bool = False,
        media: bool = False,
        deadline: float | None = None,
    ) -> Response:
        """GET with politeness and retries. Any status may come back except 429 and 5xx,
        which (after the retries) become ``SourceBlocked``/``SourceUnavailable``.

        ``untrusted``: the URL came from a response, so every redirect hop is checked too.
        ``media``: an image. A platform's API rate limit (its headers, its 429s) pauses its API,
        not the pictures it serves, and a media server's own limit pauses only its pictures.
        ``deadline``: seconds for the whole answer (default ``network.request_deadline``).
        A URL that is not http(s) with a host raises ``UnsafeURL``.
        """
        parse_target(url)
        host = urlsplit(url).netloc
        scope = _scope(host, media)
        limit = max_bytes or self.network.max_body_bytes
        seconds = deadline or self.network.request_deadline
        attempt = 0
        while True:
            try:
                response = self._send(url, params, headers, limit, untrusted, media, seconds)
            except _NoAnswerInTime:
                raise
            except SourceUnavailable:
                if attempt >= self.network.retries:
                    raise
                self.sleep(self._backoff(attempt))
                attempt += 1
                continue
            if response.status == 403 and "Retry-After" in response.headers:
                wait = _retry_after(response.headers, self._wall_now())  # GitHub's secondary limit
                if wait is not None:
                    self._pause(scope, wait)
            if response.status == 429 or response.status == 503:
                wait = _retry_after(response.headers, self._wall_now())
                if wait is not None and wait <= self.network.max_wait and attempt < self.network.retries:
                    self._pause(scope, wait)
                    attempt += 1
                    continue
                if response.status == 429 or wait is not None:
                    if wait is not None:
                        self._pause(scope, wait)
                    when = f", retry after {wait:.0f}s" if wait is not None else ""
                    raise RateLimited(f"{host}: rate limited (HTTP {response.status}{when})")
            if response.status >= 500:
                if attempt < self.network.retries:
                    self.sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise SourceUnavailable(f"{host}: server error (HTTP {response.status})")
            return response

    def get_json(
        self, url: str, params: Any = None, *, headers: Mapping[str, str] | None = None, ok: tuple[int, ...] = (200,)
    ) -> Any:
        """GET and parse a JSON answer; a status outside ``ok`` is an error (unknown)."""
        response = self.get(url, params, headers={"Accept": "application/json", **(headers or {})})
        check_status(response, ok)
        return response.json()

    def get_page(self, url: str, *, trusted: bool = False) -> Response:
        """GET an HTML page, if robots.txt allows; untrusted URLs go through the SSRF guard."""
        if not trusted and parse_target(url) not in self.guard.trusted:
            self._check(url, self.network.request_deadline)
        if not self._robots_allow(url):
            raise SourceBlocked(f"{urlsplit(url).netloc}: robots.txt does not allow {urlsplit(url).path or '/'}")
        return self.get(url, headers={"Accept": "text/html,application/xhtml+xml"})

    def fetch_image(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> ImageFetch:
        """Fetch an untrusted image URL through the SSRF guard, with a size cap.

        With ``etag``/``last_modified`` from an earlier fetch, asks the server whether the
        image changed; a 304 gives ``ImageFetch(data=None)``.
        """
        headers = {"Accept": "image/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._check(url, self.network.image_deadline)
        try:
            response = self.get(
                url,
                headers=headers,
                max_bytes=self.network.max_image_bytes,
                untrusted=True,
                media=True,
                deadline=self.network.image_deadline,
            )
        except SourceError as exc:
            raise ImageError(f"image fetch failed: {exc}") from None
        if response.status == 304 and (etag or last_modified):
            return ImageFetch(None, etag, last_modified)
        if response.status != 200:
            raise ImageError(f"image fetch got HTTP {response.status}")
        ctype = response.content_type
        if ctype and not ctype.startswith("image/") and ctype != "application/octet-stream":
            raise ImageError(f"not an image ({ctype})")
        return ImageFetch(response.content, response.headers.get("ETag"), response.headers.get("Last-Modified"))

    # --- internals ----------------------------------------------------------
    def _check(self, url: str, within: float) -> None:
        """The early refusal, its name lookup bounded like the request it precedes."""
        with Deadline(max(within, 0.001)):
            check_public_url(url, allow_private=self.guard.allow_private, resolver=self.guard.resolver)

    def _send(
        self,
        url: str,
        params: Any,
        headers: Mapping[str, str] | None,
        max_bytes: int,
        untrusted: bool = False,
        media: bool = False,
        deadline: float | None = None,
    ) -> Response:
        """One request, following redirects by hand (each hop checked), body capped, all of it
        within ``deadline`` seconds (the time spent waiting our turn between hops not counted)."""
        host = urlsplit(url).netloc
        origin = parse_target(url)
        budget = total = deadline or self.network.request_deadline
        sent = dict(headers or {})
        for _ in range(MAX_REDIRECTS + 1):
            self._wait_turn(url, media)
            started = time.monotonic()
            answer = self._hop(url, params, sent, max_bytes, media, budget, total)
            budget -= time.monotonic() - started
            if isinstance(answer, Response):
                return answer
            url, params = answer, None
            try:
                leaves = parse_target(url) != origin
                if untrusted or leaves:
                    self._check(url, budget)
            except UnsafeURL as exc:
                raise SourceBlocked(f"{host}: redirected to a refused address ({exc})") from None
            if leaves:
                sent = {k: v for k, v in sent.items() if k.lower() in CROSS_ORIGIN_HEADERS}
        raise SourceError(f"{host}: too many redirects (more than {MAX_REDIRECTS})")

    def _hop(
        self,
        url: str,
        params: Any,
        headers: Mapping[str, str],
        max_bytes: int,
        media: bool,
        budget: float,
        total: float,
    ) -> Response | str:
        """One request within ``budget`` seconds: the response, or where it redirects to."""
        host = urlsplit(url).netloc
        if budget <= 0:
            raise _NoAnswerInTime(f"{host}: no complete answer within {total:g}s")
        with Deadline(budget) as deadline:
            try:
                raw = self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    auth=_no_url_credentials,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
                with raw:
                    self._note_limits(_scope(host, media), raw.headers)
                    if raw.is_redirect:
                        location = raw.headers["Location"]
                    else:
                        location = None
                        content = _read_capped(raw, max_bytes, host)
            except UnsafeURL as exc:
                raise SourceBlocked(f"{host}: refused to connect ({exc})") from None
            except (requests.RequestException, SourceUnavailable) as exc:
                if deadline.passed:
                    raise _NoAnswerInTime(f"{host}: no complete answer within {total:g}s") from None
                raise _unavailable(host, exc) from None
            if deadline.passed:  # a body read to the end of a shut-down connection may look whole
                raise _NoAnswerInTime(f"{host}: no complete answer within {total:g}s")
        if location is not None:
            try:
                return redirect_target(raw.url, location)
            except UnsafeURL as exc:
                raise SourceBlocked(f"{host}: redirected to a refused address ({exc})") from None
        return Response(raw.status_code, raw.url, CaseInsensitiveDict(raw.headers), content)

    def _wait_turn(self, url: str, media: bool = False) -> None:
        """Block until this URL may be requested: the host's pause, then every matching bucket."""
        netloc = urlsplit(url).netloc.lower()
        paused = self._paused_until.get(_scope(netloc, media), 0.0) - self.clock()
        if paused > 0:
            if paused > self.network.max_wait:
                raise RateLimited(f"{netloc}: asked us to wait {paused:.0f}s; trying again next scan")
            self.sleep(paused)
        with self._lock:
            buckets = [b for prefix, b in self._buckets.items() if _under(url, prefix)]
        for bucket in buckets:
            wait = bucket.take(self.clock())
            if wait > self.network.max_wait:
                bucket.tokens += 1  # not spent: the request is not sent
                raise RateLimited(
                    f"{netloc}: request budget spent ({bucket.rate.requests} per {bucket.rate.seconds:.0f}s)"
                )
            if wait:
                self.sleep(wait)
        self._sent.setdefault(netloc, []).append(self.clock())

    def _pause(self, netloc: str, seconds: float) -> None:
        netloc = netloc.lower()
        self._paused_until[netloc] = max(self._paused_until.get(netloc, 0.0), self.clock() + seconds)

    def _note_limits(self, scope: str, headers: Mapping[str, str]) -> None:
        """Pause a host (its API or its pictures: see ``get``) whose rate-limit headers say
        nothing is left until the reset."""
        for prefix in ("RateLimit-", "X-RateLimit-"):
            remaining = headers.get(prefix + "Remaining")
            reset = headers.get(prefix + "Reset")
            if remaining is None or reset is None:
                continue
            try:
                left = int(float(remaining))
            except ValueError:
                continue
            wait = _reset_wait(reset, self._wall_now())
            if left <= 0 and wait is not None:
                self._pause(scope, wait)

    def _backoff(self, attempt: int) -> float:
        base = self.network.retry_backoff * (2**attempt)
        return base + random.uniform(0, base / 2)

    def _wall_now(self) -> float:
        return time.time()

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._robots:
            self._robots[key] = self._load_robots(key)
        parser = self._robots[key]
        if parser is None:
            raise SourceUnavailable(f"{parts.netloc}: robots.txt could not be read; not fetching pages")
        return parser.can_fetch(ROBOTS_AGENT, url)

    def _load_robots(self, origin: str) -> RobotFileParser | None:
        """RFC 9309: 4xx means no rules; 5xx or no answer means assume everything is disallowed."""
        parser = RobotFileParser()
        try:
            response = self._send(origin + "/robots.txt", None, {"Accept": "text/plain"}, 500_000)
        except SourceError:
            return None
        if response.status >= 500:
            return None
        parser.parse(response.text.splitlines() if response.status == 200 else [])
        return parser


def ca_bundle() -> str | None:
    """The CA bundle named by ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, as requests reads them."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def check_status(response: Response, ok: tuple[int, ...] = (200,)) -> None:
    """Raise the error that fits a status outside ``ok``: every one of them means "unknown"."""
    if response.status in ok:
        return
    host = urlsplit(response.url).netloc
    if response.status in (401, 403):
        raise SourceBlocked(f"{host}: access refused (HTTP {response.status}: {response.error_text()})")
    raise SourceError(f"{host}: unexpected HTTP {response.status}: {response.error_text()}")


def _host_prefix(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}/"


def _under(url: str, prefix: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path or '/'}".startswith(prefix)


def _scope(netloc: str, media: bool) -> str:
    """What a pause applies to: a host's API and its pictures are paused apart."""
    return f"{netloc.lower()} media" if media else netloc.lower()


def _no_url_credentials(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Given as ``auth``, so that requests never turns a URL's ``user:password@`` into an
    ``Authorization`` header: a scraped URL must not choose what we send."""
    return request


class _NoAnswerInTime(SourceUnavailable):
    """The deadline passed. Not retried: a host that stalled once would stall again, and each
    retry would cost another deadline."""


def _unavailable(host: str, exc: Exception) -> SourceUnavailable:
    if isinstance(exc, SourceUnavailable):
        return exc
    if isinstance(exc, requests.Timeout):
        return SourceUnavailable(f"{host}: timed out")
    if isinstance(exc, requests.ConnectionError):
        return SourceUnavailable(f"{host}: cannot connect ({_root_cause(exc)})")
    return SourceUnavailable(f"{host}: request failed ({_root_cause(exc)})")


def _read_capped(raw: requests.Response, limit: int, host: str) -> bytes:
    declared = raw.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ParseError(f"{host}: answer larger than {limit} bytes")
    data = bytearray()
    try:
        for chunk in raw.iter_content(CHUNK):
            data.extend(chunk)
            if len(data) > limit:
                raise ParseError(f"{host}: answer larger than {limit} bytes")
    except requests.RequestException as exc:
        raise SourceUnavailable(f"{host}: answer cut off ({_root_cause(exc)})") from None
    return bytes(data)


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
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


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            try:
                return codecs.lookup(value.strip().strip('"')).name
            except LookupError:
                break
    return "utf-8"


def _loads(data: bytes) -> Any:
    """``json.loads``, with nesting too deep for the parser reported as invalid JSON."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return clean_line(text.split(": ", 1)[-1] if "Errno" in text else text)
