"""Bluesky's public AppView: actor search, no authentication."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sources.base import IMPERSONATION, JSON, NAME, PREFIX, SPAM, Origin, Platform, SearchRule, origins, too_long
from sources.client import HttpClient
from sources.rate_limits import Rate
from sources.responses import Response, check_status
from watcher.config import SourceConfig
from watcher.errors import ParseError, SourceBlocked
from watcher.models import Profile, ReportGuide
from watcher.text import clean_line, clean_text, raw_json, web_url

PROFILE_PAGE = "https://bsky.app/profile/{actor}"
# Accounts with this self-label ask not to be shown to logged-out viewers.
NO_UNAUTHENTICATED = "!no-unauthenticated"
# What the AppView serves for an account whose handle does not verify; many DIDs share it.
INVALID_HANDLE = "handle.invalid"
# The DID syntax of atproto's packages/syntax (did.ts).
DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
MAX_DID = 2048  # packages/syntax did.ts: "DID is too long (2048 chars max)"
MAX_HANDLE = 253  # packages/syntax handle.ts: a domain name, "253 chars max"
MAX_LABEL = 128  # com.atproto.label.defs#label: ``val`` has maxLength 128
MAX_LABELS = 20  # label values kept per profile
MAX_PAGE_SIZE = 100
# getProfile's errors (HTTP 400) for an account that is gone: taken down by moderation, or
# deactivated by its owner. An unknown actor is an InvalidRequest "Profile not found".
GONE_ERRORS = frozenset({"AccountTakedown", "AccountDeactivated"})
# Label values that are moderation verdicts when another labeler (not the account) applies them;
# Bluesky's label definitions flag them "no-self". "scam" is fraud, which SPAM covers.
MODERATION = {"impersonation": IMPERSONATION, "spam": SPAM, "scam": SPAM}


def utc_now() -> datetime:
    return datetime.now(UTC)


def profile_origins(config: SourceConfig, handle: str) -> frozenset[Origin]:
    """``bsky.app`` (``PROFILE_PAGE``), whatever AppView is searched."""
    return origins(PROFILE_PAGE.partition("/profile/")[0])


class BlueskySource:
    # No published limit for the public AppView; half of the 3,000 per 5 minutes per IP that
    # Bluesky documents for its API servers, in small bursts.
    default_rate = Rate(1500, 300, burst=5)
    # Name search also matches handles, so probing handle permutations would only cost requests;
    # lookup() serves re-checks of known profiles. Typeahead (PREFIX) finds a name disguised in one half.
    query_kinds = frozenset({NAME, PREFIX})
    # Bluesky's search service wants every query word, whole, case- and accent-folded, over handle,
    # display name and bio; the AppView as published matches only a substring of the handle.
    search_rule = SearchRule(any_order=True, folds_accents=True, handles=True)
    # How to report an account here, and where profile pages live (sources/base.py Platform).
    platform = Platform(
        ReportGuide(
            'In the Bluesky app, open the profile, tap the ⋯ menu, choose "Report account" and pick '
            '"Misleading" (impersonation). Bluesky removes impersonation accounts; a parody must say so in its name '
            "and bio.",
            "the link to the profile; you report it from your own account.",
            steps_es='En la aplicación de Bluesky, abra el perfil, toque el menú ⋯, elija "Report account" (denunciar '
            'la cuenta) y escoja "Misleading" (engañosa: suplantación de identidad). Bluesky elimina las cuentas de '
            "suplantación; una parodia debe decirlo en su nombre y en su biografía.",
            needs_es="el enlace al perfil; la denuncia se hace desde su propia cuenta.",
        ),
        profile_origins,
    )

    def __init__(self, config: SourceConfig, http: HttpClient, clock: Callable[[], datetime] = utc_now) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        self.clock = clock  # "now" for label expiry, an aware datetime
        self.search_url = f"{config.base_url}/xrpc/app.bsky.actor.searchActors"
        self.profile_url = f"{config.base_url}/xrpc/app.bsky.actor.getProfile"
        self.typeahead_url = f"{config.base_url}/xrpc/app.bsky.actor.searchActorsTypeahead"

    def lookup(self, handle: str) -> Profile | None:
        """``getProfile``: a 400 "Profile not found" (or a takedown) means missing; other errors are unknown."""
        actor = handle if "." in handle or handle.startswith("did:") else f"{handle}.bsky.social"
        return self._read_profile(actor, handle)

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known account by its DID (a handle can change hands, a DID cannot)."""
        return self._read_profile(platform_id if platform_id.startswith("did:") else handle, handle)

    def _read_profile(self, actor: str, handle: str) -> Profile | None:
        """None only when the AppView says the account is gone ("Profile not found", a takedown,
        a deactivation). ``getProfile`` still answers for an account that asks not to be shown to
        logged-out viewers: it exists, so that is "blocked", never "missing"."""
        response = self.http.get(self.profile_url, {"actor": actor}, headers={"Accept": JSON})
        if response.status == 400 and _says_gone(response):
            return None
        check_status(response)
        body = response.json()
        profile = self.to_profile(body, raw=response.text)
        if profile is not None:
            return profile
        if isinstance(body, dict) and NO_UNAUTHENTICATED in {label["val"] for label in self._labels(body)}:
            raise SourceBlocked(f"{self.name}: @{clean_line(handle)} asks not to be shown to logged-out viewers")
        raise ParseError(f"{self.name}: getProfile answer is not a profile")

    def search(self, query: str) -> Iterator[Profile]:
        """Pages on while each answer brings a new cursor: a page may be short, or empty, and still have one."""
        cursor: str | None = None
        seen_cursors: set[str] = set()
        for _ in range(max(1, self.config.max_pages)):
            params: dict[str, Any] = {"q": query, "limit": min(self.config.page_size, MAX_PAGE_SIZE)}
            if cursor:
                params["cursor"] = cursor
            body = self.http.get_json(self.search_url, params)
            yield from self._actors(body, "searchActors")
            cursor = body.get("cursor")
            if not cursor or not isinstance(cursor, str) or cursor in seen_cursors:
                return
            seen_cursors.add(cursor)

    def search_prefix(self, query: str) -> Iterator[Profile]:
        """``searchActorsTypeahead``: one page (no cursor) of ``profileViewBasic``s, which carry no bio."""
        params = {"q": query, "limit": min(self.config.page_size * max(1, self.config.max_pages), MAX_PAGE_SIZE)}
        yield from self._actors(self.http.get_json(self.typeahead_url, params), "searchActorsTypeahead")

    def _actors(self, body: Any, method: str) -> Iterator[Profile]:
        """The usable profiles of a search answer's ``actors`` list."""
        if not isinstance(body, dict) or not isinstance(body.get("actors"), list):
            raise ParseError(f"{self.name}: {method} answer has no 'actors' list")
        for actor in body["actors"]:
            profile = self.to_profile(actor)
            if profile is not None:
                yield profile

    def to_profile(self, actor: Any, *, raw: str | None = None) -> Profile | None:
        """Turn a ``profileView`` into a Profile; None for unusable or opted-out actors.

        An account without a valid handle gets its DID as handle and link: ``handle.invalid``
        is shared by many accounts, so it would merge them into one ``Profile.account``.
        ``raw``: the answer as fetched; by default the profileView itself, as JSON text.
        """
        if not isinstance(actor, dict) or self._over_long(actor):
            return None
        did, handle = actor.get("did"), clean_line(actor.get("handle")).lower()
        if not isinstance(did, str) or not DID.fullmatch(did) or " " in handle:
            return None
        if handle in ("", INVALID_HANDLE):
            handle = did
        labels = self._labels(actor)
        values = tuple(label["val"] for label in labels)
        if NO_UNAUTHENTICATED in values:
            return None
        website = web_url(actor.get("website"))
        return Profile(
            source=self.name,
            platform_id=did,
            handle=handle,
            display_name=clean_line(actor.get("displayName")),
            description=clean_text(actor.get("description")),
            avatar_url=web_url(actor.get("avatar")),
            profile_url=PROFILE_PAGE.format(actor=did if handle == did else quote(handle, safe=".-_")),
            labels=tuple(dict.fromkeys(values))[:MAX_LABELS],
            banner_url=web_url(actor.get("banner")),
            links=(website,) if website else (),
            moderation=_moderation(labels, did),
            raw=raw if raw is not None else raw_json(actor),
            raw_type=JSON,
        )

    def _over_long(self, actor: dict[str, Any]) -> bool:
        """A DID or handle longer than atproto allows: skipped (and logged), never cut into another one."""
        did, handle = actor.get("did"), actor.get("handle")
        return (isinstance(did, str) and too_long(self.name, "DID", did, MAX_DID)) or (
            isinstance(handle, str) and too_long(self.name, "handle", handle, MAX_HANDLE)
        )

    def _labels(self, actor: dict[str, Any]) -> list[dict[str, Any]]:
        return labels_in_effect(actor.get("labels"), self.clock())


