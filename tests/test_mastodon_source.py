"""The Mastodon adapter against a real local HTTP server speaking a Mastodon server's API shapes."""

from __future__ import annotations

import json
import logging
from copy import deepcopy

import pytest

from sources.client import HttpClient
from sources.mastodon import MastodonSource
from watcher.config import NetworkConfig, SourceConfig
from watcher.demo.fake_mastodon import FakeMastodon
from watcher.errors import ConfigError, ParseError, RateLimited, SourceBlocked, SourceError, SourceUnavailable

NET = NetworkConfig(allow_private_addresses=True, timeout=2, retry_backoff=0.01, max_wait=1)
SEARCH = "/m/api/v2/search"
LOOKUP = "/m/api/v1/accounts/lookup"
TOKEN = "s3cret-token-value"


def account(n, **extra):
    """An ``Account`` as ``/api/v2/search`` and ``accounts/lookup`` return it."""
    return {
        "id": f"1090{n}",
        "username": f"user{n}",
        "acct": f"user{n}",
        "display_name": f"User {n}",
        "locked": False,
        "bot": False,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": "2024-03-01T00:00:00.000Z",
        "note": "",
        "url": f"https://social.example/@user{n}",
        "avatar": "https://social.example/avatars/original/missing.png",
        "avatar_static": "https://social.example/avatars/original/missing.png",
        "header": "https://social.example/headers/original/missing.png",
        "header_static": "https://social.example/headers/original/missing.png",
        "followers_count": 3,
        "following_count": 5,
        "statuses_count": 7,
        "emojis": [],
        "fields": [],
        **extra,
    }


def results(*accounts):
    return {"accounts": list(accounts), "statuses": [], "hashtags": []}


def source(httpserver, page_size=25, max_pages=4, **options):
    config = SourceConfig(
        name="m",
        type="mastodon",
        base_url=httpserver.url_for("/m"),
        page_size=page_size,
        max_pages=max_pages,
        options=options,
    )
    return MastodonSource(config, HttpClient(NET))


def sent_args(httpserver):
    return [dict(request.args) for request, _response in httpserver.log]


def test_search_turns_accounts_into_profiles(httpserver):
    httpserver.expect_request(
        SEARCH,
        query_string={"q": "Jane Doe", "type": "accounts", "limit": "25"},
        headers={"Accept": "application/json"},
    ).respond_with_json(
        results(
            account(
                1,
                acct="JaneDoe",
                display_name="Jane Doe",
                bot=True,
                avatar="https://files.social.example/accounts/avatars/000/001/original/a.gif",
                avatar_static="https://files.social.example/accounts/avatars/000/001/static/a.png",
                header="https://files.social.example/accounts/headers/000/001/original/h.jpg",
                header_static="https://files.social.example/accounts/headers/000/001/original/h.jpg",
            ),
            account(2, acct="jane@Other.Example", url="https://other.example/@jane"),
        )
    )
    profiles = list(source(httpserver).search("Jane Doe"))
    assert [p.platform_id for p in profiles] == ["10901", "10902"]
    jane = profiles[0]
    assert jane.source == "m"
    assert jane.handle == "janedoe@localhost"  # local accounts get the server's host
    assert jane.account == "m:janedoe@localhost"
    assert jane.display_name == "Jane Doe"
    assert jane.profile_url == "https://social.example/@user1"
    assert jane.avatar_url == "https://files.social.example/accounts/avatars/000/001/static/a.png"
    assert jane.banner_url == "https://files.social.example/accounts/headers/000/001/original/h.jpg"
    assert jane.labels == ("bot",)
    assert profiles[1].handle == "jane@other.example"
    assert profiles[1].labels == ()
    httpserver.check_assertions()


def test_account_domain_option_names_local_handles(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1)))
    [profile] = source(httpserver, account_domain="Example.org").search("x")
    assert profile.handle == "user1@example.org"


def test_empty_search(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(results())
    assert list(source(httpserver).search("Nobody Here")) == []
    assert len(httpserver.log) == 1


def test_without_token_one_page_and_never_offset_or_resolve(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1), account(2)))
    profiles = list(source(httpserver, page_size=2, max_pages=5).search("x"))
    assert len(profiles) == 2  # a full page, but anonymous search cannot page
    assert sent_args(httpserver) == [{"q": "x", "type": "accounts", "limit": "2"}]
    request = httpserver.log[0][0]
    assert "Authorization" not in request.headers


