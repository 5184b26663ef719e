"""Records that cross layers: what storage hands to matching and notifications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import Field, dataclass, field, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ImageHashes:
    """Perceptual hashes of one view of an image, as 64-bit integers (``color``: 0 when unknown)."""

    phash: int
    dhash: int
    color: int = 0


Views = tuple[tuple[str, ImageHashes], ...]  # (view name, hashes): "original", "mirror", "crop80", …


@dataclass(frozen=True)
class ViewTable:
    """Many owners' views as columns (one row a view): what the photo index is built from at district
    size, where a Python object per view would take gigabytes."""

    owners: np.ndarray  # int64: whose view (a person id)
    codes: np.ndarray  # int32: the view's name, as an index into ``names``
    names: tuple[str, ...]
    hashes: np.ndarray  # uint64 n×3: phash, dhash, colour

    def __len__(self) -> int:
        return len(self.owners)

    @classmethod
    def empty(cls) -> ViewTable:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int32), (), np.zeros((0, 3), np.uint64))

    @classmethod
    def of(cls, entries: Iterable[tuple[int, str, ImageHashes]]) -> ViewTable:
        """From (owner, view name, hashes) entries."""
        number: dict[str, int] = {}
        rows = [
            (owner, number.setdefault(name, len(number)), (h.phash, h.dhash, h.color)) for owner, name, h in entries
        ]
        if not rows:
            return cls.empty()
        return cls(
            owners=np.array([r[0] for r in rows], dtype=np.int64),
            codes=np.array([r[1] for r in rows], dtype=np.int32),
            names=tuple(number),
            hashes=np.array([r[2] for r in rows], dtype=np.uint64).reshape(-1, 3),
        )


@dataclass(frozen=True)
class Profile:
    """A public profile as a platform shows it. Every text field is untrusted."""

    source: str  # the configured source name
    platform_id: str  # the platform's stable id (a DID, a numeric id, a URL)
    handle: str
    display_name: str = ""
    description: str = ""
    avatar_url: str | None = None
    profile_url: str = ""
    labels: tuple[str, ...] = field(default=())
    banner_url: str | None = None
    links: tuple[str, ...] = field(default=())  # websites and verified links the profile shows
    # The platform's own moderation verdicts on the account, in effect now (e.g. IMPERSONATION
    # from Bluesky's moderation service, LIMITED by a Mastodon server's moderators). Only what the
    # platform or its moderators said, never what the account says of itself.
    moderation: tuple[str, ...] = field(default=())
    raw: str = field(default="", compare=False, repr=False)  # the answer as fetched (JSON or HTML), for evidence
    raw_type: str = field(default="", compare=False, repr=False)  # "application/json" or "text/html"

    @property
    def account(self) -> str:
        """``source:handle`` as rosters and the config spell own and official accounts."""
        return f"{self.source}:{self.handle.lower()}"


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    aliases: tuple[str, ...] = ()
    school: str | None = None
    opt_in: bool = False
    accounts: frozenset[str] = frozenset()  # "source:handle", lowercased
    references: Views = ()  # views of the enrolled photos
    language: str = "en"  # of their e-mails and pages: "en" or "es"
    consented_at: str | None = None  # when they enrolled themselves on the web front; None: roster only


@dataclass(frozen=True)
class Logo:
    id: int
    label: str
    model: bytes | None = None  # matching/logos' LogoModel (keypoints, variants), to find it in any picture


@dataclass(frozen=True)
class LogoSighting:
    """A district logo found in a picture of a profile (kept per picture content, so found once)."""

    logo_id: int
    label: str
    where: str  # "profile photo" or "banner"
    score: float  # 0–1
    inliers: int  # keypoints of the logo that agree with where it was found
    how: str  # in words: "at 20% of the width, recoloured"


@dataclass(frozen=True)
class Evidence:
    """Why a profile matched, as matching decides it, the finding stores it (as JSON) and alerts,
    the digest and the evidence page show it. Fields of the other kind of finding stay None."""

    rule: str = ""  # "name+photo", "photo", "name+affiliation" or "logo"
    # impersonation: the name
    name_score: float | None = None
    matched_name: str | None = None  # the enrolled spelling that matched (dropped when the person leaves)
    name_compared: str | None = None
    name_reason: str | None = None
    # impersonation: the photo
    photo_distance: int | None = None
    photo_view: str | None = None  # "mirror ~ original": which views of each photo met
    photo_verified: bool | None = None
    photo_inliers: int | None = None
    photo_agreement: float | None = None
    photo_colour_fit: float | None = None
    # impersonation: a claim on the district
    affiliation: tuple[str, ...] | None = None  # schools or the district the profile names
    role_words: tuple[str, ...] | None = None
    # logo misuse
    logo: str | None = None  # the logo's label
    logo_where: str | None = None  # "profile photo" or "banner"
    logo_score: float | None = None
    logo_points: int | None = None
    logo_placement: str | None = None
    own_account: bool | None = None  # on an enrolled person's own account (guideline 10)
    # either
    signals: tuple[str, ...] = ()  # "name", "photo", "affiliation", "logo": what an alert tells of
    reasons: tuple[str, ...] = ()  # in words, as the e-mail says them
    moderation: tuple[str, ...] = ()  # the platform's own verdicts when it was matched
    person_removed: bool = False  # the person left: the finding is kept anonymised

    def as_json(self) -> dict[str, Any]:
        """The stored form (and ``findings --json``'s): lists for tuples; the other kind's fields, empty
        verdicts, a False ``person_removed`` and a removed ``matched_name`` are left out, while an
        impersonation keeps its unknown photo fields as nulls, as it always has."""
        impersonation = self.rule not in ("", "logo")
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            kept_null = impersonation and f.name.startswith("photo_")
            if (value is None and not kept_null) or (f.name in ("moderation", "person_removed") and not value):
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, value: Any) -> Evidence:
        """From the stored form, whatever version wrote it: unknown keys are ignored, lists become
        tuples, and a list field holding anything else is taken as not known."""
        stored = value if isinstance(value, dict) else {}
        kept = {f.name: _tuple_or(stored[f.name], f) for f in fields(cls) if f.name in stored}
        try:
            return cls(**kept)
        except TypeError:
            return cls()


def _tuple_or(value: Any, f: Field) -> Any:
    if not str(f.type).startswith("tuple"):
        return value
    return tuple(map(str, value)) if isinstance(value, list) else f.default


STRENGTHS = (("strong", 0.8), ("likely", 0.6), ("possible", 0.0))  # lowest score of each, by score


def strength(score: float) -> str:
    return next(name for name, lowest in STRENGTHS if score >= lowest)


@dataclass(frozen=True)
class Finding:
    """A stored finding with its profile, as alerts, the digest, the evidence page and the CLI see it.
    Times are UTC ISO strings, as stored."""

    id: int
    kind: str
    person_email: str | None
    source: str
    handle: str
    display_name: str
    profile_url: str
    score: float
    status: str
    evidence: Evidence = field(default_factory=Evidence)
    rule: str = ""  # "name+photo", "photo", "name+affiliation" or "logo"
    person_name: str | None = None
    description: str = ""  # the profile's bio, as last seen
    avatar_url: str | None = None
    avatar_sha256: str | None = None
    first_seen: str = ""
    last_seen: str = ""
    alerted_signals: tuple[str, ...] | None = None  # what the person was last told of; None: never
    resolved_at: str | None = None  # when re-checks found the profile gone
    reviewed_at: str | None = None
    review_note: str | None = None
    missing_count: int = 0  # re-checks in a row that found the profile gone
    last_checked_at: str | None = None
    answer: str | None = None  # the employee's, from their alert: "mine" or "impostor"
    answered_at: str | None = None

    @property
    def strength(self) -> str:
        return strength(self.score)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "person": self.person_email,
            "source": self.source,
            "handle": self.handle,
            "display_name": self.display_name,
            "profile_url": self.profile_url,
            "score": self.score,
            "status": self.status,
            "evidence": self.evidence.as_json(),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "resolved_at": self.resolved_at,
            "reviewed_at": self.reviewed_at,
            "review_note": self.review_note,
            "missing_count": self.missing_count,
            "last_checked_at": self.last_checked_at,
            "answer": self.answer,
            "answered_at": self.answered_at,
        }


@dataclass(frozen=True)
class ReportGuide:
    """How to report an account on its platform, as its adapter says (an alert shows it per finding),
    in English and, for staff who chose it, Spanish."""

    steps: str  # what to do
    needs: str  # what the platform will want
    steps_es: str = ""
    needs_es: str = ""

    def in_language(self, language: str) -> ReportGuide:
        """The guide in ``language`` ("en" or "es"); English where the adapter gave no Spanish."""
        if language == "es" and self.steps_es and self.needs_es:
            return ReportGuide(self.steps_es, self.needs_es)
        return ReportGuide(self.steps, self.needs)


@dataclass(frozen=True)
class AlertLinks:
    """The signed links of one alert (watcher/links.py makes them): unsubscribe, and per finding
    "not a problem", "this is someone pretending to be me" and its evidence page; and the web front's
    page where staff ask for a link to manage their enrolment."""

    unsubscribe: str
    not_a_problem: dict[int, str] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    impostor: dict[int, str] = field(default_factory=dict)
    manage: str | None = None


@dataclass(frozen=True)
class Enrolment:
    """One person as a roster row or ``people add`` describes them, photos already hashed.

    ``None`` means "not given": an update leaves that field as it is (a roster without an
    ``opt_in`` column must not opt everyone out). ``school=""`` clears the school.
    """

    email: str
    name: str
    aliases: tuple[str, ...] | None = None
    school: str | None = None
    opt_in: bool | None = None
    accounts: tuple[str, ...] | None = None  # "source:handle", lowercased
    photos: tuple[tuple[tuple[str, ImageHashes], ...], ...] = ()  # per photo: (view, hashes)
    prints: tuple[bytes, ...] = ()  # per photo: what verification needs (matching.images.PhotoPrint), never the photo
    language: str | None = None  # "en" or "es"


@dataclass(frozen=True)
class Admin:
    """A communications-office account of the web front (``watcher admin add``)."""

    id: int
    email: str
    uid: str  # what its sign-in links name; never reused
    has_password: bool
    created_at: str
    last_sign_in_at: str | None = None


@dataclass(frozen=True)
class QueueFilter:
    """Which findings the office's queue shows (and its CSV export): every field given narrows it.
    ``since``/``until``: first seen in [since, until), UTC ISO times (a district week, as the web
    front computes it); ``min_score``/``max_score``: a score band, [min, max)."""

    kind: str | None = None
    status: str | None = None
    source: str | None = None
    school: str | None = None
    since: str | None = None
    until: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    person_id: int | None = None
    order: str = "newest"  # or "strongest"


# The weekly report's records live in their own module; they are imported from here like the rest.
from watcher.models.week_report import (  # noqa: E402
    COVERAGE_WINDOW,
    SEARCHED_BY,
    Coverage,
    EnrolmentCounts,
    PlatformCoverage,
    SourceCoverage,
    WeekReport,
)

__all__ = [
    "COVERAGE_WINDOW",
    "SEARCHED_BY",
    "Admin",
    "AlertLinks",
    "Coverage",
    "Enrolment",
    "EnrolmentCounts",
    "Evidence",
    "Finding",
    "ImageHashes",
    "Logo",
    "LogoSighting",
    "Person",
    "PlatformCoverage",
    "Profile",
    "QueueFilter",
    "ReportGuide",
    "SourceCoverage",
    "ViewTable",
    "WeekReport",
]
