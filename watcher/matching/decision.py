"""From one profile to findings: which rule fired, how strong, and why in words.

Impersonation of person P (never on P's own accounts; opted-out staff are matched too):

- ``photo``: the avatar matches one of P's enrolled photos strongly, whatever the name says;
- ``name+photo``: the name matches P and the avatar matches P at a looser threshold;
- ``name+affiliation``: the name matches P and the profile claims to work for the district
  (the district or a school named, in a staff role; a parent, student or alum is no claim).

A same-name profile with someone else's photo and no such claim is a namesake: no finding.

Logo misuse: the avatar (or a large part of it) matches a district logo, colour agreeing
when both are colourful. Official accounts are exempt; a staff member's own personal account
wearing the logo is reported too (guideline 10), with that person attached.

Profiles are never compared with everyone: names go through a blocking index, photos and
logos through a vectorised hash index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sources.base import Profile
from watcher.config import DistrictConfig, MatchingConfig
from watcher.matching.affiliation import read_claim, school_core
from watcher.matching.images import LOGO_MATCH, PHOTO_LOOSE, PHOTO_STRONG, HashIndex, ViewMatch
from watcher.matching.names import SECOND_SURNAME, NameIndex, name_score
from watcher.models import Logo, Person, Views

# How far below the name threshold an initial + surname may be when the profile claims a staff
# role at that person's own school (initial + surname scores 0.85, see names.py).
INITIAL_MARGIN = 0.08


@dataclass(frozen=True)
class Match:
    kind: str  # "impersonation" or "logo_misuse"
    person_id: int | None
    score: float
    rule: str
    evidence: dict[str, Any] = field(default_factory=dict)


class Matcher:
    """Everything enrolled, indexed once per scan; ``match`` is then cheap per profile."""

    def __init__(
        self,
        people: Sequence[Person],
        logos: Sequence[Logo],
        district: DistrictConfig,
        settings: MatchingConfig,
        local_domains: Mapping[str, str] | None = None,
    ) -> None:
        """``local_domains``: source name → the domain of its own accounts (a Mastodon server), so
        that a roster handle written without it (``mastodon:jdoe``) still names ``jdoe@server``."""
        self.people = {p.id: p for p in people}
        self.district = district
        self.settings = settings
        self.photo_loose = settings.photo_distance if settings.photo_distance is not None else PHOTO_LOOSE
        self.photo_strong = settings.photo_only_distance if settings.photo_only_distance is not None else PHOTO_STRONG
        self.logo_max = settings.logo_distance if settings.logo_distance is not None else LOGO_MATCH
        self.names = NameIndex(people)
        self.photos = HashIndex([(p.id, view, h) for p in people for view, h in p.references])
        self.logos = {logo.id: logo for logo in logos}
        self.logo_index = HashIndex([(logo.id, view, h) for logo in logos for view, h in logo.views])
        self.owner_of = {account: p.id for p in people for account in p.accounts}
        self.local_domains = dict(local_domains or {})
        self.district_places = (district.name, *district.keywords)
        self.schools = tuple(sorted({p.school for p in people if p.school}))
        self.school_cores = tuple(filter(None, (school_core(s) for s in self.schools)))

    def mentions_district(self, profile: Profile) -> bool:
        """Whether the profile names the district or a school, even loosely ("Rio Seco PTA"): then
        its banner and a closer look at its avatar for the district's logos are worth the cost."""
        text = f"{profile.display_name}\n{profile.handle}\n{profile.description}"
        return bool(read_claim(text, (*self.district_places, *self.schools, *self.school_cores)).places)

    def logos_in(self, profile: Profile, views: Views) -> list[Match]:
        """Logo misuse only, in extra views of a profile's pictures (windows where a logo placed
        large would sit)."""
        if profile.account in self.district.official_accounts:
            return []
        logo = self._match_logo(views, self._owner(profile))
        return [logo] if logo else []

    def match(self, profile: Profile, avatar: Views, banner: Views = ()) -> list[Match]:
        """Findings for one profile; ``banner``, when given, is checked for logos only."""
        if profile.account in self.district.official_accounts:
            return []
        owner = self._owner(profile)
        photo_hits = {m.owner: m for m in self.photos.nearest(avatar, self.photo_loose)} if avatar else {}
        candidates = self.names.candidates(profile.display_name, profile.handle) | set(photo_hits)
        matches = []
        for person_id in sorted(candidates if owner is None else ()):  # a staff member's own account
            if person_id not in self.people:  # impersonates nobody, however alike their names are
                continue
            found = self._match_person(profile, self.people[person_id], photo_hits.get(person_id))
            if found:
                matches.append(found)
        matches = _whose_identity(matches, self.people)
        logo = self._match_logo((*avatar, *((f"banner:{name}", h) for name, h in banner)), owner)
        if logo:
            matches.append(logo)
        return matches

    def _owner(self, profile: Profile) -> int | None:
        owner = self.owner_of.get(profile.account)
        local, _, domain = profile.handle.lower().partition("@")
        if owner is None and domain and self.local_domains.get(profile.source) == domain:
            owner = self.owner_of.get(f"{profile.source}:{local}")
        return owner

    def _match_person(self, profile: Profile, person: Person, photo: ViewMatch | None) -> Match | None:
        settings = self.settings
        name = name_score(profile.display_name, profile.handle, person)
        name_ok = name.score >= settings.name_threshold
        loose = photo is not None and photo.distance <= self.photo_loose
        strong = photo is not None and photo.distance <= self.photo_strong
        near_name = name.score >= settings.name_threshold - INITIAL_MARGIN  # "T. Pérez", "Ms. García"
        if not (strong or name_ok or near_name):
            return None
        places = (*self.district_places, *([person.school] if person.school else []))
        claim = read_claim(f"{profile.display_name}\n{profile.handle}\n{profile.description}", places)
        if not name_ok and not strong:
            # An initial and the surname count only with a staff claim at this person's own school.
            if not (claim.claims_staff and person.school in claim.places):
                return None
            name_ok = True
        photo_sim = max(0.0, 1 - photo.distance / (2 * self.photo_loose)) if photo is not None else 0.0
        reasons: list[str] = []
        if name_ok:
            reasons.append(f"the {name.compared} is {name.reason} (“{name.variant}”, {name.score:.0%} alike)")
        if photo is not None and loose:
            reasons.append(_photo_reason(photo, self.photo_loose))
        if claim.claims_staff:
            reasons.append(claim.in_words())
        if name_ok and loose:
            rule, score = "name+photo", 0.7 + 0.3 * min(name.score, photo_sim)
        elif strong:
            rule, score = "photo", 0.6 + 0.3 * photo_sim
        elif name_ok and claim.claims_staff:
            rule, score = "name+affiliation", 0.5 + 0.3 * name.score
        else:
            return None  # a namesake: same name, another face, no claim on the district
        if claim.claims_staff and rule != "name+affiliation":
            score += 0.05
        evidence = {
            "rule": rule,
            "name_score": round(name.score, 3),
            "matched_name": name.variant,
            "name_compared": name.compared,
            "name_reason": name.reason,
            "photo_distance": photo.distance if photo else None,
            "photo_view": f"{photo.query_view} ~ {photo.reference_view}" if photo else None,
            "affiliation": list(claim.places) if claim.claims_staff else [],
            "role_words": list(claim.roles),
            "signals": [
                s for s, on in (("name", name_ok), ("photo", loose), ("affiliation", claim.claims_staff)) if on
            ],
            "reasons": reasons,
        }
        return Match("impersonation", person.id, round(min(score, 1.0), 4), rule, evidence)

    def _match_logo(self, avatar: Views, owner: int | None) -> Match | None:
        if not avatar or not self.logos:
            return None
        hits = self.logo_index.nearest(avatar, self.logo_max)
        if not hits:
            return None
        best = hits[0]
        logo = self.logos[best.owner]
        where = "banner" if best.query_view.startswith("banner:") else "profile photo"
        reasons = [f"the {where} shows the district logo “{logo.label}” ({_distance(best.distance, self.logo_max)})"]
        if owner is not None:
            reasons.append("on a staff member's own personal account (district guideline 10)")
        evidence = {
            "rule": "logo",
            "logo": logo.label,
            "logo_distance": best.distance,
            "logo_view": f"{best.query_view} ~ {best.reference_view}",
            "color_distance": best.color_distance,
            "own_account": owner is not None,
            "signals": ["logo"],
            "reasons": reasons,
        }
        score = 0.5 + 0.5 * max(0.0, 1 - best.distance / (2 * self.logo_max))
        return Match("logo_misuse", owner, round(score, 4), "logo", evidence)


