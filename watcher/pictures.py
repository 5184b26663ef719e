"""A profile's pictures as one scan looks at them: fetched at most once, decoded once, each analysis done once.

Three looks at the avatar, each only when it is worth its cost, all drawn from one decode of it
(``DecodedImage``: a JPEG is decoded again only at another scale, where its pixels differ):
- the avatar's hash views, for every profile (cached by content: an avatar seen before under any
  URL is never hashed twice, and an unchanged one is not even downloaded where the host says so);
- the district's logos searched in the avatar (every avatar) and the banner (profiles that name
  the district, and staff members' own accounts), cached by content and by the set of logos;
- the avatar decoded for verification, only when a photo candidate must be verified.

The banner is downloaded at most once a scan: for the logo search, or for the evidence thumbnail
of a finding's new snapshot (``banner_bytes``), whichever asks first.

Nothing here decides; ``watcher.matching`` does, from what this module hands it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace

from sqlite_utils import Database

from sources.client import HttpClient
from sources.responses import ImageFetch
from storage import scans as scans_store
from watcher.config import Config
from watcher.errors import ImageError, InputError, UnsafeURL
from watcher.matching.images import DecodedImage, Picture, is_placeholder, picture, query_views
from watcher.matching.logos import LogoModel, PictureFeatures, find_logo_in, picture_features
from watcher.models import Logo, LogoSighting, Profile

log = logging.getLogger(__name__)


class LogoSearch:
    """The district's logos, ready to be searched for in pictures (built once per scan)."""

    def __init__(self, logos: list[Logo]) -> None:
        self.models: list[tuple[Logo, LogoModel]] = []
        self.stale: list[str] = []  # labels enrolled by an older version: not searched until added again
        for logo in logos:
            if not logo.model:
                self.stale.append(logo.label)
                continue
            try:
                self.models.append((logo, LogoModel.from_bytes(logo.model)))
            except InputError as exc:
                log.warning("logo %r not searched for: %s", logo.label, exc)
                self.stale.append(logo.label)
        digest = hashlib.sha256()
        for logo, _ in self.models:
            digest.update(f"{logo.id}:{logo.label}:".encode() + hashlib.sha256(logo.model or b"").digest())
        self.fingerprint = digest.hexdigest()[:16]  # a new or changed logo means every picture is searched again

    def __bool__(self) -> bool:
        return bool(self.models)

    def search(self, features: PictureFeatures, where: str) -> list[LogoSighting]:
        found = []
        for logo, model in self.models:
            hit = find_logo_in(model, features)
            if hit is not None:
                found.append(LogoSighting(logo.id, logo.label, where, round(hit.score, 3), hit.inliers, _how(hit.box)))
        return sorted(found, key=lambda s: -s.score)