def test_limit_is_capped_at_40(httpserver):
    httpserver.expect_request(SEARCH, query_string={"q": "x", "type": "accounts", "limit": "40"}).respond_with_json(
        results()
    )
    assert list(source(httpserver, page_size=100).search("x")) == []
    httpserver.check_assertions()


def test_with_token_pages_with_offset(httpserver, monkeypatch):
    monkeypatch.setenv("MASTO_TOKEN", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    base = {"q": "x", "type": "accounts", "limit": "2"}
    httpserver.expect_ordered_request(SEARCH, query_string=base, headers=auth).respond_with_json(
        results(account(1), account(2))
    )
    httpserver.expect_ordered_request(SEARCH, query_string={**base, "offset": "2"}, headers=auth).respond_with_json(
        results(account(3), account(4))
    )
    httpserver.expect_ordered_request(SEARCH, query_string={**base, "offset": "4"}, headers=auth).respond_with_json(
        results(account(5))
    )
    profiles = list(source(httpserver, page_size=2, max_pages=5, token_env="MASTO_TOKEN").search("x"))
    assert [p.platform_id for p in profiles] == ["10901", "10902", "10903", "10904", "10905"]
    assert all("resolve" not in args for args in sent_args(httpserver))
    httpserver.check_assertions()


def test_with_token_page_cap_and_repeated_page(httpserver, monkeypatch):
    monkeypatch.setenv("MASTO_TOKEN", TOKEN)
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1)))
    assert len(list(source(httpserver, page_size=1, max_pages=3, token_env="MASTO_TOKEN").search("x"))) == 1
    assert len(httpserver.log) == 2  # the second page only repeats the first: stop


def test_unset_token_variable_searches_anonymously(httpserver, monkeypatch, caplog):
    monkeypatch.delenv("MASTO_TOKEN", raising=False)
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1)))
    with caplog.at_level(logging.WARNING):
        src = source(httpserver, page_size=1, token_env="MASTO_TOKEN")
    assert "MASTO_TOKEN" in caplog.text
    assert len(list(src.search("x"))) == 1
    assert len(httpserver.log) == 1 and "offset" not in httpserver.log[0][0].args


def test_bad_token_is_blocked_and_never_shown(httpserver, monkeypatch, caplog):
    monkeypatch.setenv("MASTO_TOKEN", TOKEN)
    httpserver.expect_request(SEARCH).respond_with_json({"error": "The access token is invalid"}, status=401)
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceBlocked, match="access token is invalid") as info:
        list(source(httpserver, token_env="MASTO_TOKEN").search("x"))
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


def test_token_env_must_be_a_name(httpserver):
    with pytest.raises(ConfigError, match="token_env"):
        source(httpserver, token_env=5)


def test_keeps_non_discoverable_and_skips_malformed_accounts(httpserver):
    """REST::AccountSerializer sends ``discoverable`` as stored; the docs' Account entity calls it a
    nullable Boolean about "discovery features such as the profile directory", and
    ActivityPub::ProcessAccountService stores false for a remote actor that does not publish it."""
    httpserver.expect_request(SEARCH).respond_with_json(
        results(
            account(1, discoverable=False),
            account(2, discoverable=None),
            account(6, acct="user6@remote.example", discoverable=False, indexable=False),
            {"acct": "noid"},
            "junk",
            account(3, acct=""),
            account(4, acct="two words"),
            account(5, acct="a@b@c"),
            account(7, acct="a@evil.example/x"),
        )
    )
    assert [p.platform_id for p in source(httpserver).search("x")] == ["10901", "10902", "10906"]


def test_default_avatar_and_header_are_no_images(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(
        results(
            account(1),
            account(
                2,
                avatar_static=None,
                avatar="https://social.example/system/accounts/avatars/2.png",
                header_static="https://cdn.example/prefix/headers/original/missing.png",
            ),
        )
    )
    first, second = source(httpserver).search("x")
    assert first.avatar_url is None and first.banner_url is None
    assert second.avatar_url == "https://social.example/system/accounts/avatars/2.png"
    assert second.banner_url is None


def test_note_html_becomes_text(httpserver):
    note = (
        '<p>Teacher at <a href="https://school.example/" rel="nofollow noopener" target="_blank">'
        '<span class="invisible">https://</span><span class="">school.example/</span>'
        '<span class="invisible"></span></a></p>'
        "<p>Line one<br />Line two &amp; more</p>"
        '<p><span class="h-card"><a href="https://social.example/@pal" class="u-url mention">@<span>pal</span></a>'
        "</span></p>"
    )
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1, note=note)))
    [profile] = source(httpserver).search("x")
    assert profile.description == "Teacher at https://school.example/\nLine one\nLine two & more\n@pal"


