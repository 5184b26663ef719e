"""The profile_pages source against a real local server: found, missing, and every kind of unknown."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from sources.base import HANDLE, SPAM
from sources.client import HttpClient
from sources.page_fields import AVATAR_PLACES, parse_profile_page
from sources.profile_pages import FOUND, MISSING, UNKNOWN, ProfilePagesSource, decide, moderation_verdicts
from sources.rate_limits import Rate
from sources.sites import MODERATION_KEYS, OPTIONAL_KEYS, REQUIRED_KEYS, VERDICTS, load_sites, validate_site
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
    """lila's user/show/page: og:image is the site's logo tile, the content box has class 'user-show'."""
    robots()
    body = (
        '<html><head><meta property="og:title" content="thibault (1900)">'
        '<meta property="og:image" content="https://lichess1.org/assets/logo/lichess-tile-wide.png">'
        '<meta name="twitter:image" content="https://lichess1.org/assets/logo/lichess-tile.png">'
        '<link rel="canonical" href="https://lichess.org/@/thibault"></head>'
        '<body><main class="page-menu" data-username="thibault">'
        '<div class="page-menu__content box user-show"></div></main></body></html>'
    )
    httpserver.expect_request("/@/thibault").respond_with_data(body, content_type="text/html")
    config = SourceConfig(
        name="lichess", type="profile_pages", base_url=httpserver.url_for(""), options={"site": "lichess"}
    )
    profile = ProfilePagesSource(config, HttpClient(NET)).lookup("thibault")
    assert profile.display_name == "thibault (1900)"
    assert profile.avatar_url is None  # the logo is not a profile photo: Lichess has none
    # A canonical URL on another host is not this page's id.
    assert profile.platform_id == httpserver.url_for("/@/thibault")


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
        ({"site": "codeberg"}, r"behind bot protection \(anubis, tls-fingerprint\); automated probes .* not supported"),
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


# --- what the public site lists and the sites' own code say -------------------------


def usable_copy(tmp_path, key: str) -> str:
    """A sites file holding the bundled entry ``key`` with its protection removed, so a local
    server can stand in for the site and the entry's own data (markers, rules) is what is tested."""
    path = tmp_path / f"{key}.json"
    path.write_text(json.dumps({"sites": {key: {**load_sites()[key], "protection": []}}}))
    return str(path)


def bundled_source(httpserver, tmp_path, key: str) -> ProfilePagesSource:
    options = {"site": key, "sites_file": usable_copy(tmp_path, key)}
    config = SourceConfig(name=key, type="profile_pages", base_url=httpserver.url_for("").rstrip("/"), options=options)
    return ProfilePagesSource(config, HttpClient(NET))


@pytest.mark.parametrize(
    ("key", "protection"),
    [("liberapay", "cloudflare"), ("devto", "other"), ("codeberg", "anubis"), ("codeberg", "tls-fingerprint")],
)
def test_protection_is_recorded_as_the_site_lists_record_it(key, protection):
    """WhatsMyName wmn-data.json: Liberapay 'cloudflare', dev.to 'other'; Maigret data.json:
    Liberapay 'cf_js_challenge', codeberg.org 'tls_fingerprint'; Codeberg announced Anubis itself."""
    assert protection in load_sites()[key]["protection"]


@pytest.mark.parametrize("key", [key for key, entry in load_sites().items() if entry["protection"]])
def test_every_protected_bundled_site_is_refused_before_any_request(httpserver, key):
    """A protected site is skipped, never probed: no page of it can be found or missing."""
    config = SourceConfig(name=key, type="profile_pages", base_url=httpserver.url_for(""), options={"site": key})
    with pytest.raises(ConfigError, match=rf"site '{key}' is behind bot protection \(.+\)"):
        ProfilePagesSource(config, HttpClient(NET))
    assert httpserver.log == []


# Liberapay's simplates/blocked-profile.spt in templates/layouts/base.html: what a visitor gets for a
# profile an admin marked spam or fraud (get_participant renders it with HTTP 200; title unset).
LIBERAPAY_BLOCKED = """<!DOCTYPE html>
<html lang="en">
<head prefix="og: http://ogp.me/ns#">
    <title>Liberapay</title>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <meta name="theme-color" content="#f6c915">
</head>
<body>
    <nav class="navbar navbar-liberapay navbar-static-top navbar-collapse" id="navbar">
        <div class="container"><ul class="nav navbar-nav"><li><a href="/explore/">Explore</a></li></ul></div>
    </nav>
    <div id="main">
        <div class="container">
            <div id="subnav"></div>
<p class="text-center font-lg">
<br>
This profile is marked as spam or fraud.
<br>
</p>
        </div>
    </div>
    <footer class="container" role="navigation"><ul><li><a href="/about/">About</a></li></ul></footer>
</body>
</html>"""


