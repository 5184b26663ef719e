"""Bluesky's public AppView: actor search, no authentication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from sources.base import JSON, NAME, Profile, clean_line, clean_text
from sources.http import HttpClient, Rate, Response, check_status
from watcher.config import SourceConfig
from watcher.errors import ParseError, SourceBlocked

PROFILE_PAGE = "https://bsky.app/profile/{handle}"
# Accounts with this self-label ask not to be shown to logged-out viewers.
NO_UNAUTHENTICATED = "!no-unauthenticated"
MAX_PAGE_SIZE = 100
# getProfile's errors (HTTP 400) for an account that is gone: taken down by moderation, or
# deactivated by its owner. An unknown actor is an InvalidRequest "Profile not found".
GONE_ERRORS = frozenset({"AccountTakedown", "AccountDeactivated"})


class BlueskySource:
    # No published limit for the public AppView; half of the 3,000 per 5 minutes per IP that
    # Bluesky documents for its API servers, in small bursts.
    default_rate = Rate(1500, 300, burst=5)
    # Name search also matches handles, so probing handle permutations would only cost requests;
    # lookup() serves re-checks of known profiles.
    query_kinds = frozenset({NAME})

    def __init__(self, config: SourceConfig, http: HttpClient) -> None:
        self.name = config.name
        self.config = config
        self.http = http
        self.search_url = f"{config.base_url}/xrpc/app.bsky.actor.searchActors"
        self.profile_url = f"{config.base_url}/xrpc/app.bsky.actor.getProfile"

    def lookup(self, handle: str) -> Profile | None:
        """``getProfile``: a 400 "Profile not found" (or a takedown) means missing; other errors are unknown."""
        actor = handle if "." in handle or handle.startswith("did:") else f"{handle}.bsky.social"
        response = self._get_profile(actor)
        if response is None:
            return None
        body = response.json()
        profile = self.to_profile(body, raw=response.text)
        if profile is None and isinstance(body, dict) and NO_UNAUTHENTICATED not in str(body.get("labels")):
            raise ParseError(f"{self.name}: getProfile answer is not a profile")
        return profile

    def fetch(self, platform_id: str, handle: str) -> Profile | None:
        """Re-check a known account by its DID (a handle can change hands, a DID cannot).

        None only when the AppView says the account is gone ("Profile not found", a takedown,
        a deactivation); an account that now asks not to be shown is unknown, not gone.
        """
        actor = platform_id if platform_id.startswith("did:") else handle
        response = self._get_profile(actor)
        if response is None:
            return None
        body = response.json()
        profile = self.to_profile(body, raw=response.text)
        if profile is not None:
            return profile
        if isinstance(body, dict) and NO_UNAUTHENTICATED in str(body.get("labels")):
            raise SourceBlocked(f"{self.name}: @{clean_line(handle)} now asks not to be shown to logged-out viewers")
        raise ParseError(f"{self.name}: getProfile answer is not a profile")

    def _get_profile(self, actor: str) -> Response | None:
        """A 200 answer of ``getProfile``, or None when the AppView says the actor is gone."""
        response = self.http.get(self.profile_url, {"actor": actor}, headers={"Accept": JSON})
        if response.status == 400 and _says_gone(response):
            return None
        check_status(response)
        return response

    def search(self, query: str) -> Iterator[Profile]:
        cursor: str | None = None
        seen_cursors: set[str] = set()
        for _ in range(max(1, self.config.max_pages)):
            params: dict[str, Any] = {"q": query, "limit": min(self.config.page_size, MAX_PAGE_SIZE)}
            if cursor:
                params["cursor"] = cursor
            body = self.http.get_json(self.search_url, params)
            if not isinstance(body, dict) or not isinstance(body.get("actors"), list):
                raise ParseError(f"{self.name}: searchActors answer has no 'actors' list")
            for actor in body["actors"]:
                profile = self.to_profile(actor)
                if profile is not None:
                    yield profile
            cursor = body.get("cursor")
            if not cursor or not isinstance(cursor, str) or cursor in seen_cursors or not body["actors"]:
                return
            seen_cursors.add(cursor)

    def to_profile(self, actor: Any, *, raw: str | None = None) -> Profile | None:
        """Turn a ``profileView`` into a Profile; None for unusable or opted-out actors.

        ``raw``: the answer as fetched; by default the profileView itself, as JSON text.
        """
        if not isinstance(actor, dict):
            return None
        did, handle = actor.get("did"), clean_line(actor.get("handle")).lower()
        if not isinstance(did, str) or not did.startswith("did:") or not handle or " " in handle:
            return None
        raw_labels = actor.get("labels")
        labels = tuple(
            label["val"]
            for label in (raw_labels if isinstance(raw_labels, list) else [])
            if isinstance(label, dict) and isinstance(label.get("val"), str)
        )
        if NO_UNAUTHENTICATED in labels:
            return None
        avatar, banner = actor.get("avatar"), actor.get("banner")
        return Profile(
            source=self.name,
            platform_id=did,
            handle=handle,
            display_name=clean_line(actor.get("displayName")),
            description=clean_text(actor.get("description")),
            avatar_url=avatar if isinstance(avatar, str) and avatar else None,
            profile_url=PROFILE_PAGE.format(handle=quote(handle, safe=".-_")),
            labels=labels,
            banner_url=banner if isinstance(banner, str) and banner else None,
            raw=raw if raw is not None else json.dumps(actor, ensure_ascii=False),
            raw_type=JSON,
        )


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
