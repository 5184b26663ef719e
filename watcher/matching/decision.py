"""From one profile to findings: which rule fired, how strong, and why in words.

Impersonation of person P (never on P's own accounts; opted-out staff are matched too):

- ``photo``: the avatar matches one of P's enrolled photos strongly, whatever the name says;
- ``name+photo``: the name matches P and the avatar matches P at a looser threshold;
- ``name+affiliation``: the name matches P and the profile claims to work for the district
  (the district or a school named, in a staff role; a parent, student or alum is no claim).

A same-name profile with someone else's photo and no such claim is a namesake: no finding.

A photo on its own must be *verified*: the hash index only nominates enrolled photos the avatar
resembles, and ``photo_check`` confirms a copy with local features and the aligned layout. With a
matching name, a close hash is enough (the name is the second, independent signal).

Logo misuse: a district logo found in the avatar or banner (``matching/logos``: whole or as a part,
anywhere, at any scale, recoloured or grey). Official accounts are exempt; a staff
member's own personal account wearing the logo is reported too (guideline 10), with that person
attached.

Profiles are never compared with everyone: names go through a blocking index, photos through a
vectorised hash index, and only its candidates are verified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from watcher.config import DistrictConfig, MatchingConfig
from watcher.matching.affiliation import read_claim, school_core
from watcher.matching.images import (
    PHOTO_CANDIDATE,
    PHOTO_LOOSE,
    HashIndex,
    PhotoPrint,
    Picture,
    Verification,
    ViewMatch,
    verify,
)
from watcher.matching.names import BLOCKING_FLOOR, SECOND_SURNAME, NameIndex, name_score
from watcher.models import Evidence, LogoSighting, Person, Profile, Views

PrintLookup = Callable[[int], Sequence[PhotoPrint]]  # person id → what verification needs of their photos
PictureSource = Callable[[], Picture | None]  # the avatar, decoded only when a candidate needs verifying

# How far below the name threshold an initial + surname may be when the profile claims a staff
# role at that person's own school (initial + surname scores 0.85, see names/score.py).
INITIAL_MARGIN = 0.08


@dataclass(frozen=True)
class Match:
    kind: str  # "impersonation" or "logo_misuse"
    person_id: int | None
    score: float
    rule: str
    evidence: Evidence = field(default_factory=Evidence)


class Matcher:
    """Everything enrolled, indexed once per scan; ``match`` is then cheap per profile."""

    def __init__(
        self,
        people: Sequence[Person],
        district: DistrictConfig,
        settings: MatchingConfig,
        local_domains: Mapping[str, str] | None = None,
        prints: PrintLookup | None = None,
        photos: HashIndex | None = None,
        workers: int = 1,
    ) -> None:
        """``local_domains``: source name → the domain of its own accounts (a Mastodon server), so
        that a roster handle written without it (``mastodon:jdoe``) still names ``jdoe@server``.
        ``prints``: the enrolled photos' verification records by person (loaded only for candidates);
        without it, a photo on its own is never a finding. ``photos``: the enrolled photos' views,
        indexed (built from the people's ``references`` when not given). ``workers``: threads verifying
        one avatar's photo candidates at once (OpenCV and numpy do the work outside Python's lock)."""
        self.people = {p.id: p for p in people}
        self.district = district
        self.settings = settings
        self.photo_loose = settings.photo_distance if settings.photo_distance is not None else PHOTO_LOOSE
        candidate = settings.photo_only_distance if settings.photo_only_distance is not None else PHOTO_CANDIDATE
        self.photo_candidate = max(candidate, self.photo_loose)
        self.names = NameIndex(people)
        self.photos = (
            photos if photos is not None else HashIndex.of((p.id, v, h) for p in people for v, h in p.references)
        )
        self.prints = prints or (lambda _person_id: ())
        self.workers = workers
        # Blocking leaves out only names scoring under BLOCKING_FLOOR: when no use is made of such a
        # score, a photo candidate the blocking left out is decided by verification alone.
        self.unnamed_need_photo = settings.name_threshold - INITIAL_MARGIN >= BLOCKING_FLOOR
        self.owner_of = {account: p.id for p in people for account in p.accounts}
        self.local_domains = dict(local_domains or {})
        self.district_places = (district.name, *district.keywords)
        self.schools = tuple(sorted({p.school for p in people if p.school}))
        self.school_cores = tuple(filter(None, (school_core(s) for s in self.schools)))

    def banner_worth_checking(self, profile: Profile) -> bool:
        """Whether the profile's banner is worth fetching for the district's logos: the profile
        names the district or a school, even loosely ("Rio Seco PTA"), or it is a staff member's
        own account (guideline 10 is about their personal sites; they are few)."""
        if self._owner(profile) is not None:
            return True
        text = f"{profile.display_name}\n{profile.handle}\n{profile.description}"
        return bool(read_claim(text, (*self.district_places, *self.schools, *self.school_cores)).places)

    def match(
        self,
        profile: Profile,
        avatar: Views,
        *,
        picture: PictureSource | None = None,
        logo_sightings: Sequence[LogoSighting] = (),
    ) -> list[Match]:
        """Findings for one profile.

        ``avatar``: the avatar's hash views; ``picture``: the avatar decoded for verification, asked
        for only when a photo needs it; ``logo_sightings``: district logos ``matching/logos`` found in the
        avatar or banner.
        """
        if profile.account in self.district.official_accounts:
            return []
        owner = self._owner(profile)
        photo_hits = {m.owner: m for m in self.photos.nearest(avatar, self.photo_candidate)} if avatar else {}
        named = self.names.candidates(profile.display_name, profile.handle)
        verifier = _Verifier(self.prints, picture, photo_hits)
        if owner is None and self.unnamed_need_photo:  # photos that must speak for themselves, verified together
            verifier.check_all([i for i in photo_hits if i not in named and i in self.people], self.workers)
        matches = []
        for person_id in sorted(named | set(photo_hits) if owner is None else ()):  # a staff member's own account
            if person_id not in self.people:  # impersonates nobody, however alike their names are
                continue
            person, photo = self.people[person_id], photo_hits.get(person_id)
            found = self._match_person(profile, person, photo, verifier, person_id in named)
            if found:
                matches.append(found)
        matches = _whose_identity(matches, self.people)
        logo = self._match_logo(logo_sightings, owner)
        if logo:
            matches.append(logo)
        return [_moderated(m, profile) for m in matches] if profile.moderation else matches

    def _owner(self, profile: Profile) -> int | None:
        owner = self.owner_of.get(profile.account)
        local, _, domain = profile.handle.lower().partition("@")
        if owner is None and domain and self.local_domains.get(profile.source) == domain:
            owner = self.owner_of.get(f"{profile.source}:{local}")
        return owner

    def _match_person(
        self, profile: Profile, person: Person, photo: ViewMatch | None, verifier: _Verifier, named: bool
    ) -> Match | None:
        """``named``: blocking found the profile's name may be this person's (``NameIndex``)."""
        settings = self.settings
        check: Verification | None = None
        if not named and self.unnamed_need_photo:
            # Only a verified photo can make a finding; the name is scored only then, for the evidence.
            # At district scale an avatar brings dozens of photo candidates whose names are nothing alike.
            check = verifier.check(person.id) if photo is not None else None
            if check is None or not check.verified:
                return None
        name = name_score(profile.display_name, profile.handle, person)
        name_ok = name.score >= settings.name_threshold
        near_name = name.score >= settings.name_threshold - INITIAL_MARGIN  # "T. Pérez", "Ms. García"
        loose = photo is not None and photo.distance <= self.photo_loose
        if check is None and photo is not None and not (name_ok and loose):  # a photo that must speak for itself
            check = verifier.check(person.id)
        verified = check is not None and check.verified
        if not (verified or name_ok or near_name):
            return None
        places = (*self.district_places, *([person.school] if person.school else []))
        claim = read_claim(f"{profile.display_name}\n{profile.handle}\n{profile.description}", places)
        if not name_ok and not verified:
            # An initial and the surname count only with a staff claim at this person's own school.
            if not (claim.claims_staff and person.school in claim.places):
                return None
            name_ok = True
        photo_match = photo is not None and (loose or verified)
        photo_sim = 0.0
        if photo is not None:
            photo_sim = max(0.0, 1 - photo.distance / (2 * self.photo_candidate))
            if verified and check is not None:
                photo_sim = max(photo_sim, check.agreement)
        reasons: list[str] = []
        if name_ok:
            reasons.append(f"the {name.compared} is {name.reason} (“{name.variant}”, {name.score:.0%} alike)")
        if photo is not None and photo_match:
            reasons.append(_photo_reason(photo, check if verified else None, self.photo_loose))
        if claim.claims_staff:
            reasons.append(claim.in_words())
        if name_ok and photo_match:
            rule, score = "name+photo", 0.7 + 0.3 * min(name.score, photo_sim)
        elif verified:
            rule, score = "photo", 0.6 + 0.3 * photo_sim
        elif name_ok and claim.claims_staff:
            rule, score = "name+affiliation", 0.5 + 0.3 * name.score
        else:
            return None  # a namesake: same name, another face, no claim on the district
        if claim.claims_staff and rule != "name+affiliation":
            score += 0.05
        evidence = Evidence(
            rule=rule,
            name_score=round(name.score, 3),
            matched_name=name.variant,
            name_compared=name.compared,
            name_reason=name.reason,
            photo_distance=photo.distance if photo else None,
            photo_view=f"{photo.query_view} ~ {photo.reference_view}" if photo else None,
            photo_verified=verified,
            photo_inliers=check.inliers if check else None,
            photo_agreement=round(check.agreement, 3) if check else None,
            photo_colour_fit=round(check.colour_fit, 3) if check and check.colour_fit is not None else None,
            affiliation=tuple(claim.places) if claim.claims_staff else (),
            role_words=tuple(claim.roles),
            signals=tuple(
                s for s, on in (("name", name_ok), ("photo", photo_match), ("affiliation", claim.claims_staff)) if on
            ),
            reasons=tuple(reasons),
        )
        return Match("impersonation", person.id, round(min(score, 1.0), 4), rule, evidence)

    def _match_logo(self, sightings: Sequence[LogoSighting], owner: int | None) -> Match | None:
        """The strongest sighting of a district logo in the profile's pictures."""
        if not sightings:
            return None
        best = max(sightings, key=lambda s: s.score)
        # a logo found by its edges (colour lettering, a plain outline) has no matching points to speak of
        detail = f"{best.inliers} matching points, {best.how}" if best.inliers else best.how
        reasons = [f"the {best.where} shows the district logo “{best.label}” ({detail})"]
        if owner is not None:
            reasons.append("on a staff member's own personal account (district guideline 10)")
        evidence = Evidence(
            rule="logo",
            logo=best.label,
            logo_where=best.where,
            logo_score=best.score,
            logo_points=best.inliers,
            logo_placement=best.how,
            own_account=owner is not None,
            signals=("logo",),
            reasons=tuple(reasons),
        )
        return Match("logo_misuse", owner, round(min(0.5 + 0.5 * best.score, 1.0), 4), "logo", evidence)