class ProfilePictures:
    """One profile's avatar and banner in one scan."""

    def __init__(self, db: Database, http: HttpClient, config: Config, profile: Profile) -> None:
        self.db, self.http, self.config, self.profile = db, http, config, profile
        self.max_pixels = config.network.max_image_pixels
        self._image: DecodedImage | None = None  # the avatar, decoded once for every look at it
        self.avatar = self._avatar()  # carries this scan's download of the avatar, if it had to make one
        self._fetched_again = False
        self._picture: Picture | None = None
        self._verifiable = False
        self._banner: ImageFetch | None = None  # this scan's download of the banner, kept for the evidence thumbnail
        self._banner_tried = False

    def picture(self) -> Picture | None:
        """The avatar ready for verification (downloaded again if this scan did not need it before)."""
        if not self._verifiable:
            self._verifiable = True
            try:
                image = self._avatar_image()
                if image is not None:
                    self._picture = picture(image, self.max_pixels)
            except ImageError as exc:
                log.info("%s @%s: avatar not verified: %s", self.profile.source, self.profile.handle, exc)
        return self._picture

    def logo_sightings(self, logos: LogoSearch, *, banner: bool) -> list[LogoSighting]:
        """District logos in the avatar, and in the banner when asked."""
        if not logos:
            return []
        found = []
        if self.avatar.sha256:
            found += self._search(logos, self.avatar.sha256, "profile photo", self._avatar_image)
        if banner and self.profile.banner_url:
            found += self._banner_sightings(logos)
        return found

    def _search(
        self, logos: LogoSearch, key: str, where: str, image_of: Callable[[], DecodedImage | None]
    ) -> list[LogoSighting]:
        cached = scans_store.logo_sightings(self.db, key, logos.fingerprint)
        if cached is not None:
            return cached
        try:
            image = image_of()
            if image is None:
                return []  # not seen this time: searched when it can be read
            found = logos.search(picture_features(image, self.max_pixels), where)
        except ImageError as exc:
            log.info("%s @%s: %s not searched for logos: %s", self.profile.source, self.profile.handle, where, exc)
            return []
        scans_store.remember_logo_sightings(self.db, key, logos.fingerprint, found)
        return found

    def banner_bytes(self, *, fetch: bool = True) -> bytes | None:
        """The banner as this scan downloaded it, or (with ``fetch``, once a scan) downloaded now through the
        SSRF guard and size cap; None when the profile has none or it cannot be fetched (logged)."""
        if fetch and not self._banner_tried and self.profile.banner_url:
            self._banner_tried = True
            try:
                self._banner = self.http.fetch_image(self.profile.banner_url)
            except (UnsafeURL, ImageError) as exc:
                log.info("%s @%s: banner not fetched: %s", self.profile.source, self.profile.handle, exc)
        return self._banner.data if self._banner is not None else None

    def _banner_sightings(self, logos: LogoSearch) -> list[LogoSighting]:
        data = self.banner_bytes()
        if data is None:
            return []
        key = "banner:" + hashlib.sha256(data).hexdigest()
        return self._search(logos, key, "banner", lambda: DecodedImage(data, self.max_pixels))

    def _avatar_image(self) -> DecodedImage | None:
        """The avatar decoded once for every look (``ImageError`` if it cannot be), or None if not at hand."""
        if self._image is None:
            data = self._avatar_bytes()
            if data is not None:
                self._image = DecodedImage(data, self.max_pixels)
        return self._image

    def _avatar_bytes(self) -> bytes | None:
        """This scan's download of the avatar, or (once) a new one if it is still the image we know;
        kept on ``self.avatar`` so that the evidence thumbnail does not download it a third time."""
        avatar = self.avatar
        if avatar.data is None and not self._fetched_again and self.profile.avatar_url and avatar.sha256:
            self._fetched_again = True
            try:
                fetched = self.http.fetch_image(self.profile.avatar_url)
            except (UnsafeURL, ImageError):
                return None
            if fetched.sha256 == avatar.sha256:
                self.avatar = replace(avatar, data=fetched.data)
        return self.avatar.data

    def _avatar(self) -> scans_store.AvatarState:
        """The avatar's views, asking the server only whether it changed, hashing each image once."""
        profile, db = self.profile, self.db
        if not profile.avatar_url:
            return scans_store.AvatarState((), "none")
        memory = scans_store.avatar_memory(db, profile)
        # Ask "changed?" only when we hold what an unchanged answer needs: the views, or "placeholder".
        same = (
            memory is not None
            and memory.url == profile.avatar_url
            and memory.sha256 is not None
            and (bool(memory.views) or memory.status == "placeholder")
        )
        try:
            fetched = self.http.fetch_image(
                profile.avatar_url,
                etag=memory.etag if same and memory else None,
                last_modified=memory.last_modified if same and memory else None,
            )
            if fetched.data is None and memory is not None:  # 304 Not Modified
                status = "ok" if memory.views else "placeholder"
                return scans_store.AvatarState(memory.views, status, memory.etag, memory.last_modified, memory.sha256)
            assert fetched.data is not None and fetched.sha256 is not None
            views = scans_store.views_by_content(db, fetched.sha256)
            if views is None:
                image = self._image = DecodedImage(fetched.data, self.max_pixels)
                views = () if is_placeholder(image, self.max_pixels) else tuple(query_views(image, self.max_pixels))
                scans_store.remember_views(db, fetched.sha256, views)
            status = "ok" if views else "placeholder"  # a platform's default picture is no photo
            return scans_store.AvatarState(
                views, status, fetched.etag, fetched.last_modified, fetched.sha256, fetched.data
            )
        except (UnsafeURL, ImageError) as exc:
            log.info("%s @%s: avatar not checked: %s", profile.source, profile.handle, exc)
            return scans_store.AvatarState((), f"unknown: {exc}")


def _how(box: tuple[float, float, float, float]) -> str:
    """Where in the picture, in words: "at 20% of its width, top left"."""
    x0, y0, x1, y1 = box
    width = max(0.0, min(1.0, x1) - max(0.0, x0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if width >= 0.8:
        return f"filling {width:.0%} of its width"
    row = "top" if cy < 0.34 else "bottom" if cy > 0.66 else "middle"
    column = "left" if cx < 0.34 else "right" if cx > 0.66 else "centre"
    place = "centre" if (row, column) == ("middle", "centre") else f"{row} {column}"
    return f"at {width:.0%} of its width, {place}"
