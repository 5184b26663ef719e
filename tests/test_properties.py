"""Property-based tests: text cleaning, URL checking, name folding and the API parsers on inputs
nobody thought to write down (hypothesis).

Each property says what must hold for every input: the function never raises (a parser raises
only a ``SourceError``, "could not tell"), its output is bounded and free of control characters,
and a normalisation applied twice changes nothing. The attack each guards against: a hostile
profile author or platform answer that crashes a scan (KeyError, TypeError…), smuggles a control
character into an alert or a log, or makes a stored field as long as it likes.

No example database (``database=None``) and ``derandomize``: every run draws the same examples
and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import copy
import json
import unicodedata
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sources.base import MAX_LINKS
from sources.bluesky import MAX_DID, MAX_LABEL, MAX_LABELS, BlueskySource
from sources.client import HttpClient
from sources.github import MAX_USER_ID, GitHubSource
from sources.mastodon import MAX_ACCOUNT_ID, MAX_ACCT, MastodonSource
from sources.page_fields import PageFields, parse_profile_page
from watcher.config import NetworkConfig, SourceConfig
from watcher.errors import SourceError
from watcher.matching.names import folding, parts
from watcher.models import Profile
from watcher.text import MAX_LINE, MAX_TEXT, MAX_URL, clean_line, clean_text, web_url

# derandomize: the same examples every run, so a run fails only for a change in the code.
FAST = settings(max_examples=150, deadline=None, database=None, derandomize=True)
SLOW = settings(max_examples=60, deadline=None, database=None, derandomize=True)

# --- strategies ---------------------------------------------------------------

# Characters that have broken text handling somewhere: line breaks of every kind, terminal
# escapes, bidi controls, invisible and combining characters, look-alikes, a lone surrogate,
# characters that NFKC expands or casefold changes, and the HTML and URL punctuation.
TRICKY = (
    "\r\n\t\x00\x07\x1b\x7f\x85\x9b\u2028\u2029\u202e\u2066\u200b\u200d\ufeff\u00ad\u0301\u0308"
    "\ud800\udfff\ufffd\u0130\u0131\u00df\u1e9e\ufb01\ufdfa\u2460\uff2d\U0001d40c\u0430\u043e\u03bf"
    "ǅŉ!|@$0134 :/?#[]@&<>\"'%.-_aAzZ"
)
chars = st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY))
short_texts = st.text(chars, max_size=40)
# Long texts too: repeated pieces reach the length caps without costing hypothesis much.
texts = st.one_of(short_texts, st.builds(lambda piece, times: piece * times, short_texts, st.integers(1, 400)))

NAMED_KEYS = (
    # Bluesky profileView(Detailed) and com.atproto.label.defs#label
    "did handle displayName description avatar banner website labels val src neg exp uri cts "
    # Mastodon Account
    "id acct username display_name note url avatar_static header header_static fields name value "
    "moved suspended limited bot group memorial emojis "
    # GitHub user
    "login avatar_url html_url type name company blog bio twitter_username suspended_at"
).split()
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=10**30),
    st.floats(),  # NaN and infinities too: json.loads accepts them
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(NAMED_KEYS), short_texts), inner, max_size=6),
    ),
    max_leaves=12,
)
# What a mutated field becomes: mostly text (most fields are text), else anything.
field_values = st.one_of(texts, json_values)


def mutated(published: dict[str, Any], nested: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """``published`` with some of its fields replaced by anything JSON can hold, or removed, and a
    field or two added: at the top level and inside the ``nested`` fields (each element of a list:
    the labels, the profile fields; or an object: the account it moved to)."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        value = copy.deepcopy(published)
        targets = [value]
        for where in nested:
            targets += value[where] if isinstance(value[where], list) else [value[where]]
        for target in targets:
            for key in sorted(target):
                change = draw(st.sampled_from(("keep", "keep", "keep", "replace", "drop")))
                if change == "replace":
                    target[key] = draw(field_values)
                elif change == "drop":
                    del target[key]
            for key in draw(st.lists(st.sampled_from(NAMED_KEYS), max_size=2)):
                target[key] = draw(field_values)
        for where in nested:  # the nested field itself may go, or become anything
            change = draw(st.sampled_from(("keep", "keep", "keep", "replace", "drop")))
            if change == "replace":
                value[where] = draw(field_values)
            elif change == "drop":
                value.pop(where, None)
        return value

    return build()