def liberapay_profile(alert: str = "", statement: str = "Fundraising for our school robotics club.") -> str:
    """templates/layouts/profile-base.html + profile.html + www/%username/index.html.spt, trimmed."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head prefix="og: http://ogp.me/ns#">
    <meta property="og:title" content="janedoe's profile - Liberapay">
    <meta property="og:type" content="profile">
    <meta property="og:url" content="https://liberapay.com/janedoe">
    <meta property="og:image" content="https://avatars.example/janedoe.png">
    <meta property="og:site_name" content="Liberapay">
    <meta name="twitter:card" content="summary">
    <meta property="og:description" content="{statement}">
    <title>janedoe's profile - Liberapay</title>
</head>
<body>
<div id="main">
<div class="container"><div class="row"><div class="col-md-10 col-md-offset-1 col-lg-8 col-lg-offset-2">
    {alert}
    <div class="profile-header">
        <div class="avatar-cutter-120"><div class="avatar-centerer">
        <img class="avatar" src="https://avatars.example/janedoe.png" alt="Avatar" /></div></div>
        <h1>Jane Doe<br><small>@janedoe</small></h1>
        <p class="summary" lang="en">{statement}</p>
    </div>
</div></div></div>
<div class="container"><section class="profile-statement" lang="en"><p>{statement}</p></section></div>
</div>
</body>
</html>"""


def test_liberapay_blocked_profile_is_found_with_the_spam_verdict(httpserver, tmp_path, robots):
    """Liberapay's get_participant shows visitors blocked-profile.spt for a profile marked spam or
    fraud (is_suspended): no profile marker, only the verdict. The account exists: found, SPAM, and
    nothing on the page is taken as the owner's (its <title> is just 'Liberapay')."""
    robots()
    httpserver.expect_request("/spammer").respond_with_data(LIBERAPAY_BLOCKED, content_type="text/html; charset=utf-8")
    profile = bundled_source(httpserver, tmp_path, "liberapay").lookup("spammer")
    assert profile is not None
    assert profile.moderation == (SPAM,)
    assert (profile.handle, profile.display_name, profile.description, profile.avatar_url) == ("spammer", "", "", None)
    assert profile.profile_url == profile.platform_id == httpserver.url_for("/spammer")
    assert profile.raw == LIBERAPAY_BLOCKED


def test_liberapay_profile_with_the_verdict_alert_keeps_its_fields(httpserver, tmp_path, robots):
    """templates/layouts/profile.html: the owner and admins see the profile, with the verdict in a
    p.alert.alert-warning above the header."""
    robots()
    alert = '<p class="alert alert-warning text-center">This profile is marked as spam or fraud.</p>'
    httpserver.expect_request("/janedoe").respond_with_data(liberapay_profile(alert), content_type="text/html")
    profile = bundled_source(httpserver, tmp_path, "liberapay").lookup("janedoe")
    assert profile.moderation == (SPAM,)
    assert profile.display_name == "janedoe's profile - Liberapay"
    assert profile.avatar_url == "https://avatars.example/janedoe.png"  # og:image: the avatar the owner chose


def test_the_owners_own_words_are_not_the_sites_verdict(httpserver, tmp_path, robots):
    """A statement or summary saying the same words is the owner's text (Liberapay escapes their
    HTML): found, with no moderation."""
    robots()
    words = "This profile is marked as spam or fraud."
    httpserver.expect_request("/janedoe").respond_with_data(
        liberapay_profile(statement=words), content_type="text/html"
    )
    profile = bundled_source(httpserver, tmp_path, "liberapay").lookup("janedoe")
    assert profile is not None and profile.moderation == ()
    assert profile.description == words