PHOTO_TIE = 4  # photo matches this close to the best are as good as the best


def _whose_identity(matches: list[Match], people: dict[int, Person]) -> list[Match]:
    """A profile copies one person's identity; colleagues who merely resemble it are dropped.

    The photo says whose identity it is: another enrolled photo that matches less closely, or a
    name-only resemblance, is not the one copied. Without a photo, the fullest name match wins,
    and among equals the person at the school the profile claims: "Antonio Rodríguez Torres,
    teacher at Mesa Verde" is Antonio Rodríguez Torres, not his colleague Antonio Rodríguez
    Jiménez, and "F. Mendoza at Noble Avenue" is the F. Mendoza who works there.
    """
    by_photo = [m for m in matches if m.rule in ("photo", "name+photo")]
    if by_photo:
        best = min(m.evidence["photo_distance"] for m in by_photo)
        return [m for m in by_photo if m.evidence["photo_distance"] <= best + PHOTO_TIE]
    if len(matches) < 2:
        return matches

    def rank(m: Match) -> tuple[float, bool, bool]:
        person = people[m.person_id] if m.person_id is not None else None
        at_school = bool(person and person.school and person.school in m.evidence.get("affiliation", ()))
        first_surname = SECOND_SURNAME not in m.evidence.get("name_reason", "")  # "F. Mendoza": Mendoza first
        return (round(m.evidence.get("name_score", 0.0), 3), at_school, first_surname)

    top = max(rank(m) for m in matches)
    return [m for m in matches if rank(m) == top]


def match_profile(
    profile: Profile,
    avatar: Views,
    people: Sequence[Person],
    logos: Sequence[Logo],
    district: DistrictConfig,
    settings: MatchingConfig,
) -> list[Match]:
    """One profile against everyone (builds the indexes: use a ``Matcher`` for many profiles)."""
    return Matcher(people, logos, district, settings).match(profile, avatar)


def _photo_reason(photo: ViewMatch, threshold: int) -> str:
    how = ""
    if "mirror" in photo.reference_view or "mirror" in photo.query_view:
        how = ", mirrored"
    elif "crop" in photo.reference_view or "crop" in photo.query_view:
        how = ", cropped"
    return f"the profile photo matches the photo you enrolled{how} ({_distance(photo.distance, threshold)})"


def _distance(distance: int, threshold: int) -> str:
    return f"distance {distance}; {threshold} or less is a match"