# --- what a clean result looks like ---------------------------------------------

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_unsafe(ch: str) -> bool:
    """A character no cleaned text may hold: controls, lone surrogates, line separators, bidi controls."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI


def assert_one_clean_line(text: str, limit: int) -> None:
    assert isinstance(text, str) and len(text) <= limit
    assert not [ch for ch in text if is_unsafe(ch)]
    assert text == text.strip() and "  " not in text


def assert_clean_url(url: str | None) -> None:
    if url is not None:
        assert len(url) <= MAX_URL and web_url(url) == url
        assert url.lower().startswith(("http://", "https://"))


# --- text cleaning ---------------------------------------------------------------


@FAST
@given(st.one_of(texts, json_values))
@example("0 " * 151)  # found by hypothesis: the cut at 300 left a trailing space, gone the second time
def test_clean_line_is_one_bounded_clean_line_and_idempotent(value):
    """Attack: a name with CR LF, ESC or U+2028 forges lines in an alert or a log; a 10,000-character
    name fills the digest; a lone surrogate makes SQLite and e-mail encoding fail."""
    once = clean_line(value)
    assert_one_clean_line(once, MAX_LINE)
    assert clean_line(once) == once


@FAST
@given(st.one_of(texts, json_values))
@example("\ud800")  # found by hypothesis: a lone surrogate was kept (SQLite and e-mail cannot encode it)
@example("0" * 14 + " " * 201)
def test_clean_text_keeps_only_line_breaks_is_bounded_and_idempotent(value):
    """Attack: a bio with controls, bidi overrides, blank-line floods or 100,000 characters."""
    once = clean_text(value)
    assert isinstance(once, str) and len(once) <= MAX_TEXT
    for line in once.split("\n") if once else []:
        assert line
        assert_one_clean_line(line, MAX_TEXT)
    assert clean_text(once) == once


urls = st.builds(
    "{}{}{}/{}".format,
    st.sampled_from(["http", "https", "HTTPS", "javascript", "file", "ftp", "data", ""]),
    st.sampled_from(["://", ":", ":///", "//", "://user:pw@", "://@"]),
    st.one_of(
        st.sampled_from(["example.org", "127.0.0.1", "[::1]", "[::1", "xn--bcher-kva.example", "a.b:99999"]),
        short_texts,
    ),
    st.one_of(short_texts, st.builds(lambda piece, times: piece * times, short_texts, st.integers(1, 200))),
)


@FAST
@given(st.one_of(urls, texts))
def test_web_url_keeps_a_url_whole_or_drops_it(value):
    """Attack: javascript: links, user parts, control characters, malformed IPv6 hosts and over-long
    URLs (a URL cut short is another URL)."""
    url = web_url(value)
    assert url is None or url == value
    assert_clean_url(url)


@SLOW
@given(json_values)
def test_web_url_never_raises_on_any_json_value(value):
    """Attack: a URL field holding a number, a list, an object or NaN."""
    assert_clean_url(web_url(value))


# --- name normalisation ------------------------------------------------------------

name_texts = st.one_of(short_texts, st.text(st.sampled_from(TRICKY), max_size=30))
# NFKC expands one character into at most 18 (U+FDFA); casefold into at most 3.
GROWTH = 18 * 3


@FAST
@given(name_texts)
def test_fold_is_idempotent_bounded_and_only_words(text):
    """Attack: a display name of look-alikes, invisible characters or expanding ligatures that makes
    folding raise, grow without bound, or fold differently the second time (a name that never
    matches itself)."""
    folded = folding.fold(text)
    assert folding.fold(folded) == folded
    assert len(folded) <= GROWTH * len(text)
    assert folded == " ".join(folded.split()) and not [ch for ch in folded if is_unsafe(ch)]


@FAST
@given(name_texts)
def test_squeeze_skeleton_and_strip_accents_are_idempotent(text):
    """Attack: a name that normalises differently the second time never meets itself in the index."""
    for normalise in (folding.squeeze, folding.skeleton, parts.strip_accents):
        once = normalise(text)
        assert normalise(once) == once
        assert len(once) <= GROWTH * max(len(text), 1)


@FAST
@given(name_texts)
def test_name_reading_never_raises_and_is_bounded(text):
    """Attack: leetspeak, symbols and scripts in combinations the readers never saw."""
    prepared, notes = folding.prepare(text)
    assert len(prepared) <= GROWTH * len(text) and notes <= {"invisible", "lookalike", "leet"}
    words = folding.split_word(prepared)
    assert all(words) and sum(map(len, words)) <= len(prepared)
    for word in [*words, folding.fold(text)]:
        folded, _notes, whole = folding.fold_word(word)
        assert len(folded) <= GROWTH * len(word) and len(whole) <= GROWTH * len(word)
        readings = folding.leet_readings(folded) + folding.leet_readings(folded, True)
        assert len(readings) <= 20 and all(len(reading) <= len(folded) + 2 for reading, _ in readings)
        folding.has_inner_leet(folded)
        folding.mixes_scripts(word)
        parts.is_known_given_name(folded)
    given_names, surnames = parts.split_name(text)
    assert sum(map(len, given_names + surnames)) <= len(text)
    for part in (*given_names, *surnames, text):
        assert isinstance(parts.nicknames_of(part), tuple)
        assert isinstance(parts.canonicals_of(part), tuple)


# --- the API parsers -----------------------------------------------------------------

NET = NetworkConfig(allow_private_addresses=True)
HTTP = HttpClient(NET)  # never used to send: only the parsers are called
BLUESKY = BlueskySource(SourceConfig(name="bsky", type="bluesky", base_url="http://127.0.0.1:9/b"), HTTP)
MASTODON = MastodonSource(SourceConfig(name="m", type="mastodon", base_url="http://127.0.0.1:9/m"), HTTP)
GITHUB = GitHubSource(SourceConfig(name="gh", type="github", base_url="http://127.0.0.1:9/gh"), HTTP)

# Each the shape a platform publishes for one account (field names from its API description),
# with made-up values.
BLUESKY_ACTOR = {  # app.bsky.actor.defs#profileViewDetailed
    "did": "did:plc:z72i7hdynmk6r22z27h6tvur",
    "handle": "maria-garcia.bsky.social",
    "displayName": "María García",
    "description": "Teacher at Mesa Verde High School",
    "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreia@jpeg",
    "banner": "https://cdn.bsky.app/img/banner/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreib@jpeg",
    "website": "https://school.example/~mgarcia",
    "followersCount": 120,
    "followsCount": 80,
    "postsCount": 42,
    "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
    "indexedAt": "2024-05-01T12:00:00.000Z",
    "createdAt": "2024-05-01T12:00:00.000Z",
    "labels": [  # com.atproto.label.defs#label: a moderation service's, its negation, a self-label
        {
            "ver": 1,
            "src": "did:plc:ar7c4by46qjdydhdevvrndac",
            "uri": "did:plc:z72i7hdynmk6r22z27h6tvur",
            "val": "impersonation",
            "cts": "2024-05-02T00:00:00.000Z",
            "exp": "2999-01-01T00:00:00.000Z",
        },
        {
            "ver": 1,
            "src": "did:plc:ar7c4by46qjdydhdevvrndac",
            "uri": "did:plc:z72i7hdynmk6r22z27h6tvur",
            "val": "spam",
            "neg": True,
            "cts": "2024-05-03T00:00:00.000Z",
        },
        {
            "src": "did:plc:z72i7hdynmk6r22z27h6tvur",
            "uri": "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.actor.profile/self",
            "val": "bot",
            "cts": "2024-05-01T12:00:00.000Z",
        },
    ],
}
MASTODON_ACCOUNT = {  # Mastodon's Account entity
    "id": "109302",
    "username": "mgarcia",
    "acct": "mgarcia@school.example",
    "display_name": ":verified: María García",
    "locked": False,
    "bot": False,
    "discoverable": True,
    "group": False,
    "created_at": "2024-03-01T00:00:00.000Z",
    "note": '<p>Teacher</p><p><a href="https://school.example/">school.example</a></p>',
    "url": "https://school.example/@mgarcia",
    "avatar": "https://files.school.example/accounts/avatars/1/original/a.png",
    "avatar_static": "https://files.school.example/accounts/avatars/1/original/a.png",
    "header": "https://files.school.example/accounts/headers/1/original/h.png",
    "header_static": "https://files.school.example/accounts/headers/1/original/h.png",
    "followers_count": 3,
    "following_count": 5,
    "statuses_count": 7,
    "emojis": [{"shortcode": "verified", "url": "https://files.school.example/e.png"}],
    "fields": [{"name": "Web", "value": '<a href="https://mgarcia.example/" rel="me">mgarcia.example</a>'}],
    "moved": {"id": "2", "acct": "mg@new.example", "url": "https://new.example/@mg"},
}
GITHUB_USER = {  # GET /users/{username}, a public user
    "login": "mgarcia",
    "id": 583231,
    "node_id": "MDQ6VXNlcjU4MzIzMQ==",
    "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
    "html_url": "https://github.com/mgarcia",
    "type": "User",
    "site_admin": False,
    "name": "María García",
    "company": "Mesa Verde USD",
    "blog": "school.example/~mgarcia",
    "location": "California",
    "bio": "Teacher",
    "twitter_username": "mgarcia",
    "public_repos": 2,
    "followers": 1,
    "following": 0,
    "created_at": "2020-01-01T00:00:00Z",
}
# The longest identifier each adapter may store (a Bluesky handle is its DID when the handle is invalid).
ID_LIMIT = {"bsky": MAX_DID, "m": MAX_ACCOUNT_ID, "gh": len(str(MAX_USER_ID))}
HANDLE_LIMIT = {"bsky": MAX_DID, "m": MAX_ACCT, "gh": 39}


def check_profile(profile: Profile | None, name: str) -> None:
    """A profile, when there is one, whose every field is bounded and clean."""
    if profile is None:
        return
    assert isinstance(profile, Profile) and profile.source == name
    assert profile.platform_id and profile.handle == profile.handle.lower()
    assert_one_clean_line(profile.platform_id, ID_LIMIT[name])
    assert_one_clean_line(profile.handle, HANDLE_LIMIT[name])
    assert_one_clean_line(profile.display_name, MAX_LINE)
    assert clean_text(profile.description) == profile.description
    assert_one_clean_line(profile.profile_url, MAX_DID + 100)
    assert profile.profile_url == "" or profile.profile_url.startswith(("http://", "https://"))
    assert_clean_url(profile.avatar_url)
    assert_clean_url(profile.banner_url)
    assert len(profile.links) <= MAX_LINKS and len(set(profile.links)) == len(profile.links)
    for link in profile.links:
        assert_clean_url(link)
    assert len(profile.labels) <= MAX_LABELS
    for label in profile.labels:
        assert label
        assert_one_clean_line(label, MAX_LABEL)
    assert set(profile.moderation) <= {"impersonation", "limited", "spam or fraud"}
    for text in (profile.raw, profile.description, *profile.links, *profile.labels):
        text.encode("utf-8")  # SQLite and e-mail take UTF-8: a lone surrogate must not get this far


def parse(source: Any, value: Any) -> None:
    try:
        profile = source.to_profile(value)
    except SourceError:
        return
    check_profile(profile, source.name)


@SLOW
@given(json_values)
# Found by hypothesis: a label whose ``src`` is a list raised TypeError (unhashable); an avatar was kept as sent.
@example({"did": "did:plc:a", "handle": "a.b", "labels": [{"src": [], "val": "spam", "neg": True}]})
@example({"did": "did:plc:a", "handle": "a.b", "avatar": "javascript:alert(1)", "labels": [{"src": "x", "val": " "}]})
@example({"did": "did:plc:a", "handle": "a.b", "description": "\ud800"})  # kept raw in Profile.raw: SQLite refused it
def test_bluesky_parser_on_any_json(value):
    """Attack: an AppView answer of any shape (labels that are not lists, a ``src`` that is a list,
    numbers where strings belong) must not crash the scan with a KeyError or TypeError."""
    parse(BLUESKY, value)
    with contextlib.suppress(SourceError):
        list(BLUESKY._actors({"actors": [value, value]}, "searchActors"))


@SLOW
@given(mutated(BLUESKY_ACTOR, nested=("labels", "associated")))
def test_bluesky_parser_on_a_mutated_profile_view(value):
    """Attack: a real profileView with some fields (and label fields) replaced by anything."""
    parse(BLUESKY, value)


@SLOW
@given(json_values)
@example({"id": "1" * 129, "acct": "a"})
def test_mastodon_parser_on_any_json(value):
    """Attack: a server (any server can federate an account to us) answering with any shape."""
    parse(MASTODON, value)


@SLOW
@given(mutated(MASTODON_ACCOUNT, nested=("fields", "moved", "emojis")))
def test_mastodon_parser_on_a_mutated_account(value):
    """Attack: a real Account with some fields (profile fields, the moved-to account) replaced by anything."""
    parse(MASTODON, value)


@SLOW
@given(json_values)
@example({"id": 2**64, "login": "a"})
def test_github_parser_on_any_json(value):
    """Attack: an answer of any shape; an id beyond int64 (once stored as thousands of digits)."""
    parse(GITHUB, value)


@SLOW
@given(mutated(GITHUB_USER))
def test_github_parser_on_a_mutated_user(value):
    """Attack: a real user object with some fields replaced by anything."""
    parse(GITHUB, value)


# --- profile pages ---------------------------------------------------------------------

JSON_LD = '<script type="application/ld+json">{}</script>'
META_KEYS = ["og:title", "og:description", "og:image", "twitter:image", "profile:username", "description"]
attribute_values = st.one_of(
    short_texts, st.sampled_from(["/a.png", "https://x.example/p", "//evil.example/x", "javascript:x", "http://[::1"])
)
html_pieces = st.one_of(
    short_texts,
    st.builds(lambda k, v: f'<meta property="{k}" content="{v}">', st.sampled_from(META_KEYS), attribute_values),
    st.builds(lambda rel, v: f'<link rel="{rel}" href="{v}">', st.sampled_from(["me", "canonical"]), attribute_values),
    st.builds(lambda v: f'<a rel="me" href="{v}">x</a>', attribute_values),
    st.builds(JSON_LD.format, st.one_of(short_texts, json_values.map(json.dumps))),
    st.sampled_from(["<title>", "</title>", "<![CDATA[", "<!--", "-->", "<?", "</", "&#0;", "&#x110000;", "<p"]),
)


@SLOW
@given(st.lists(html_pieces, max_size=12).map("".join))
def test_profile_page_parser_on_any_html(html):
    """Attack: a profile page (written by its owner, served by any site) that crashes the parser or
    yields unbounded, unclean fields."""
    page = parse_profile_page(html, "https://site.example/@someone")
    assert isinstance(page, PageFields)
    assert_one_clean_line(page.username, MAX_LINE)
    assert " " not in page.username
    assert_one_clean_line(page.display_name, MAX_LINE)
    assert clean_text(page.description) == page.description
    assert_clean_url(page.avatar_url)
    assert_clean_url(page.canonical_url)
    assert len(page.links) <= MAX_LINKS
    for link in page.links:
        assert_clean_url(link)


def test_the_published_examples_parse_whole():
    """A guard of the properties above, not of a fix: the mutations start from objects that parse
    into full profiles (links, labels, a moderation verdict), or they would test less than they claim."""
    check_profile(BLUESKY.to_profile(copy.deepcopy(BLUESKY_ACTOR)), "bsky")
    check_profile(MASTODON.to_profile(copy.deepcopy(MASTODON_ACCOUNT)), "m")
    check_profile(GITHUB.to_profile(copy.deepcopy(GITHUB_USER)), "gh")
    assert BLUESKY.to_profile(copy.deepcopy(BLUESKY_ACTOR)).moderation == ("impersonation",)
    assert len(MASTODON.to_profile(copy.deepcopy(MASTODON_ACCOUNT)).links) == 2
