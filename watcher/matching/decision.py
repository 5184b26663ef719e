"""From one profile to findings: which rule fired, how strong, and why in words.

Rules (the walking skeleton's, deliberately few):

- ``name+photo``: the name matches and the avatar is near an enrolled photo.
- ``photo``: the avatar is very near an enrolled photo, whatever the name says.
- ``name+affiliation``: the name matches and the profile claims the district
  or the person's school.
- a matching name alone is a namesake, never a finding.
- ``logo``: the avatar is near a district logo; official accounts are exempt.

A person's own accounts are never reported against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sources.base import Profile
from watcher.config import DistrictConfig, MatchingConfig
from watcher.matching.images import distance
from watcher.matching.names import mentions, name_score
from watcher.models import ImageHashes, Logo, Person

HASH_BITS = 64


@dataclass(frozen=True)
class Match:
    kind: str  # "impersonation" or "logo_misuse"
    person_id: int | None
    score: float
    rule: str
    evidence: dict[str, Any] = field(default_factory=dict)


def match_profile(
    profile: Profile,
    avatar: ImageHashes | None,
    people: Sequence[Person],
    logos: Sequence[Logo],
    district: DistrictConfig,
    settings: MatchingConfig,
) -> list[Match]:
    if profile.account in district.official_accounts:
        return []
    matches = [m for person in people if (m := match_person(profile, avatar, person, district, settings))]
    logo = match_logo(profile, avatar, logos, people, settings)
    if logo:
        matches.append(logo)
    return matches


def match_person(
    profile: Profile, avatar: ImageHashes | None, person: Person, district: DistrictConfig, settings: MatchingConfig
) -> Match | None:
    if profile.account in person.accounts:
        return None
    name = name_score(profile.display_name, profile.handle, (person.name, *person.aliases))
    name_ok = name.score >= settings.name_threshold
    photo = _nearest(avatar, person.references)
    if not name_ok and (photo is None or photo > settings.photo_only_distance):
        return None  # the common case: a stranger
    terms = [*district.keywords, district.name] + ([person.school] if person.school else [])
    claimed = mentions(f"{profile.display_name}\n{profile.description}", dict.fromkeys(terms))

    evidence: dict[str, Any] = {
        "name_score": round(name.score, 3),
        "matched_name": name.variant,
        "name_compared": name.compared,
        "photo_distance": photo,
        "affiliation": claimed,
        "reasons": [],
    }
    reasons: list[str] = evidence["reasons"]
    if name_ok:
        reasons.append(f"the {name.compared} matches the enrolled name “{name.variant}” ({name.score:.0%} similar)")

    photo_sim = 1 - photo / HASH_BITS if photo is not None else 0.0
    if name_ok and photo is not None and photo <= settings.photo_distance:
        reasons.append(f"the profile photo matches an enrolled photo ({photo} of {HASH_BITS} bits differ)")
        rule, score = "name+photo", 0.6 + 0.4 * min(name.score, photo_sim)
    elif photo is not None and photo <= settings.photo_only_distance:
        reasons.append(f"the profile photo matches an enrolled photo ({photo} of {HASH_BITS} bits differ)")
        rule, score = "photo", 0.5 + 0.4 * photo_sim
    elif name_ok and claimed:
        reasons.append("the profile claims the affiliation: " + ", ".join(claimed))
        rule, score = "name+affiliation", 0.4 + 0.4 * name.score
    else:
        return None
    if claimed and "affiliation" not in rule:
        reasons.append("the profile claims the affiliation: " + ", ".join(claimed))
        score = min(1.0, score + 0.05)
    evidence["rule"] = rule
    return Match("impersonation", person.id, round(min(score, 1.0), 4), rule, evidence)


def match_logo(
    profile: Profile,
    avatar: ImageHashes | None,
    logos: Sequence[Logo],
    people: Sequence[Person],
    settings: MatchingConfig,
) -> Match | None:
    if avatar is None or not logos:
        return None
    if any(profile.account in person.accounts for person in people):
        return None
    best = min(
        ((_nearest(avatar, logo.views), logo) for logo in logos),
        key=lambda pair: pair[0] if pair[0] is not None else HASH_BITS,
    )
    dist, logo = best
    if dist is None or dist > settings.logo_distance:
        return None
    evidence = {
        "rule": "logo",
        "logo": logo.label,
        "logo_distance": dist,
        "reasons": [f"the profile photo matches the district logo “{logo.label}” ({dist} of {HASH_BITS} bits differ)"],
    }
    return Match("logo_misuse", None, round(0.5 + 0.5 * (1 - dist / HASH_BITS), 4), "logo", evidence)


def _nearest(avatar: ImageHashes | None, references: Sequence[ImageHashes]) -> int | None:
    """Smallest phash distance from the avatar to any reference view, or None if either is missing."""
    if avatar is None or not references:
        return None
    return min(distance(avatar.phash, ref.phash) for ref in references)
