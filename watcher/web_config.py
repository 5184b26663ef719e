"""The ``[web]`` table: where the web front is reached, where it listens, which proxies to believe."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from watcher.errors import ConfigError
from watcher.toml_table import TomlTable


@dataclass(frozen=True)
class WebConfig:
    """The web front (``watcher web``; ``watcher run`` serves it too when ``listen`` is set)."""

    base_url: str | None = None  # public address of the web front: enables links and List-Unsubscribe
    listen: str | None = None  # "127.0.0.1:8080": where ``watcher run`` serves it
    # Addresses (or networks, 10.0.0.0/24) of the reverse proxies whose X-Forwarded-For/-Proto/-Host
    # are believed; from anyone else those headers are dropped (a client could otherwise pick its own
    # address for the throttle).
    trusted_proxies: tuple[str, ...] = ()

    @property
    def address(self) -> tuple[str, int]:
        """``listen`` as (host, port); 127.0.0.1:8080 when it is not set."""
        host, _, port = (self.listen or "127.0.0.1:8080").rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def public_url(self) -> str:
        """Where people reach it: ``base_url``, else the address it listens on."""
        host, port = self.address
        return self.base_url or f"http://{host}:{port}"

    @property
    def link_base(self) -> str | None:
        """Where the links in alerts point: ``base_url`` only. A listening address alone is often a
        loopback one behind the district's proxy, which nobody's mail client could open."""
        return self.base_url

    @property
    def secure(self) -> bool:
        """Cookies only over https when the public address is https."""
        return self.public_url.startswith("https://")


def read_web(t: TomlTable) -> WebConfig:
    url = check_web_address(t, t.string("base_url"), "web.base_url")
    listen = t.string("listen")
    if listen is not None:
        host, _, port = listen.strip().rpartition(":")
        t.check(
            bool(host) and port.isdigit() and 0 < int(port) < 65536 and not any(c.isspace() for c in host),
            f"web.listen {listen!r} must be HOST:PORT, e.g. 127.0.0.1:8080",
        )
        listen = listen.strip()
    if url:
        t.check(not urlsplit(url).query and not urlsplit(url).fragment, "web.base_url takes no query or fragment")
    proxies = t.strings("trusted_proxies")
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"{t.where}: web.trusted_proxies entry {proxy!r} is not an IP address or network"
            ) from None
    return WebConfig(base_url=url.rstrip("/") if url else None, listen=listen, trusted_proxies=proxies)


def check_web_address(t: TomlTable, url: str | None, key: str) -> str | None:
    t.check(
        url is None or url.startswith(("https://", "http://")),
        f"{key} must start with https:// (or http:// for a test)",
    )
    return url