def test_liberapay_unknown_and_closed_accounts(httpserver, tmp_path, robots):
    """Liberapay: unknown usernames 404 (missing); closed accounts answer 410 ClosedAccount (unknown)."""
    robots()
    httpserver.expect_request("/nobody").respond_with_data("<h1>Page not found</h1>", status=404)
    httpserver.expect_request("/closed").respond_with_data("This account is closed", status=410)
    source = bundled_source(httpserver, tmp_path, "liberapay")
    assert source.lookup("nobody") is None
    with pytest.raises(ParseError, match="unexpected HTTP 410"):
        source.lookup("closed")


# Forem's users/_meta (og:image = user_social_image_url, the generated card) and
# StoriesController#set_user_json_ld (image = profile_image_url_for(length: 320)); values invented.
DEVTO_PAGE = """<!DOCTYPE html><html lang="en"><head>
<title>Ana Ruiz - DEV Community</title>
<link rel="canonical" href="https://dev.to/ana_ruiz" />
<meta name="description" content="Math teacher.">
<meta property="og:type" content="website" />
<meta property="og:url" content="https://dev.to/ana_ruiz" />
<meta property="og:title" content="Ana Ruiz — DEV Community Profile" />
<meta property="og:image" content="https://dev.to/social_previews/user/4242.png">
<meta property="og:description" content="Math teacher." />
<meta property="og:site_name" content="DEV Community" />
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="Ana Ruiz — DEV Community Profile">
<meta name="twitter:image:src" content="https://dev.to/social_previews/user/4242.png">
</head><body>
<script type="application/ld+json">
{"@context": "http://schema.org", "@type": "Person",
 "mainEntityOfPage": {"@type": "WebPage", "@id": "https://dev.to/ana_ruiz"},
 "url": "https://dev.to/ana_ruiz", "sameAs": ["https://github.com/anaruiz"],
 "image": "https://media.example/uploads/user/profile_image/4242/ana.png",
 "name": "Ana Ruiz", "description": "Math teacher."}
</script>
<header class="profile-header crayons-card"><span class="crayons-avatar crayons-avatar--3xl">
<img src="https://media.example/uploads/user/profile_image/4242/ana.png" width="128" height="128"
 alt="Ana Ruiz profile picture" class="crayons-avatar__image"></span></header>
</body></html>"""


def test_devto_avatar_is_the_profile_photo_not_the_social_card(httpserver, tmp_path, robots):
    """Forem: og:image and twitter:image:src are SocialImageHelper#user_social_image_url (a generated
    card); the photo is the JSON-LD Person's image (Forem's user_show request spec pins it)."""
    robots()
    httpserver.expect_request("/ana_ruiz").respond_with_data(DEVTO_PAGE, content_type="text/html; charset=utf-8")
    profile = bundled_source(httpserver, tmp_path, "devto").lookup("ana_ruiz")
    assert profile.avatar_url == "https://media.example/uploads/user/profile_image/4242/ana.png"
    assert profile.display_name == "Ana Ruiz — DEV Community Profile"
    # The parser's default (og:image first) would have taken the card:
    assert parse_profile_page(DEVTO_PAGE, "https://dev.to/ana_ruiz").avatar_url.endswith(
        "/social_previews/user/4242.png"
    )


def test_devto_handles_with_a_dash_are_asked(httpserver, tmp_path, robots):
    """Forem's Organization::SLUG_REGEXP allows '-' (orgs share the /{handle} namespace); Sherlock's and
    Maigret's regexCheck for dev.to accept it. Such a handle is asked, not declared missing."""
    robots()
    org = DEVTO_PAGE.replace('"@type": "Person"', '"@type": "Organization"')
    httpserver.expect_request("/lincoln-math").respond_with_data(org, content_type="text/html")
    httpserver.expect_request("/ana-ruiz").respond_with_data("<h1>404</h1>", status=404)
    source = bundled_source(httpserver, tmp_path, "devto")
    profile = source.lookup("lincoln-math")
    assert profile is not None and profile.handle == "lincoln-math"
    assert profile.avatar_url is None  # an Organization's JSON-LD image is not read as a person's photo
    assert source.lookup("ana-ruiz") is None
    assert paths(httpserver) == ["/robots.txt", "/lincoln-math", "/ana-ruiz"]