def labels_in_effect(raw: Any, now: datetime) -> list[dict[str, Any]]:
    """The labels of a ``com.atproto.label.defs#label`` list that apply at ``now``.

    A negation (``neg: true``) cancels the labels with its ``src`` and ``val``, and applies
    nothing itself; a label whose ``exp`` has passed no longer applies. An ``exp`` we cannot read
    leaves the label in effect. A value longer than the lexicon allows, or with control
    characters, is no label; a ``src`` that is not a string is no labeler.
    """
    labels = [x for x in (raw if isinstance(raw, list) else []) if _is_label(x)]
    negated = {(_source_of(x), x["val"]) for x in labels if x.get("neg") is True}
    return [
        x
        for x in labels
        if x.get("neg") is not True and (_source_of(x), x["val"]) not in negated and not _expired(x.get("exp"), now)
    ]


def _is_label(x: Any) -> bool:
    value = x.get("val") if isinstance(x, dict) else None
    return isinstance(value, str) and 0 < len(value) <= MAX_LABEL and clean_line(value) == value


def _source_of(label: dict[str, Any]) -> str | None:
    src = label.get("src")
    return src if isinstance(src, str) else None


def _expired(exp: Any, now: datetime) -> bool:
    if not isinstance(exp, str):
        return False
    try:
        when = datetime.fromisoformat(exp)
    except ValueError:
        return False
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) <= now


def _moderation(labels: list[dict[str, Any]], did: str) -> tuple[str, ...]:
    """Verdicts from labelers other than the account itself: a self-label is never moderation."""
    verdicts = (MODERATION.get(x["val"]) for x in labels if _source_of(x) not in (None, did))
    return tuple(dict.fromkeys(v for v in verdicts if v))


def _says_gone(response: Response) -> bool:
    """Whether a 400 is the AppView's own word that the actor is gone (not a bad request or a proxy)."""
    try:
        body = response.json()
    except (ParseError, SourceBlocked):
        return False
    if not isinstance(body, dict):
        return False
    error, message = body.get("error"), body.get("message")
    if error in GONE_ERRORS:
        return True
    return isinstance(message, str) and "not found" in message.lower()
