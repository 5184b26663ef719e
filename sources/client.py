"""The one HTTP client every source uses: polite, bounded, and honest about "could not tell".

- One ``requests.Session``, an honest User-Agent, connect/read timeouts, TLS verified.
- Per-host budgets and the pauses a host asks for (``sources.rate_limits``): a host that says
  "slow down" is paused until it said, or given up for this scan when that is too far away.
- Bounded retries with exponential backoff and jitter on 5xx, timeouts and refused connections.
- Bodies are read in chunks and capped while streaming; HTML pages obey robots.txt.
- The SSRF guard (``sources.connect``): a source's configured origin is trusted; every other
  connection (avatars, links, redirects elsewhere) may reach public addresses only, checked by
  the connection itself on the address it connects to. ``check_public_url`` refuses early.
- An overall deadline per request (``sources.deadline``: connect, headers and body; a shorter one
  per image), and a request that misses it is not retried.
- Credentials stay with their origin: once a redirect leaves it, only a few harmless headers
  follow, and the session keeps no cookies.
- No proxy, from the environment or elsewhere: the guard checks the address a connection
  reaches, and through a proxy that would be the proxy. Run where the hosts are reachable.
"""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable, Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.structures import CaseInsensitiveDict

from sources.connect import Guard, PinnedAdapter, Resolver, check_public_url, parse_target, redirect_target
from sources.deadline import Deadline
from sources.rate_limits import HostPacing, Rate, host_prefix, pause_scope, retry_after
from sources.responses import ImageFetch, Response, check_status
from watcher.config import NetworkConfig
from watcher.errors import ImageError, ParseError, RateLimited, SourceBlocked, SourceError, SourceUnavailable, UnsafeURL
from watcher.text import clean_line

MAX_REDIRECTS = 3
# What may follow a redirect to another origin: nothing that names or authenticates us.
CROSS_ORIGIN_HEADERS = frozenset({"accept", "if-none-match", "if-modified-since"})
CONNECT_TIMEOUT = 5.0
CHUNK = 64 * 1024
ROBOTS_AGENT = "IdentityWatch"


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
        # The pacing asks the client's own sleep and clock each time, so replacing either reaches it too.
        self.pacing = HostPacing(network.max_wait, lambda seconds: self.sleep(seconds), lambda: self.clock())
        self._robots: dict[str, RobotFileParser | None] = {}

    def close(self) -> None:
        self.session.close()

    # --- configuration ------------------------------------------------------
    def trust(self, base_url: str, rate: Rate | None = None) -> None:
        """Trust a configured origin (no SSRF check) and limit the rate of its whole host."""
        self.guard.trusted.add(parse_target(base_url))
        if rate is not None:
            self.limit(host_prefix(base_url), rate)

    def limit(self, url_prefix: str, rate: Rate) -> None:
        """Limit every request whose URL starts with ``url_prefix`` (on top of the host's limit).

        The first limit set for a prefix stays: two sources on one host share its budget.
        """
        self.pacing.limit(url_prefix, rate)

    def request_times(self, url: str) -> list[float]:
        """Monotonic times of the requests sent to this URL's host (for reports and tests)."""
        return self.pacing.request_times(url)

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
        scope = pause_scope(host, media)
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
                wait = retry_after(response.headers, self._wall_now())  # a refusal that says when to come back
                if wait is not None:
                    self.pacing.pause(scope, wait)
            if response.status == 429 or response.status == 503:
                wait = retry_after(response.headers, self._wall_now())
                if wait is not None and wait <= self.network.max_wait and attempt < self.network.retries:
                    self.pacing.pause(scope, wait)
                    attempt += 1
                    continue
                if response.status == 429 or wait is not None:
                    if wait is not None:
                        self.pacing.pause(scope, wait)
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
            self.pacing.wait_turn(url, media)
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
                    self.pacing.note_limits(pause_scope(host, media), raw.headers, self._wall_now())
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


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return clean_line(text.split(": ", 1)[-1] if "Errno" in text else text)
