"""Scraped URLs are fetched only through the SSRF guard, with size and pixel caps."""

from __future__ import annotations

import pytest

from sources.client import HttpClient
from sources.connect import check_public_url
from watcher.config import NetworkConfig
from watcher.demo.portraits import jpeg, portrait
from watcher.errors import ImageError, SourceBlocked, UnsafeURL
from watcher.matching.images import hash_image


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.jpg",
        "http://localhost:8080/a.jpg",
        "http://10.1.2.3/a.jpg",
        "http://192.168.0.1/a.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/a.jpg",
        "http://[::ffff:127.0.0.1]/a.jpg",
        "http://0.0.0.0/a.jpg",
        "http://127.0.0.2/a.jpg",
        "http://[64:ff9b::7f00:1]/a.jpg",
        "http://[2002:7f00:1::]/a.jpg",
        "http://[ff02::1]/a.jpg",
        "http://cdn:abc/a.jpg",
        "http://[::1/a.jpg",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http:///nohost",
    ],
)
def test_guard_refuses_non_public_targets(url):
    with pytest.raises(UnsafeURL):
        check_public_url(url)


def test_guard_allows_a_public_address_literal():
    check_public_url("https://93.184.215.14/avatar.jpg")  # resolves locally, nothing is fetched


def test_private_addresses_refused_unless_allowed(httpserver):
    httpserver.expect_request("/a.jpg").respond_with_data(jpeg(portrait(1)), content_type="image/jpeg")
    with pytest.raises(UnsafeURL, match=r"non-public address 127\.0\.0\.1"):
        HttpClient(NetworkConfig()).fetch_image(httpserver.url_for("/a.jpg"))
    assert httpserver.log == []  # refused before any connection
    data = HttpClient(NetworkConfig(allow_private_addresses=True)).fetch_image(httpserver.url_for("/a.jpg")).data
    assert hash_image(data, 10**7) == hash_image(jpeg(portrait(1)), 10**7)


def test_redirects_are_followed_by_hand_and_bounded(httpserver):
    client = HttpClient(NetworkConfig(allow_private_addresses=True))
    httpserver.expect_request("/r").respond_with_data("", status=302, headers={"Location": "/a.jpg"})
    httpserver.expect_request("/a.jpg").respond_with_data(jpeg(portrait(1)), content_type="image/jpeg")
    assert client.fetch_image(httpserver.url_for("/r")).data[:3] == b"\xff\xd8\xff"
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(ImageError, match="too many redirects"):
        client.fetch_image(httpserver.url_for("/loop"))
    httpserver.expect_request("/away").respond_with_data("", status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(ImageError, match=r"refused address .*scheme 'file'"):
        client.fetch_image(httpserver.url_for("/away"))


def test_size_and_type_caps(httpserver):
    client = HttpClient(NetworkConfig(allow_private_addresses=True, max_image_bytes=1000))
    httpserver.expect_request("/big.jpg").respond_with_data(b"\xff" * 5000, content_type="image/jpeg")
    with pytest.raises(ImageError, match="larger than 1000 bytes"):
        client.fetch_image(httpserver.url_for("/big.jpg"))
    httpserver.expect_request("/page").respond_with_data("<html></html>", content_type="text/html")
    with pytest.raises(ImageError, match=r"not an image \(text/html\)"):
        client.fetch_image(httpserver.url_for("/page"))
    httpserver.expect_request("/gone.jpg").respond_with_data("", status=404)
    with pytest.raises(ImageError, match="HTTP 404"):
        client.fetch_image(httpserver.url_for("/gone.jpg"))


def test_pixel_cap_refuses_decompression_bombs():
    from PIL import Image

    bomb = jpeg(Image.new("RGB", (5000, 5000), "white"))
    with pytest.raises(ImageError, match="more than 1000000"):
        hash_image(bomb, 1_000_000)
    with pytest.raises(ImageError, match="not a readable image"):
        hash_image(b"GIF89a but not really", 1_000_000)


def trusting(origin: str) -> HttpClient:
    """A client for a source configured at ``origin``: that origin, and only it, is trusted."""
    client = HttpClient(NetworkConfig())
    client.trust(origin)
    return client


def test_api_redirect_to_another_origin_goes_through_the_guard(httpserver):
    """The configured origin is trusted; where it redirects to is not (here: another loopback address)."""
    canary = "http://127.0.0.2:9/steal"  # refused before any connection; nothing listens there anyway
    httpserver.expect_request("/api").respond_with_data("", status=302, headers={"Location": canary})
    with pytest.raises(SourceBlocked, match="redirected to a refused address"):
        trusting(httpserver.url_for("/")).get(httpserver.url_for("/api"))
    httpserver.expect_request("/moved").respond_with_data("", status=301, headers={"Location": "/api2"})
    httpserver.expect_request("/api2").respond_with_json({"ok": True})
    assert trusting(httpserver.url_for("/")).get_json(httpserver.url_for("/moved")) == {"ok": True}


def test_an_untrusted_origin_is_refused_by_the_connection_itself(httpserver):
    """Attack: a URL that reaches ``get`` without any early check (no ``check_public_url``) still
    cannot reach a private address: the connection checks what it connects to. Today's ``get``
    trusts whatever URL it is given."""
    httpserver.expect_request("/api").respond_with_json({"secret": True})
    with pytest.raises(SourceBlocked, match=r"refused to connect \(refusing non-public address"):
        HttpClient(NetworkConfig()).get(httpserver.url_for("/api"))
    assert httpserver.log == []