def test_links_from_fields(httpserver):
    fields = [
        {
            "name": "Website",
            "value": '<a href="https://jane.example/" target="_blank" rel="nofollow noopener me" translate="no">'
            '<span class="invisible">https://</span><span class="">jane.example/</span></a>',
            "verified_at": "2024-03-02T00:00:00.000+00:00",
        },
        {"name": "Old server", "value": "https://old.example/@jane", "verified_at": None},
        {"name": "Pronouns", "value": "she/her", "verified_at": None},
        {"name": "Again", "value": '<a href="https://jane.example/">jane.example</a>', "verified_at": None},
        {"name": "Bad", "value": '<a href="javascript:alert(1)">click</a>', "verified_at": None},
        {"name": "Odd", "value": 12},
    ]
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1, fields=fields)))
    [profile] = source(httpserver).search("x")
    assert profile.links == ("https://jane.example/", "https://old.example/@jane")


def test_hostile_fields_are_cleaned(httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(
        results(
            account(
                1,
                display_name="Maria\u202e aicraG\r\nBcc: x@y.example\x1b[31m",
                note="<p>a<script>alert(1)</script>\x07b</p><style>p{}</style><p>\u2066c\u2069</p>",
                url="javascript:alert(1)",
                avatar_static="file:///etc/passwd",
                avatar="https://evil.example/a b.png",
                header_static="https://user:pw@evil.example/h.png",
                fields="not a list",
                bot="yes",
            ),
            account(2, display_name=["list"], note={"html": 1}, id=10902),
        )
    )
    first, second = source(httpserver).search("x")
    assert first.display_name == "Maria aicraG Bcc: x@y.example [31m"
    assert first.description == "a b\nc"
    assert first.profile_url == httpserver.url_for("/m/@user1")  # built from acct, never javascript:
    assert first.avatar_url is None and first.banner_url is None
    assert first.links == () and first.labels == ()
    assert second.platform_id == "10902"
    assert second.display_name == "" and second.description == ""


def test_lookup_found(httpserver):
    httpserver.expect_request(LOOKUP, query_string={"acct": "jdoe"}).respond_with_json(account(7, acct="jdoe"))
    profile = source(httpserver).lookup("@jdoe")
    assert profile is not None
    assert profile.handle == "jdoe@localhost" and profile.platform_id == "10907"
    httpserver.check_assertions()


def test_lookup_remote_handle(httpserver):
    httpserver.expect_request(LOOKUP, query_string={"acct": "jdoe@other.example"}).respond_with_json(
        account(7, acct="jdoe@other.example")
    )
    assert source(httpserver).lookup("jdoe@other.example").handle == "jdoe@other.example"


def test_lookup_not_found_is_none(httpserver):
    httpserver.expect_request(LOOKUP).respond_with_json({"error": "Record not found"}, status=404)
    assert source(httpserver).lookup("nobody") is None


def test_lookup_404_page_that_is_not_the_api_is_unknown(httpserver):
    httpserver.expect_request(LOOKUP).respond_with_data("<html>Not Found</html>", status=404, content_type="text/html")
    with pytest.raises(SourceError, match="HTTP 404"):
        source(httpserver).lookup("nobody")


@pytest.mark.parametrize("discoverable", [False, None])
def test_lookup_and_fetch_of_non_discoverable_account_find_it(httpserver, discoverable):
    """Docs' Account entity: ``discoverable`` is "opted into discovery features such as the profile
    directory" (nullable); Accounts::LookupController and AccountsController serve the account anyway."""
    remote = account(1, acct="user1@remote.example", url="https://remote.example/@user1", discoverable=discoverable)
    httpserver.expect_request(LOOKUP).respond_with_json(remote)
    httpserver.expect_request("/m/api/v1/accounts/10901").respond_with_json(remote)
    src = source(httpserver)
    assert src.lookup("user1@remote.example").handle == "user1@remote.example"
    assert src.fetch("10901", "user1@remote.example").profile_url == "https://remote.example/@user1"


def test_lookup_of_suspended_account_is_missing(httpserver):
    """REST::AccountSerializer: a suspended account has ``suspended: true``, empty name and note."""
    httpserver.expect_request(LOOKUP).respond_with_json(account(1, suspended=True, display_name="", discoverable=False))
    assert source(httpserver).lookup("user1") is None


def test_lookup_of_remote_account_this_server_never_fetched_is_unknown(httpserver):
    """Accounts::LookupController: ``ResolveAccountService.call(acct, skip_webfinger: true)`` or
    RecordNotFound; a remote account not yet in this server's database is a 404 there."""
    httpserver.expect_request(LOOKUP).respond_with_json({"error": "Record not found"}, status=404)
    src = source(httpserver, account_domain="social.example")
    with pytest.raises(SourceBlocked, match="not known to this server") as info:
        src.lookup("@jdoe@other.example")
    assert "\n" not in str(info.value)
    assert src.lookup("jdoe@Social.Example") is None  # this server's own domain: missing
    assert src.lookup("jdoe@localhost") is None  # its web host is local too
    assert src.lookup("jdoe") is None


def test_lookup_answer_that_is_not_an_account(httpserver):
    httpserver.expect_request(LOOKUP).respond_with_json({"accounts": []})
    with pytest.raises(ParseError, match="not an account"):
        source(httpserver).lookup("user1")


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "text"),
    [
        (
            401,
            {"error": "Search queries pagination is not supported without authentication"},
            {},
            SourceBlocked,
            "access refused",
        ),
        (403, {"error": "This action is not allowed"}, {}, SourceBlocked, "not allowed"),
        (429, {"error": "Too many requests"}, {"Retry-After": "30"}, RateLimited, "retry after 30s"),
        (502, "<html>bad gateway</html>", {}, SourceUnavailable, "HTTP 502"),
        (200, "<html>Checking your browser</html>", {"Content-Type": "text/html"}, SourceBlocked, "HTML page"),
        (200, '{"accounts": [{"id": "1"', {}, ParseError, "not valid JSON"),
        (200, {"statuses": []}, {}, ParseError, "no 'accounts' list"),
        (200, [], {}, ParseError, "no 'accounts' list"),
    ],
)
def test_errors_are_unknown_never_empty_answers(httpserver, status, body, headers, error, text):
    data = body if isinstance(body, str) else json.dumps(body)
    httpserver.expect_request(SEARCH).respond_with_data(
        data, status=status, headers=headers, content_type=headers.get("Content-Type", "application/json")
    )
    with pytest.raises(error, match=text):
        list(source(httpserver).search("x"))


