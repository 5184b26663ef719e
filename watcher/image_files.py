"""Image files given by an administrator (roster photos, ``people add --photo``, ``logos add``):
read safely and hashed; the picture itself goes no further.

A file must be a regular file (never a device, FIFO or folder, nor a link to one) within its size
cap. Photos are hashed on up to ``workers`` processes at district scale.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import BinaryIO

from watcher.errors import ImageError, InputError
from watcher.matching.images import DecodedImage, photo_print, reference_views
from watcher.matching.logos import enrol_logo
from watcher.models import ImageHashes
from watcher.text import clean_field

MAX_PHOTO_BYTES = 20_000_000
_NONBLOCK = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


Hashed = tuple[list[tuple[str, ImageHashes]], bytes]


def hash_photos(paths: list[Path], max_pixels: int, workers: int) -> list[Hashed | InputError]:
    """``hash_photo`` of every path, in order, on up to ``workers`` processes; a photo that cannot be
    read gives its ``InputError`` in its place instead of stopping the others."""
    jobs = [(path, max_pixels) for path in paths]
    if workers <= 1 or len(paths) < 4 * workers:  # starting processes costs more than a few photos
        return [_hash_or_error(job) for job in jobs]
    # "spawn": a forked child would inherit whatever threads and locks the parent holds.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_hash_or_error, jobs, chunksize=8))


def _hash_or_error(job: tuple[Path, int]) -> Hashed | InputError:
    try:
        return hash_photo(*job)
    except InputError as exc:
        return exc


def read_image_file(path: Path, what: str = "photo", max_bytes: int = MAX_PHOTO_BYTES) -> bytes:
    """The bytes of an image file given on the command line or in a roster: a regular file (never a
    device, FIFO or folder, nor a link to one) of at most ``max_bytes``, however large it claims to
    be or grows while read."""
    with open_regular(path, what, max_bytes) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read {what} {shown_path(path)}: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise InputError(f"{what} {shown_path(path.name)} is larger than {megabytes(max_bytes)}")
    return data


def open_regular(path: Path, what: str, max_bytes: int) -> BinaryIO:
    """Open a file for reading only if it is a regular file no larger than ``max_bytes``.

    It is checked before opening (a device is never opened) and again on the open file (the path
    may change in between); the open never blocks, so a FIFO with no writer cannot hang us."""
    try:
        _check_regular(os.stat(path).st_mode, path, what)
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    except FileNotFoundError:
        raise InputError(f"{what} not found: {shown_path(path)}") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {shown_path(path)}: {exc.strerror}") from None
    except ValueError:  # a NUL in the path
        raise InputError(f"{what} path {shown_path(path)} has a NUL character") from None
    try:
        info = os.fstat(fd)
        _check_regular(info.st_mode, path, what)
        if info.st_size > max_bytes:
            raise InputError(f"{what} {shown_path(path.name)} is larger than {megabytes(max_bytes)}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_regular(mode: int, path: Path, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise InputError(f"{what} {shown_path(path)} is {kind}, not a regular file")


def shown_path(path: Path | str) -> str:
    """A path as a message may show it: no control or bidi characters reach the terminal."""
    return clean_field(str(path)) or "(unprintable)"


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


def hash_photo(path: Path, max_pixels: int) -> tuple[list[tuple[str, ImageHashes]], bytes]:
    """Read a photo and return the hashes of its views and its verification record; the photo is dropped."""
    return hash_photo_bytes(read_image_file(path), path.name, max_pixels)


def hash_photo_bytes(data: bytes, name: str, max_pixels: int) -> tuple[list[tuple[str, ImageHashes]], bytes]:
    """A photo already in memory (a roster's file, a web upload): the hashes of its views and its
    verification record. ``name`` is how an error names it."""
    try:
        image = DecodedImage(data, max_pixels)  # checked and decoded once for both
        return reference_views(image, max_pixels), photo_print(image, max_pixels).to_bytes()
    except ImageError as exc:
        raise InputError(f"photo {shown_path(name)}: {exc}") from None


def hash_logo(path: Path, max_pixels: int) -> bytes:
    """Read a district logo and return its logo model (``matching/logos``), to find it in any picture, whole or
    as a part, at any scale (the district's own artwork: the model keeps a small copy of it)."""
    return hash_logo_bytes(read_image_file(path, what="logo"), path.name, max_pixels)


def hash_logo_bytes(data: bytes, name: str, max_pixels: int) -> bytes:
    """A district logo already in memory (a file, a web upload): its logo model."""
    try:
        return enrol_logo(data, max_pixels).to_bytes()
    except ImageError as exc:
        raise InputError(f"logo {shown_path(name)}: {exc}") from None
