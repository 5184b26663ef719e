"""The one HTTP layer every source uses: a shared session, timeouts, errors that say "unknown".

Avatar and other scraped URLs are fetched only through ``fetch_image``, which
refuses non-public addresses (the SSRF guard), caps the bytes read and follows
redirects by hand so that every hop is checked.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from sources.base import clean_line
from watcher.config import NetworkConfig
from watcher.errors import ImageError, ParseError, SourceBlocked, SourceError, SourceUnavailable, UnsafeURL

MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0


class HttpClient:
    def __init__(self, network: NetworkConfig, session: requests.Session | None = None) -> None:
        self.network = network
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = network.user_agent
        self.timeout = (min(CONNECT_TIMEOUT, network.timeout), network.timeout)

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, params: Any = None, *, headers: dict[str, str] | None = None) -> requests.Response:
        """GET an API URL. Transport failures, rate limits and 5xx become ``SourceError``s.

        The configured origin is trusted; a redirect to another origin goes through the SSRF guard.
        """
        host = urlsplit(url).netloc
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.session.get(
                    url, params=params, headers=headers, timeout=self.timeout, allow_redirects=False
                )
            except requests.Timeout:
                raise SourceUnavailable(f"{host}: timed out") from None
            except requests.ConnectionError as exc:
                raise SourceUnavailable(f"{host}: cannot connect ({_root_cause(exc)})") from None
            except requests.RequestException as exc:
                raise SourceUnavailable(f"{host}: request failed ({_root_cause(exc)})") from None
            if not response.is_redirect:
                break
            response.close()
            url, params = _redirect_target(response), None
            if _origin(url) != origin:
                try:
                    check_public_url(url, allow_private=self.network.allow_private_addresses)
                except UnsafeURL as exc:
                    raise SourceBlocked(f"{host}: redirected to a refused address ({exc})") from None
        else:
            raise SourceUnavailable(f"{host}: too many redirects")
        if response.status_code == 429:
            retry = response.headers.get("Retry-After", "")
            retry = retry if retry.isdigit() else ""
            raise SourceBlocked(f"{host}: rate limited (HTTP 429{', retry after ' + retry + 's' if retry else ''})")
        if response.status_code >= 500:
            raise SourceUnavailable(f"{host}: server error (HTTP {response.status_code})")
        return response

    def get_json(self, url: str, params: Any = None) -> Any:
        """GET and parse a JSON API answer; anything but a 200 JSON body is an error."""
        response = self.get(url, params, headers={"Accept": "application/json"})
        host = urlsplit(url).netloc
        if response.status_code in (401, 403):
            raise SourceBlocked(f"{host}: access refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise SourceError(f"{host}: unexpected HTTP {response.status_code}: {_error_text(response)}")
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown type").split(";")[0]
            raise ParseError(f"{host}: answer is not JSON ({kind})") from None

    def fetch_image(self, url: str) -> bytes:
        """Fetch an untrusted image URL through the SSRF guard, with a size cap."""
        limit = self.network.max_image_bytes
        for _ in range(MAX_REDIRECTS + 1):
            check_public_url(url, allow_private=self.network.allow_private_addresses)
            try:
                response = self.session.get(url, timeout=self.timeout, stream=True, allow_redirects=False)
            except requests.Timeout:
                raise ImageError(f"image fetch timed out: {_short(url)}") from None
            except requests.RequestException as exc:
                raise ImageError(f"image fetch failed: {_root_cause(exc)}") from None
            with response:
                if response.is_redirect:
                    url = _redirect_target(response)
                    continue
                if response.status_code != 200:
                    raise ImageError(f"image fetch got HTTP {response.status_code}")
                ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if ctype and not ctype.startswith("image/") and ctype != "application/octet-stream":
                    raise ImageError(f"not an image ({ctype})")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise ImageError(f"image larger than {limit} bytes")
                data = bytearray()
                try:
                    for chunk in response.iter_content(64 * 1024):
                        data.extend(chunk)
                        if len(data) > limit:
                            raise ImageError(f"image larger than {limit} bytes")
                except requests.RequestException as exc:
                    raise ImageError(f"image download failed: {_root_cause(exc)}") from None
                return bytes(data)
        raise ImageError(f"too many redirects (more than {MAX_REDIRECTS})")


def check_public_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse URLs that are not http(s) or that resolve to a non-public address."""
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        raise UnsafeURL("refusing a malformed URL") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(f"refusing URL scheme {parts.scheme or '(none)'!r}")
    if not hostname:
        raise UnsafeURL("refusing URL without a host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(hostname, port or None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeURL(f"cannot resolve host {hostname!r}") from None
    for info in infos:
        address = _unwrap(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        if not address.is_global or address.is_multicast:
            raise UnsafeURL(f"refusing non-public address {address} for host {hostname!r}")


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _unwrap(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour:
            return address.sixtofour
    return address


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _redirect_target(response: requests.Response) -> str:
    try:
        return urljoin(response.url, response.headers.get("Location", ""))
    except ValueError:
        raise UnsafeURL("refusing a malformed redirect") from None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split(": ", 1)[-1] if "Errno" in text else text


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no detail"
    if isinstance(body, dict):
        return clean_line(str(body.get("message") or body.get("error") or "no detail"))[:200]
    return "no detail"


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."
