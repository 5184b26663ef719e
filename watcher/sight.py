"""Whether a source's search can see at all: a scan that sees nothing must say so.

A search that answers every query with nothing looks, from the outside, exactly like a
district without impostors. Bluesky's AppView as published (without its search service)
answers every name query with an empty list and HTTP 200. So each scan checks, per source,
that search returns accounts it must see: the district's official accounts and enrolled staff's
own accounts there. Those its queries already returned count; when none did, up to
``MAX_CANARIES`` of them are searched for by their handle's first label ("svusd" for
``svusd.bsky.social``), on sources whose search matches handles. A source is *degraded*, with
the reason, when it returned none of them, or when every query came back empty and no known
account proved that its search works (configure the district's official accounts on each
source: a small server where nobody matches is then not taken for a blind one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sources.base import Source
from watcher.errors import SourceError
from watcher.models import Person, Profile

MAX_CANARIES = 3
MIN_QUERIES = 3  # fewer answered queries, all empty, prove nothing
SHOWN = 3  # known accounts named in a reason


@dataclass
class Sight:
    known: int = 0  # accounts this source must see
    seen: int = 0  # of them, returned by search this scan
    asked: int = 0  # canary searches made
    degraded: str | None = None  # why search looks blind, when it does


def known_accounts(
    source: str, official: Iterable[str], people: Sequence[Person], domain: str | None = None
) -> list[str]:
    """The handles (lower case) on ``source`` search must find: official accounts first, then staff's
    own. ``domain``: a Mastodon server's own, for handles written without one."""
    prefix = f"{source}:"
    accounts = [*sorted(official), *sorted(a for p in people for a in p.accounts)]
    handles = (a[len(prefix) :].lstrip("@") for a in accounts if a.startswith(prefix))
    return list(dict.fromkeys(f"{h}@{domain}" if domain and "@" not in h else h for h in handles))


def canary_query(handle: str) -> str:
    """What to search for to find an account by its handle: its first label, as the handle spells it
    ("svusd" for ``svusd.bsky.social``, "jdoe" for ``jdoe@server.example``)."""
    return handle.lstrip("@").split("@")[0].split(".")[0]


def check_sight(
    source: Source, known: Sequence[str], returned: Iterable[Profile], *, answered: int, found: int
) -> Sight:
    """How well this scan's search on ``source`` saw. ``returned``: the profiles its queries
    returned; ``answered``/``found``: its queries answered, and those that found anything.

    A canary search that fails (rate limit, timeout) proves nothing: it is not counted as a miss.
    """
    sight = Sight(known=len(known))
    handles = {p.handle.lower() for p in returned}
    sight.seen = sum(1 for handle in known if handle in handles)
    if known and not sight.seen and source.search_rule.handles:
        misses = 0
        for handle in known[:MAX_CANARIES]:
            sight.asked += 1
            try:
                hits = {p.handle.lower() for p in source.search(canary_query(handle))}
            except SourceError:
                continue
            if handle in hits:
                sight.seen += 1
                break
            misses += 1
        if misses and not sight.seen:
            shown = ", ".join(f"@{h}" for h in known[:SHOWN])
            sight.degraded = f"search did not return any of its {len(known)} known accounts ({shown})"
    if sight.degraded is None and not sight.seen and answered >= MIN_QUERIES and not found:  # seen: search works
        sight.degraded = f"all {answered} queries came back empty"
    return sight