def _moderated(match: Match, profile: Profile) -> Match:
    """The platform's own moderation verdict is evidence too: shown with the finding, not a signal
    (it tells the employee the platform has acted; it does not make a finding on its own)."""
    verdicts = ", ".join(profile.moderation)
    reasons = (*match.evidence.reasons, f"the platform's moderators have marked this account: {verdicts}")
    evidence = replace(match.evidence, moderation=tuple(profile.moderation), reasons=reasons)
    return Match(match.kind, match.person_id, match.score, match.rule, evidence)


class _Verifier:
    """Verification for one profile: the avatar decoded at most once, each person checked at most once,
    first where the views that matched place the avatar (``photo_check.place``)."""

    def __init__(self, prints: PrintLookup, picture: PictureSource | None, hits: Mapping[int, ViewMatch]) -> None:
        self._prints = prints
        self._source = picture
        self._views = {i: (m.reference_view, m.query_view) for i, m in hits.items()}
        self._picture: Picture | None = None
        self._asked = False
        self._done: dict[int, Verification | None] = {}

    def check(self, person_id: int) -> Verification | None:
        if person_id not in self._done:
            self.check_all([person_id])
        return self._done[person_id]

    def check_all(self, person_ids: Sequence[int], workers: int = 1) -> None:
        """Verify these people's photos, on up to ``workers`` threads. Their prints are read here, in
        the caller's thread (the lookup may hold a database connection)."""
        todo = [i for i in dict.fromkeys(person_ids) if i not in self._done]
        prints = {i: self._prints(i) for i in todo} if self._source is not None else {}
        pairs = [(i, p) for i in todo for p in prints.get(i, ())]
        results: dict[int, list[Verification]] = {i: [] for i in todo}
        picture = self._avatar() if pairs else None
        if picture is not None:
            views = self._views
            if workers > 1 and len(pairs) >= PARALLEL_FROM:
                with ThreadPoolExecutor(workers) as pool:
                    checks = list(pool.map(lambda pair: verify(pair[1], picture, views.get(pair[0])), pairs))
            else:
                checks = [verify(p, picture, views.get(i)) for i, p in pairs]
            for (i, _), check in zip(pairs, checks, strict=True):
                if check is not None:
                    results[i].append(check)
        for i, found in results.items():
            self._done[i] = max(found, key=lambda v: (v.verified, v.agreement, v.inliers), default=None)

    def _avatar(self) -> Picture | None:
        if not self._asked:
            self._asked = True
            self._picture = self._source() if self._source is not None else None
        return self._picture