@pytest.mark.parametrize(
    ("status", "headers"),
    [(503, {}), (500, {}), (429, {"Retry-After": "0"})],
)
def test_retries_then_answers(httpserver, status, headers):
    httpserver.expect_ordered_request(SEARCH).respond_with_json({"error": "busy"}, status=status, headers=headers)
    httpserver.expect_ordered_request(SEARCH).respond_with_json(results(account(1)))
    assert [p.platform_id for p in source(httpserver).search("x")] == ["10901"]
    httpserver.check_assertions()


def test_unreachable_server():
    config = SourceConfig(name="m", type="mastodon", base_url="http://127.0.0.1:9/m")
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        MastodonSource(config, HttpClient(NET)).lookup("x")


def test_default_rate_is_the_published_limit():
    assert (MastodonSource.default_rate.requests, MastodonSource.default_rate.seconds) == (300, 300)


def emoji(shortcode):
    """A ``CustomEmoji`` as REST::CustomEmojiSerializer and the docs' CustomEmoji entity show it."""
    return {
        "shortcode": shortcode,
        "url": f"https://files.social.example/custom_emojis/images/000/000/001/original/{shortcode}.png",
        "static_url": f"https://files.social.example/custom_emojis/images/000/000/001/static/{shortcode}.png",
        "visible_in_picker": True,
    }


def test_display_name_drops_custom_emoji_shortcodes(httpserver):
    """Docs' Account entity: ``display_name`` is text and ``emojis[]`` the images to render in it;
    CustomEmoji::SCAN_RE decides what is a shortcode, and Account#emojis lists only those this
    server stored (a remote emoji is missing when its domain's media is rejected)."""
    httpserver.expect_request(SEARCH).respond_with_json(
        results(
            account(
                1, display_name=":verified: María García López :lausd:", emojis=[emoji("verified"), emoji("lausd")]
            ),
            account(2, acct="ana@remote.example", display_name=":verified: Ana Ruiz :flag_mx:", emojis=[]),
            account(3, display_name="Ana Ruiz :a: at 10:30:45 Ana:Ruiz: :ab::cd:", emojis=[]),
            account(4, display_name=":blobcat:", emojis=[emoji("blobcat")]),
        )
    )
    names = [p.display_name for p in source(httpserver).search("x")]
    assert names == ["María García López", "Ana Ruiz", "Ana Ruiz :a: at 10:30:45 Ana:Ruiz: :ab::cd:", ""]


