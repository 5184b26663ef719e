"""The profile_pages source against a real local server: found, missing, and every kind of unknown."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from sources.base import HANDLE
from sources.http import HttpClient, Rate
from sources.profile_pages import (
    FOUND,
    MISSING,
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    UNKNOWN,
    ProfilePagesSource,
    decide,
    load_sites,
    parse_profile_page,
    validate_site,
)
from watcher.config import NetworkConfig, SourceConfig
from watcher.errors import ConfigError, ParseError, RateLimited, SourceBlocked

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
MARKER = 'data-profile-owner="1"'
SITE = {
    "name": "Demo Pages",
    "base_url": "https://pages.example",
    "profile_path": "/@/{handle}",
    "handle_pattern": "^[A-Za-z0-9_]{2,20}$",
    "exists": {"status": 200, "contains": MARKER},
    "missing": {"status": 404},
    "known_existing": ["jane"],
    "known_missing": ["nobody"],
    "protection": [],
    "terms": "a test site",
}

FULL_PAGE = f"""<!doctype html>
<html><head>
<title>Jane Doe (@jane) | Demo Pages</title>
<meta property="og:title" content="Jane\u202e Doe\r\n">
<meta property="og:description" content="Third-grade teacher.\nViews my own.">
<meta property="og:image" content="/img/jane.png">
<meta property="profile:username" content="Jane">
<meta name="twitter:title" content="Twitter Jane">
<meta name="twitter:image" content="https://cdn.example/twitter.png">
<link rel="canonical" href="/@/jane">
<link rel="me" href="https://social.example/@jane">
<script type="application/ld+json">{{ not json </script>
<script type="application/ld+json">
{{"@context": "https://schema.org", "@graph": [
  {{"@type": "WebSite", "name": "Demo Pages"}},
  {{"@type": "ProfilePage", "mainEntity": {{"@type": "Person", "name": "Jane LD",
    "image": {{"@type": "ImageObject", "url": "/img/ld.png"}},
    "sameAs": ["https://school.example/staff/jane", "javascript:alert(1)", "https://social.example/@jane"]}}}}
]}}
</script>
</head><body {MARKER}>
<a rel="me noopener" href="https://jane.example/">my site</a>
<a rel="me" href="mailto:jane@example.org">mail</a>
<a rel="nofollow" href="https://elsewhere.example/">not me</a>
</body></html>"""


def page(body: str = "", head: str = "") -> str:
    return f"<html><head>{head}</head><body {MARKER}>{body}</body></html>"


@pytest.fixture
def sites_file(tmp_path):
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"sites": {"demo": SITE}}))
    return path


@pytest.fixture
def robots(httpserver):
    """Serve robots.txt (404 by default: no rules); without it the HTTP layer refuses pages."""

    def serve(text: str | None = None) -> None:
        if text is None:
            httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
        else:
            httpserver.expect_request("/robots.txt").respond_with_data(text, content_type="text/plain")

    return serve


def make_source(httpserver, sites_file, prefix: str = "", **options) -> ProfilePagesSource:
    config = SourceConfig(
        name="pages",
        type="profile_pages",
        base_url=httpserver.url_for(prefix).rstrip("/"),
        options={"site": "demo", "sites_file": str(sites_file), **options},
    )
    return ProfilePagesSource(config, HttpClient(NET))


def paths(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


# --- lookups ------------------------------------------------------------------


def test_found_page_gives_a_profile_from_og_json_ld_twitter_and_rel_me(httpserver, sites_file, robots):
    robots()
    httpserver.expect_request("/@/jane").respond_with_data(FULL_PAGE, content_type="text/html; charset=utf-8")
    profile = make_source(httpserver, sites_file).lookup("jane")
    assert profile is not None
    assert profile.source == "pages"
    assert profile.handle == "jane"  # profile:username, lowercased
    assert profile.display_name == "Jane Doe"  # og:title, bidi and line breaks removed
    assert profile.description == "Third-grade teacher.\nViews my own."
    assert profile.avatar_url == httpserver.url_for("/img/jane.png")  # relative, resolved
    assert profile.platform_id == profile.profile_url == httpserver.url_for("/@/jane")
    assert profile.links == (
        "https://social.example/@jane",
        "https://jane.example/",
        "https://school.example/staff/jane",
    )
    assert paths(httpserver) == ["/robots.txt", "/@/jane"]


def test_missing_page_is_none(httpserver, sites_file, robots):
    robots()
    httpserver.expect_request("/@/nobody").respond_with_data("<h1>Not found</h1>", status=404)
    assert make_source(httpserver, sites_file).lookup("nobody") is None


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (200, "<html><body>Welcome! Sign in to continue.</body></html>", ParseError, "without the profile marker"),
        (200, "<html><title>Just a moment...</title>checking your browser</html>", ParseError, "profile marker"),
        (403, f"<html>Access denied {MARKER}</html>", SourceBlocked, r"refused \(HTTP 403"),
        (401, "<html>Log in to see this profile</html>", SourceBlocked, r"HTTP 401"),
        (429, "slow down", RateLimited, "rate limited"),
        (410, "gone", ParseError, "unexpected HTTP 410"),
    ],
)
def test_anything_else_is_unknown(httpserver, sites_file, robots, status, body, error, text):
    robots()
    httpserver.expect_request("/@/jane").respond_with_data(body, status=status, content_type="text/html")
    with pytest.raises(error, match=text):
        make_source(httpserver, sites_file).lookup("jane")


def test_missing_marker_is_required_when_the_site_gives_one(httpserver, tmp_path, robots):
    site = {**SITE, "missing": {"status": 404, "contains": "No such user"}}
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"sites": {"demo": site}}))
    robots()
    httpserver.expect_request("/@/nobody").respond_with_data("<p>No such user</p>", status=404)
    httpserver.expect_request("/@/maybe").respond_with_data("<p>Upstream proxy error</p>", status=404)
    source = make_source(httpserver, path)
    assert source.lookup("nobody") is None
    with pytest.raises(ParseError, match="unexpected HTTP 404"):
        source.lookup("maybe")


def test_robots_txt_disallowing_profiles_blocks_without_fetching_them(httpserver, sites_file, robots):
    robots("User-agent: *\nDisallow: /@/\n")
    httpserver.expect_request("/@/jane").respond_with_data(page())
    with pytest.raises(SourceBlocked, match=r"robots\.txt"):
        make_source(httpserver, sites_file).lookup("jane")
    assert paths(httpserver) == ["/robots.txt"]


@pytest.mark.parametrize("handle", ["../admin", "..", ".", "", "a/b", "jane doe", "j", "x" * 21, "jane?x=1", "%2e%2e"])
def test_handles_the_site_cannot_have_are_missing_without_a_request(httpserver, sites_file, handle):
    assert make_source(httpserver, sites_file).lookup(handle) is None
    assert httpserver.log == []


def test_at_sign_is_not_part_of_the_handle(httpserver, sites_file, robots):
    robots()
    httpserver.expect_request("/@/jane").respond_with_data(page())
    assert make_source(httpserver, sites_file).lookup("@jane").handle == "jane"


def test_base_url_path_prefix_is_kept(httpserver, sites_file, robots):
    robots()
    httpserver.expect_request("/mirror/pages/@/jane").respond_with_data(page())
    profile = make_source(httpserver, sites_file, prefix="/mirror/pages").lookup("jane")
    assert profile.profile_url == httpserver.url_for("/mirror/pages/@/jane")
    assert paths(httpserver) == ["/robots.txt", "/mirror/pages/@/jane"]


def test_redirect_on_the_site_uses_the_final_url(httpserver, sites_file, robots):
    robots()
    httpserver.expect_request("/@/Jane").respond_with_data("", status=301, headers={"Location": "/@/jane"})
    httpserver.expect_request("/@/jane").respond_with_data(page(head="<title>Jane</title>"))
    profile = make_source(httpserver, sites_file).lookup("Jane")
    assert profile.profile_url == httpserver.url_for("/@/jane")
    assert profile.handle == "jane" and profile.display_name == "Jane"


def test_redirect_off_site_is_unknown(httpserver, sites_file, robots):
    robots()
    elsewhere = f"http://127.0.0.1:{httpserver.port}/login"
    httpserver.expect_request("/@/jane").respond_with_data("", status=302, headers={"Location": elsewhere})
    httpserver.expect_request("/login").respond_with_data(page())
    with pytest.raises(SourceBlocked, match="redirected off-site"):
        make_source(httpserver, sites_file).lookup("jane")


def test_a_bundled_site_with_base_url_pointing_here(httpserver, robots):
    robots()
    body = (
        '<html><head><meta property="og:title" content="Ben Halpern — DEV Community Profile">'
        '<link rel="canonical" href="https://dev.to/ben"></head><body></body></html>'
    )
    httpserver.expect_request("/ben").respond_with_data(body, content_type="text/html")
    config = SourceConfig(
        name="devto", type="profile_pages", base_url=httpserver.url_for(""), options={"site": "devto"}
    )
    profile = ProfilePagesSource(config, HttpClient(NET)).lookup("ben")
    assert profile.display_name == "Ben Halpern — DEV Community Profile"
    # A canonical URL on another host is not this page's id.
    assert profile.platform_id == httpserver.url_for("/ben")


def test_self_check_reports_known_handles_that_misbehave(httpserver, sites_file, robots):
    robots()
    httpserver.expect_request("/@/jane").respond_with_data("blocked", status=403)
    httpserver.expect_request("/@/nobody").respond_with_data("", status=404)
    problems = make_source(httpserver, sites_file).self_check()
    assert len(problems) == 1 and problems[0].startswith("jane: unknown (blocked:")


def test_search_yields_nothing_and_only_handles_are_answered(httpserver, sites_file):
    source = make_source(httpserver, sites_file)
    assert source.query_kinds == frozenset({HANDLE})
    assert list(source.search("Jane Doe")) == []
    assert httpserver.log == []
    assert ProfilePagesSource.default_rate == Rate(1, 2.0, burst=2)


# --- configuration --------------------------------------------------------------


def config(**options) -> SourceConfig:
    return SourceConfig(name="pages", type="profile_pages", base_url="http://127.0.0.1:9", options=options)


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"site": "no-such-site"}, r"unknown site 'no-such-site' \(known: .*devto"),
        ({}, "'site' is required"),
        ({"site": "codeberg"}, "behind anubis; automated probes there are not supported"),
        ({"site": "demo", "sites_file": "/nonexistent/sites.json"}, "sites file not found"),
    ],
)
def test_bad_configuration_is_a_one_line_config_error(options, text):
    with pytest.raises(ConfigError, match=text) as caught:
        ProfilePagesSource(config(**options), HttpClient(NET))
    assert "\n" not in str(caught.value)


def test_invalid_site_entry_is_a_config_error(tmp_path):
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"sites": {"demo": {**SITE, "profile_path": "/users"}}}))
    with pytest.raises(ConfigError, match=r"site 'demo' is invalid: 'profile_path' must .* contain '\{handle\}'"):
        ProfilePagesSource(config(site="demo", sites_file=str(path)), HttpClient(NET))


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"sites": {"Bad Key": {}}}'])
def test_malformed_sites_file_is_a_config_error(tmp_path, content):
    path = tmp_path / "sites.json"
    path.write_text(content)
    with pytest.raises(ConfigError):
        load_sites(path)


# --- the bundled list and its schema ------------------------------------------------


def test_bundled_sites_are_valid_and_can_check_themselves():
    sites = load_sites()
    assert len(sites) >= 3
    for key, entry in sites.items():
        assert validate_site(entry) == [], key
        assert "{handle}" in entry["profile_path"], key
        assert entry["known_existing"] and entry["known_missing"], key
        assert set(entry["known_existing"]).isdisjoint(entry["known_missing"]), key
    assert [key for key, entry in sites.items() if not entry["protection"]], "no usable site"


def test_schema_and_validator_agree():
    schema = json.loads(resources.files("sources").joinpath("sites.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    site = schema["$defs"]["site"]
    assert site["required"] == list(REQUIRED_KEYS)
    assert set(site["properties"]) == set(REQUIRED_KEYS + OPTIONAL_KEYS)
    assert site["additionalProperties"] is False
    try:
        import jsonschema  # optional: not a dependency, validates only where installed
    except ImportError:
        return
    jsonschema.validate(json.loads(resources.files("sources").joinpath("sites.json").read_text()), schema)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"handle_pattern": ".+"}, "accepts unsafe handles: '.', '..', '../admin'"),
        ({"handle_pattern": "(["}, "not a valid regular expression"),
        ({"profile_path": "/{handle}/{handle}"}, "contain '{handle}' once"),
        ({"profile_path": "/{user}/{handle}"}, "no braces but '{handle}'"),
        ({"base_url": "ftp://pages.example"}, "'base_url' must be an http(s) URL"),
        ({"exists": {"status": 200}}, "'exists.contains' must be a non-empty string"),
        ({"exists": {"status": "200", "contains": "x"}}, "'exists.status' must be an HTTP status"),
        ({"missing": {"status": 200}}, "'missing' needs 'contains'"),
        ({"known_existing": []}, "'known_existing' must be a non-empty list"),
        ({"known_missing": ["no way"]}, "'known_missing' handle 'no way' does not match"),
        ({"protection": "cloudflare"}, "'protection' must be a list"),
        ({"terms": " "}, "'terms' must be a non-empty string"),
        ({"homepage": "x"}, "unknown key 'homepage'"),
    ],
)
def test_validate_site_names_each_problem(change, problem):
    problems = validate_site({**SITE, **change})
    assert any(problem in p for p in problems), problems


def test_validate_site_requires_every_key():
    assert validate_site({}) == [f"'{key}' is required" for key in REQUIRED_KEYS]
    assert validate_site("not an object") == ["a site entry must be an object"]
    assert validate_site(SITE) == []


# --- the pure parts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("site_change", "status", "text", "outcome"),
    [
        ({}, 200, f"<b {MARKER}>", FOUND),
        ({}, 200, "<b>login</b>", UNKNOWN),
        ({}, 404, "anything", MISSING),
        ({}, 403, f"<b {MARKER}>", UNKNOWN),
        ({}, 500, "", UNKNOWN),
        ({"missing": {"status": 200, "contains": "No such user"}}, 200, "No such user", MISSING),
        ({"missing": {"status": 200, "contains": "No such user"}}, 200, f"No such user {MARKER}", UNKNOWN),
        ({"missing": {"status": 200, "contains": "No such user"}}, 200, "Sign in", UNKNOWN),
    ],
)
def test_decide(site_change, status, text, outcome):
    assert decide({**SITE, **site_change}, status, text) == outcome


@pytest.mark.parametrize(
    ("head", "name", "avatar"),
    [
        ('<meta name="og:title" content="OG"><meta name="twitter:title" content="TW"><title>T</title>', "OG", None),
        (
            '<script type="application/ld+json">{"@type": "Person", "name": "LD", "image": "a.png"}</script>'
            '<meta name="twitter:title" content="TW"><meta name="twitter:image" content="https://cdn.example/t.png">',
            "LD",
            "https://site.example/u/a.png",
        ),
        (
            '<script type="application/ld+json">[{"@type": ["schema:ProfilePage"], "mainEntity": {"@id": "#p"}},'
            '{"@id": "#p", "@type": "Organization", "name": "By Ref", "image": [{"contentUrl": "/o.png"}]}]</script>',
            "By Ref",
            "https://site.example/o.png",
        ),
        (
            '<meta name="twitter:title" content="TW"><meta name="twitter:image:src" content="//cdn.example/s.png">',
            "TW",
            "https://cdn.example/s.png",
        ),
        ("<title>\n  Only  the title\n</title>", "Only the title", None),
        (
            '<meta property="og:image" content="javascript:alert(1)"><meta property="og:image" content="x.png">',
            "",
            None,
        ),
    ],
)
def test_parse_falls_back_in_order(head, name, avatar):
    fields = parse_profile_page(f"<html><head>{head}</head><body></body></html>", "https://site.example/u/jane")
    assert (fields.display_name, fields.avatar_url) == (name, avatar)


def test_parse_tolerates_junk():
    assert parse_profile_page("", "https://site.example/u/x").display_name == ""
    assert parse_profile_page("https://not-html.example", "https://site.example/u/x").links == ()
    deep = "[" * 5000 + "]" * 5000
    junk = f'<script type="application/ld+json">{deep}</script><script type="application/ld+json">42</script>'
    fields = parse_profile_page(f"<head>{junk}<link rel=canonical href='http://[bad'></head>", "https://s.example/")
    assert fields.canonical_url is None and fields.display_name == ""