PARALLEL_FROM = 4  # photos to verify for one avatar before threads are worth starting


PHOTO_TIE = 4  # photo matches this close to the best are as good as the best


def _whose_identity(matches: list[Match], people: dict[int, Person]) -> list[Match]:
    """A profile copies one person's identity; colleagues who merely resemble it are dropped.

    When name and photo agree on a person, that is whose identity it is: another enrolled photo
    that matches less closely, or a name-only resemblance, is not the one copied. A photo alone
    says whose photo was taken, not whose name is worn, so the best name match stays beside it.
    """
    by_photo = [m for m in matches if m.rule in ("photo", "name+photo")]
    if by_photo:
        best = min(m.evidence.photo_distance for m in by_photo)
        by_photo = [m for m in by_photo if m.evidence.photo_distance <= best + PHOTO_TIE]
        if any(m.rule == "name+photo" for m in by_photo):
            return by_photo
    # A photo alone names whose photo it is, not whose name: the name keeps its own match.
    by_name = [m for m in matches if m.rule not in ("photo", "name+photo")]
    return by_photo + _fullest_names(by_name, people)


def _fullest_names(matches: list[Match], people: dict[int, Person]) -> list[Match]:
    """The fullest name match, and among equals the person at the school the profile claims:
    "Antonio Rodríguez Torres, teacher at Mesa Verde" is Antonio Rodríguez Torres, not his
    colleague Antonio Rodríguez Jiménez, and "F. Mendoza at Noble Avenue" is the F. Mendoza
    who works there."""
    if len(matches) < 2:
        return matches

    def rank(m: Match) -> tuple[float, bool, bool]:
        person = people[m.person_id] if m.person_id is not None else None
        at_school = bool(person and person.school and person.school in (m.evidence.affiliation or ()))
        first_surname = SECOND_SURNAME not in (m.evidence.name_reason or "")  # "F. Mendoza": Mendoza first
        return (round((m.evidence.name_score or 0.0), 3), at_school, first_surname)

    top = max(rank(m) for m in matches)
    return [m for m in matches if rank(m) == top]