@pytest.mark.parametrize(
    ("key", "handle", "allowed"),
    [
        ("devto", "ana_ruiz", True),  # Forem User::USERNAME_REGEXP, 2..30
        ("devto", "lincoln-math", True),  # Forem Organization::SLUG_REGEXP; Sherlock/Maigret regexCheck
        ("devto", "2cool", True),  # Forem allows a leading digit (Sherlock/Maigret's ^[a-zA-Z] is narrower)
        ("devto", "a" * 30, True),
        ("devto", "a" * 31, False),
        ("devto", "ana.ruiz", False),
        ("codeberg", "a" * 40, True),  # Forgejo: MaxSize(40)
        ("codeberg", "a" * 41, False),
        ("codeberg", "ana.ruiz-2", True),  # Forgejo validUsernamePatternWithDots
        ("codeberg", "-ana", False),
        ("lichess", "1e4", True),  # lila historicalUsernameRegex: old accounts may start with a digit
        ("lichess", "a" * 30, True),
        ("lichess", "a" * 31, False),
        ("lichess", "ana-", False),
        ("liberapay", "jane.doe", True),  # Liberapay Participant.check_username: 1..32, -_. allowed
        ("liberapay", "a" * 32, True),
        ("liberapay", "a" * 33, False),
        ("liberapay", ".jane", False),
    ],
)
def test_handle_rules_follow_the_sites_published_rules(key, handle, allowed):
    """Each site's own username rule (source named per case), never narrower than what it accepts."""
    assert (re.fullmatch(load_sites()[key]["handle_pattern"], handle) is not None) == allowed


# --- the site-data fields: avatar_from and moderation -----------------------------------


MODERATED = {
    **SITE,
    "moderation": [{"status": 200, "selector": "div.flag", "text": "Marked as spam.", "verdict": "spam"}],
}


@pytest.mark.parametrize(
    ("status", "body", "verdicts", "outcome"),
    [
        (200, f'<b {MARKER}></b><div class="flag">Marked   as\nspam.</div>', (SPAM,), FOUND),
        (200, '<div class="flag">Marked as spam.</div>', (SPAM,), FOUND),  # the verdict alone
        (200, '<div class="flag">Marked as spam. Not really!</div>', (), UNKNOWN),  # not the whole text
        (200, "<p>Marked as spam.</p>", (), UNKNOWN),  # not in the site's element
        (404, '<div class="flag">Marked as spam.</div>', (), MISSING),  # another status: not the rule
    ],
)
def test_moderation_verdicts_and_decide(status, body, verdicts, outcome):
    assert moderation_verdicts(MODERATED, status, body) == verdicts
    assert decide(MODERATED, status, body, verdicts) == outcome


def test_a_verdict_on_a_missing_page_is_unknown():
    site = {**MODERATED, "missing": {"status": 200, "contains": "No such user"}}
    body = '<div class="flag">Marked as spam.</div> No such user'
    verdicts = moderation_verdicts(site, 200, body)
    assert verdicts == (SPAM,) and decide(site, 200, body, verdicts) == UNKNOWN


def test_moderation_through_a_source(httpserver, tmp_path, robots):
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"sites": {"demo": MODERATED}}))
    robots()
    httpserver.expect_request("/@/jane").respond_with_data(
        page('<div class="flag">Marked as spam.</div>', '<meta property="og:title" content="Jane">')
    )
    httpserver.expect_request("/@/ana").respond_with_data(page("<p>Marked as spam.</p>"))
    source = make_source(httpserver, path)
    jane = source.lookup("jane")
    assert (jane.display_name, jane.moderation) == ("Jane", (SPAM,))
    assert source.lookup("ana").moderation == ()


AVATARS = (
    '<meta property="og:image" content="/card.png">'
    '<meta name="twitter:image" content="/twitter.png">'
    '<script type="application/ld+json">{"@type": "Person", "image": "/ld.png"}</script>'
    '<img class="avatar" src="/photo.png" data-full="/photo-full.png">'
)