def test_moved_limited_memorial_group_and_bot(httpserver):
    """REST::AccountSerializer: ``moved`` is the Account moved to (not nested further), ``limited``
    is present only when silenced, ``memorial`` only when memorialised; ``group`` and ``bot`` are
    always there. The docs' Account entity describes each."""
    new_home = account(9, acct="maria@new.example", url="https://new.example/@maria")
    fields = [
        {"name": "Site", "value": '<a href="https://maria.example/">maria.example</a>', "verified_at": None},
        {"name": "Now", "value": '<a href="https://new.example/@maria">new.example/@maria</a>', "verified_at": None},
    ]
    httpserver.expect_request(SEARCH).respond_with_json(
        results(
            account(1, moved=new_home, limited=True, fields=fields),
            account(2, memorial=True, group=True, bot=True),
            account(3, moved=account(8, acct="maria2", url=None)),
            account(4, moved=None, limited=False),
        )
    )
    moved, memorial, moved_local, plain = source(httpserver).search("x")
    assert moved.labels == ("moved",) and moved.moderation == ("limited",)
    assert moved.links == ("https://new.example/@maria", "https://maria.example/")
    assert memorial.labels == ("bot", "group", "memorial") and memorial.moderation == ()
    assert moved_local.labels == ("moved",) and moved_local.links == (httpserver.url_for("/m/@maria2"),)
    assert plain.labels == () and plain.moderation == () and plain.links == ()


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "missing"])
def test_profile_url_without_a_usable_url_is_built_from_acct(httpserver, url):
    """The docs' Account entity: ``acct`` is ``username`` for local accounts and ``username@domain``
    for remote ones; ``url`` may be null (ActivityPub::TagManager#url_for has none for some actors)."""
    remote = account(1, acct="Maria@Remote.Example", url=url)
    local = account(2, acct="Maria", url=url)
    if url == "missing":
        del remote["url"], local["url"]
    httpserver.expect_request(SEARCH).respond_with_json(results(remote, local))
    first, second = source(httpserver).search("x")
    assert first.profile_url == "https://remote.example/@Maria"
    assert second.profile_url == httpserver.url_for("/m/@Maria")


def test_long_one_line_bio_is_kept_whole(httpserver):
    """REST::AccountSerializer's ``note`` is the bio as HTML, one ``<p>`` here (docs' Account example)."""
    opening = "Proud parent, runner and coffee drinker. " * 8
    note = f"<p>{opening}Teaching chemistry at Roosevelt High School since 2015.</p>"
    httpserver.expect_request(SEARCH).respond_with_json(results(account(1, note=note)))
    [profile] = source(httpserver).search("x")
    assert len(opening) > 300 and "\n" not in profile.description
    assert profile.description.endswith("Teaching chemistry at Roosevelt High School since 2015.")


