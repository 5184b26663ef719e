"""What a staff member hands the enrolment forms: photos, hashed in memory and dropped at once, and the
list of their own accounts. A problem is an ``UploadRefused`` naming the words (words_staff.py) that
say what to fix, in the page's language; nothing is saved before everything has been read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

from watcher.errors import InputError
from watcher.image_files import hash_photo_bytes
from watcher.models import ImageHashes
from watcher.roster import MAX_HANDLES, check_account
from watcher.text import clean_field
from watcher.web.guard import MAX_UPLOAD_BYTES

MAX_PHOTOS = 3
MIN_PHOTOS = 1
MAX_ACCOUNTS_TEXT = 20_000  # characters of the accounts field: room for MAX_HANDLES long handles
MAX_SHOWN_NAME = 80  # of a file's name in an error


class UploadRefused(InputError):
    """A form's photos or accounts cannot be used; ``key`` names the words saying why, ``values`` fill them."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def words(self, words: dict[str, str] | object) -> str:
        """The one-line message in the page's language."""
        return words[self.key].format(**self.values)  # type: ignore[index]


@dataclass(frozen=True)
class HashedPhotos:
    """What is kept of the uploaded photos: per photo its views' hashes and its verification record."""

    photos: tuple[tuple[tuple[str, ImageHashes], ...], ...]
    prints: tuple[bytes, ...]


# A phone's photo today is 12 to 48 megapixels. A JPEG is decoded at a fraction of its size (1/2 to
# 1/8: the hashes need a few hundred pixels), so a large one costs little memory; other formats are
# decoded whole and keep the configured cap.
JPEG_PIXELS = 64_000_000


def photo_pixel_cap(data: bytes, max_pixels: int) -> int:
    """How many pixels an uploaded photo may have: more for a JPEG (decoded scaled down)."""
    return max(max_pixels, JPEG_PIXELS) if data[:3] == b"\xff\xd8\xff" else max_pixels


def hash_uploaded_photos(files: Sequence[FileStorage], max_pixels: int) -> HashedPhotos:
    """1–3 chosen photos, each at most MAX_UPLOAD_BYTES and ``max_pixels``, hashed one by one; their
    bytes are dropped as soon as each is hashed."""
    chosen = [f for f in files if f.filename]  # a file input left empty sends a part without a name
    if len(chosen) < MIN_PHOTOS:
        raise UploadRefused("photos_missing")
    if len(chosen) > MAX_PHOTOS:
        raise UploadRefused("photos_too_many")
    photos, prints = [], []
    try:
        for upload in chosen:
            name = clean_field(upload.filename or "")[:MAX_SHOWN_NAME]
            data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
            upload.stream.close()
            if not data:
                raise UploadRefused("photo_empty", name=name)
            if len(data) > MAX_UPLOAD_BYTES:
                raise UploadRefused("photo_too_big", name=name)
            cap = photo_pixel_cap(data, max_pixels)
            try:
                views, record = hash_photo_bytes(data, name, cap)
            except InputError:
                raise UploadRefused("photo_unreadable", name=name, megapixels=f"{cap / 1e6:g}") from None
            finally:
                del data
            photos.append(tuple(views))
            prints.append(record)
    finally:
        for upload in files:
            upload.close()
    return HashedPhotos(tuple(photos), tuple(prints))


def read_accounts(text: str) -> tuple[str, ...]:
    """The accounts field: one ``source:handle`` a line (blank lines skipped, repeats once), at most MAX_HANDLES."""
    if len(text) > MAX_ACCOUNTS_TEXT:
        raise UploadRefused("accounts_too_many", max=MAX_HANDLES)
    accounts = []
    for number, line in enumerate(text.splitlines(), start=1):
        cleaned = clean_field(line)
        if not cleaned:
            continue
        try:
            accounts.append(check_account(cleaned))
        except InputError:
            raise UploadRefused("account_malformed", line=number) from None
    unique = tuple(dict.fromkeys(accounts))
    if len(unique) > MAX_HANDLES:
        raise UploadRefused("accounts_too_many", max=MAX_HANDLES)
    return unique