@pytest.mark.parametrize(
    ("avatar_from", "avatar"),
    [
        (AVATAR_PLACES, "/card.png"),  # the default order
        (["json-ld"], "/ld.png"),
        (["twitter:image", "og:image"], "/twitter.png"),
        ([{"selector": "img.avatar", "attribute": "data-full"}], "/photo-full.png"),
        ([{"selector": "img.missing", "attribute": "src"}, "json-ld"], "/ld.png"),  # next place when absent
        ([], None),  # the site has no profile photos
    ],
)
def test_avatar_from_names_where_the_photo_is(avatar_from, avatar):
    fields = parse_profile_page(
        f"<html><head>{AVATARS}</head></html>", "https://site.example/u/jane", avatar_from=avatar_from
    )
    assert fields.avatar_url == (f"https://site.example{avatar}" if avatar else None)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"avatar_from": "json-ld"}, "'avatar_from' must be a list"),
        ({"avatar_from": ["og:img"]}, "unknown place 'og:img'"),
        ({"avatar_from": [{"selector": "img", "attribute": ""}]}, "'avatar_from.attribute' must name an attribute"),
        ({"avatar_from": [{"selector": "img[", "attribute": "src"}]}, "'avatar_from.selector' is not a CSS selector"),
        ({"avatar_from": [{"selector": "img", "attribute": "src", "size": 1}]}, "element has unknown key 'size'"),
        ({"avatar_from": [42]}, "entries must be a place name or an object"),
        ({"moderation": []}, "'moderation' must be a non-empty list"),
        ({"moderation": ["spam"]}, "rules must be objects"),
        ({"moderation": [{"status": 200, "selector": "p", "text": "x"}]}, "rule needs 'verdict'"),
        ({"moderation": [{**MODERATED["moderation"][0], "verdict": "bad"}]}, "'moderation.verdict' must be one of"),
        ({"moderation": [{**MODERATED["moderation"][0], "status": 700}]}, "'moderation.status' must be an HTTP"),
        ({"moderation": [{**MODERATED["moderation"][0], "selector": "p:nope"}]}, "'moderation.selector' is not"),
        ({"moderation": [{**MODERATED["moderation"][0], "text": " "}]}, "'moderation.text' must be a non-empty"),
        ({"moderation": [{**MODERATED["moderation"][0], "why": "x"}]}, "rule has unknown key 'why'"),
        ({"moderation": [{**MODERATED["moderation"][0], "status": 404}]}, "with the 'missing' status needs"),
    ],
)
def test_validate_site_names_each_problem_of_the_new_fields(change, problem):
    problems = validate_site({**SITE, **change})
    assert any(problem in p for p in problems), problems


def test_valid_new_fields_pass_and_the_schema_spells_them_the_same():
    assert validate_site(MODERATED) == []
    assert validate_site({**SITE, "avatar_from": ["json-ld", {"selector": "img.a", "attribute": "src"}]}) == []
    assert validate_site({**SITE, "avatar_from": []}) == []
    schema = json.loads(resources.files("sources").joinpath("sites.schema.json").read_text(encoding="utf-8"))
    defs = schema["$defs"]
    assert defs["site"]["properties"]["avatar_from"]["items"]["oneOf"][0]["enum"] == list(AVATAR_PLACES)
    assert defs["moderation_rule"]["required"] == list(MODERATION_KEYS)
    assert defs["moderation_rule"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert VERDICTS["spam"] == SPAM


# --- fetch: a profile asked again by its id (the re-checks), alone ------------------------------


def test_profile_pages_fetch_asks_the_handles_page(httpserver, tmp_path):
    sites = tmp_path / "sites.json"
    sites.write_text(json.dumps({"sites": {"demo": SITE}}))
    options = {"site": "demo", "sites_file": str(sites)}
    config = SourceConfig(
        name="pages", type="profile_pages", base_url=httpserver.url_for("").rstrip("/"), options=options
    )
    source = ProfilePagesSource(config, HttpClient(NET))
    page = f'<html><head><meta property="og:title" content="Jane Doe"></head><body {MARKER}></body></html>'
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/@/jane").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/@/gone").respond_with_data("<html>no such user</html>", status=404)
    httpserver.expect_request("/@/walled").respond_with_data("<html>log in</html>", status=403)
    httpserver.expect_request("/@/changed").respond_with_data("<html>new layout</html>", content_type="text/html")

    profile = source.fetch(httpserver.url_for("/@/jane"), "jane")
    assert profile.display_name == "Jane Doe" and profile.raw == page and profile.raw_type == "text/html"
    assert source.fetch("https://x.example/@/gone", "gone") is None
    with pytest.raises(SourceBlocked):
        source.fetch("https://x.example/@/walled", "walled")
    with pytest.raises(ParseError):
        source.fetch("https://x.example/@/changed", "changed")
    asked = len(httpserver.log)
    with pytest.raises(ParseError):  # a stored handle the site cannot have: unknown, and not asked
        source.fetch("https://x.example/@/a/b", "a/b")
    assert len(httpserver.log) == asked