def test_app_only_token_keeps_page_one_and_stops_paging(httpserver, monkeypatch, caplog):
    """Api::V2::SearchController#validate_search_params!: without ``user_signed_in?`` an ``offset``
    gets 401 "Search queries pagination is not supported without authentication"; an app-only
    token (client credentials) is no signed-in user."""
    monkeypatch.setenv("MASTO_TOKEN", TOKEN)
    refusal = {"error": "Search queries pagination is not supported without authentication"}
    base = {"q": "x", "type": "accounts", "limit": "2"}
    httpserver.expect_ordered_request(SEARCH, query_string=base).respond_with_json(results(account(1), account(2)))
    httpserver.expect_ordered_request(SEARCH, query_string={**base, "offset": "2"}).respond_with_json(
        refusal, status=401
    )
    httpserver.expect_ordered_request(SEARCH, query_string=base).respond_with_json(results(account(3), account(4)))
    src = source(httpserver, page_size=2, max_pages=5, token_env="MASTO_TOKEN")
    with caplog.at_level(logging.WARNING):
        assert [p.platform_id for p in src.search("x")] == ["10901", "10902"]
        assert [p.platform_id for p in src.search("x")] == ["10903", "10904"]  # no offset asked again
    httpserver.check_assertions()
    warnings = [r for r in caplog.records if "does not allow paging" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert TOKEN not in caplog.text


DIRECTORY = "/m/api/v1/directory"


def test_directory_lists_the_newest_local_accounts_page_by_page(httpserver):
    """Mastodon's ``GET /api/v1/directory`` (Api::V1::DirectoriesController, docs "directory"):
    public, ``local``, ``order`` (``new``: newest first), ``limit`` up to 80, ``offset``; an array
    of Accounts. A short page is the last."""
    first = [account(n) for n in range(80)]
    httpserver.expect_ordered_request(
        DIRECTORY, query_string={"local": "true", "order": "new", "limit": "80", "offset": "0"}
    ).respond_with_json(first)
    httpserver.expect_ordered_request(
        DIRECTORY, query_string={"local": "true", "order": "new", "limit": "80", "offset": "80"}
    ).respond_with_json([account(80, suspended=True), account(81)])
    listed = list(source(httpserver).directory())
    assert [p.platform_id for p in listed] == [f"1090{n}" for n in (*range(80), 81)]  # not the suspended one
    assert listed[0].handle == "user0@localhost" and "Authorization" not in httpserver.log[0][0].headers
    httpserver.check_assertions()


def test_directory_pages_are_capped_and_can_be_turned_off(httpserver):
    httpserver.expect_request(DIRECTORY).respond_with_json([account(n) for n in range(80)])
    assert len(list(source(httpserver, directory_pages=2).directory())) == 160
    assert len(httpserver.log) == 2
    assert list(source(httpserver, directory_pages=0).directory()) == [] and len(httpserver.log) == 2


@pytest.mark.parametrize("pages", [-1, "5", True, 2.5])
def test_directory_pages_must_be_a_whole_number(httpserver, pages):
    with pytest.raises(ConfigError, match="directory_pages must be a whole number"):
        source(httpserver, directory_pages=pages)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [(200, {"accounts": []}, ParseError), (401, {"error": "This API requires an authenticated user"}, SourceBlocked)],
)
def test_a_directory_that_is_not_there_is_unknown(httpserver, status, body, error):
    """A server may close its directory to anonymous callers (401); an answer that is no list is not one."""
    httpserver.expect_request(DIRECTORY).respond_with_json(body, status=status)
    with pytest.raises(error):
        list(source(httpserver).directory())


# --- fetch: a profile asked again by its id (the re-checks), alone ------------------------------


def mastodon(base_url: str) -> MastodonSource:
    return MastodonSource(SourceConfig(name="masto", type="mastodon", base_url=base_url), HttpClient(NET))


def test_mastodon_fetch_by_id_against_the_stand_in(world):
    accounts = [deepcopy(a) for a in world.mastodon]
    with FakeMastodon(accounts, world.mastodon_images, prefix="/social") as server:
        source = mastodon(server.base_url)
        first, second, third = accounts[:3]
        profile = source.fetch(first["id"], "someone")
        assert profile.platform_id == first["id"] and profile.handle.startswith(first["username"] + "@")
        assert json.loads(profile.raw)["id"] == first["id"] and profile.raw_type == "application/json"
        assert all(json.loads(p.raw)["id"] == p.platform_id for p in source.search(second["display_name"]))
        server.accounts.remove(first)
        server.suspended.add(second["id"])
        assert source.fetch(first["id"], "x") is None and source.fetch(second["id"], "x") is None
        assert source.lookup(second["acct"]) is None  # a suspended account's handle is not there either
        third["discoverable"] = False  # directory listing only: the public profile is still read
        assert source.fetch(third["id"], third["acct"]).platform_id == third["id"]


ACCOUNT = "/m/api/v1/accounts/109"


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (404, {"error": "Record not found"}, None),
        (410, {"error": "Gone"}, None),
        (200, {"id": "109", "username": "x", "acct": "x", "suspended": True, "display_name": ""}, None),
        (404, "<html>nginx</html>", SourceError),
        (503, {"error": "busy"}, SourceUnavailable),
        (429, {"error": "Too many requests"}, RateLimited),
        (401, {"error": "This API requires an authenticated user"}, SourceBlocked),
        (200, {"id": "110", "username": "x", "acct": "x"}, ParseError),
    ],
)
def test_mastodon_fetch_gone_and_unknown_shapes(httpserver, status, body, expected):
    kwargs = {"content_type": "application/json"} if isinstance(body, dict) else {"content_type": "text/html"}
    data = json.dumps(body) if isinstance(body, dict) else body
    httpserver.expect_request(ACCOUNT).respond_with_data(data, status=status, **kwargs)
    source = mastodon(httpserver.url_for("/m"))
    if expected is None:
        assert source.fetch("109", "x") is None
    else:
        with pytest.raises(expected):
            source.fetch("109", "x")