def match_profile(
    profile: Profile,
    avatar: Views,
    people: Sequence[Person],
    district: DistrictConfig,
    settings: MatchingConfig,
    *,
    prints: PrintLookup | None = None,
    picture: PictureSource | None = None,
    logo_sightings: Sequence[LogoSighting] = (),
) -> list[Match]:
    """One profile against everyone (builds the indexes: use a ``Matcher`` for many profiles)."""
    matcher = Matcher(people, district, settings, prints=prints)
    return matcher.match(profile, avatar, picture=picture, logo_sightings=logo_sightings)


def _photo_reason(photo: ViewMatch, check: Verification | None, threshold: int) -> str:
    how = ""
    if (check is not None and check.mirrored) or "mirror" in photo.reference_view:
        how = ", mirrored"
    elif "crop" in photo.reference_view or "crop" in photo.query_view:
        how = ", cropped"
    elif check is not None and abs(check.angle) >= 3:
        how = f", turned {abs(check.angle):.0f}°"
    if check is not None:
        return (
            f"the profile photo is a copy of the photo you enrolled{how} ({check.inliers} matching points, "
            f"{check.agreement:.0%} of its layout the same)"
        )
    return f"the profile photo matches the photo you enrolled{how} ({_distance(photo.distance, threshold)})"


def _distance(distance: int, threshold: int) -> str:
    return f"distance {distance}; {threshold} or less is a match"
