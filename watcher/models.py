"""Records that cross layers: what storage hands to matching and notifications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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
class Person:
    id: int
    email: str
    name: str
    aliases: tuple[str, ...] = ()
    school: str | None = None
    opt_in: bool = False
    accounts: frozenset[str] = frozenset()  # "source:handle", lowercased
    references: Views = ()  # views of the enrolled photos


@dataclass(frozen=True)
class Logo:
    id: int
    label: str
    model: bytes | None = None  # logo_finder's record (keypoints, variants), to find it in any picture


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
class Finding:
    """A stored finding, as notifications and the CLI see it."""

    id: int
    kind: str
    person_email: str | None
    source: str
    handle: str
    display_name: str
    profile_url: str
    score: float
    status: str
    evidence: dict[str, Any] = field(default_factory=dict)
    first_seen: str = ""
    last_seen: str = ""
    alerted_signals: tuple[str, ...] | None = None  # what the person was last told of; None: never
    resolved_at: str | None = None  # when re-checks found the profile gone
    reviewed_at: str | None = None
    review_note: str | None = None
    missing_count: int = 0  # re-checks in a row that found the profile gone
    last_checked_at: str | None = None

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
            "evidence": self.evidence,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "resolved_at": self.resolved_at,
            "reviewed_at": self.reviewed_at,
            "review_note": self.review_note,
            "missing_count": self.missing_count,
            "last_checked_at": self.last_checked_at,
        }


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
    prints: tuple[bytes, ...] = ()  # per photo: what verification needs (photo_check.PhotoPrint), never the photo
