"""Enrolment input: roster CSV rows (and ``people add``) into validated, hashed records.

Photos are read, hashed and dropped here; only the hashes go further.
"""

from __future__ import annotations

import csv
import multiprocessing
import re
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from email.errors import MessageError
from email.headerregistry import Address
from pathlib import Path

from watcher.errors import ImageError, InputError
from watcher.matching.images import reference_views
from watcher.matching.logo_finder import enrol_logo
from watcher.matching.photo_check import photo_print
from watcher.models import Enrolment, ImageHashes

COLUMNS = ("name", "email", "aliases", "handles", "photos", "school", "opt_in")
REQUIRED = ("name", "email")
_EMAIL = re.compile(
    r"^[^@\s<>,;\"'()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}
MAX_PHOTO_BYTES = 20_000_000


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class RosterResult:
    enrolments: list[Enrolment] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def read_roster(path: Path, *, max_pixels: int, workers: int = 1) -> RosterResult:
    """Parse a roster; bad rows are reported by line and left out, good rows kept.

    Photos are hashed after every row is read, on ``workers`` processes: at district size hashing
    is nearly all of an import's time (tens of milliseconds a photo, 75,000 photos)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"roster not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); export the roster as CSV UTF-8") from None
    except OSError as exc:
        raise InputError(f"cannot read roster {path}: {exc.strerror}") from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: the roster is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path}: line 1: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path}: header row lacks column(s) {', '.join(missing)} (expected {','.join(COLUMNS)})")

    result = RosterResult()
    rows: list[tuple[int, Enrolment, list[Path]]] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(RowProblem(start, f"unreadable CSV: {exc}"))
            line = reader.line_num
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            result.problems.append(RowProblem(start, f"{len(cells)} fields but the header has {len(header)}"))
            continue
        row = {column: cells[i] if i < len(cells) else "" for i, column in enumerate(header)}
        try:
            enrolment = parse_person({**row, "photos": None}, photo_base=path.parent, max_pixels=max_pixels)
        except InputError as exc:
            result.problems.append(RowProblem(start, str(exc)))
            continue
        rows.append((start, enrolment, photo_paths(row, path.parent)))
    hashed = iter(hash_photos([p for _, _, paths in rows for p in paths], max_pixels, workers))
    first_line_of: dict[str, int] = {}
    account_line: dict[str, int] = {}
    for start, enrolment, paths in rows:
        done = [next(hashed) for _ in paths]
        failed = next((d for d in done if isinstance(d, InputError)), None)
        if failed is not None:
            result.problems.append(RowProblem(start, str(failed)))
            continue
        if done:
            photos = tuple(tuple(views) for views, _ in done)
            enrolment = replace(enrolment, photos=photos, prints=tuple(record for _, record in done))
        if enrolment.email in first_line_of:
            result.problems.append(
                RowProblem(start, f"e-mail {enrolment.email} already on line {first_line_of[enrolment.email]}")
            )
            continue
        clash = next((a for a in enrolment.accounts or () if a in account_line), None)
        if clash:
            result.problems.append(RowProblem(start, f"handle {clash} already on line {account_line[clash]}"))
            continue
        first_line_of[enrolment.email] = start
        account_line.update((a, start) for a in enrolment.accounts or ())
        result.enrolments.append(enrolment)
    result.problems.sort(key=lambda problem: problem.line)
    return result


def photo_paths(row: Mapping[str, str | None], base: Path) -> list[Path]:
    """The photo files a row names (``;``-separated), relative to the roster's folder."""
    paths = [Path(photo).expanduser() for photo in split_list(row.get("photos"))]
    return [p if p.is_absolute() else base / p for p in paths]


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


def parse_person(row: Mapping[str, str | None], *, photo_base: Path, max_pixels: int) -> Enrolment:
    """Validate one person's fields (roster cells, ``;``-separated lists) and hash their photos.

    A field missing from ``row`` (no such column, option not given) stays None: "leave as is".
    """
    name = " ".join((row.get("name") or "").split())
    if not name:
        raise InputError("missing name")
    email = check_email(row.get("email") or "")
    opt_in = None
    if row.get("opt_in") is not None:
        opt_in_text = (row.get("opt_in") or "").strip().lower()
        if opt_in_text not in _TRUE | _FALSE:
            raise InputError(f"opt_in must be yes/no/true/false/1/0, not {opt_in_text!r}")
        opt_in = opt_in_text in _TRUE
    accounts = None
    if row.get("handles") is not None:
        accounts = tuple(dict.fromkeys(check_account(h) for h in split_list(row.get("handles"))))
    photos, prints = [], []
    for photo_path in photo_paths(row, photo_base):
        views, record = hash_photo(photo_path, max_pixels)
        photos.append(tuple(views))
        prints.append(record)
    school = None if row.get("school") is None else " ".join((row.get("school") or "").split())
    aliases = None if row.get("aliases") is None else tuple(dict.fromkeys(split_list(row.get("aliases"))))
    return Enrolment(
        email=email,
        name=name,
        aliases=aliases,
        school=school,
        opt_in=opt_in,
        accounts=accounts,
        photos=tuple(photos),
        prints=tuple(prints),
    )


def check_email(value: str) -> str:
    """A plain ASCII address (as staff directories use), lowercased; anything else is an error."""
    email = value.strip()
    if not email:
        raise InputError("missing e-mail")
    if not email.isascii() or not _EMAIL.match(email) or ".." in email or email.startswith("."):
        raise InputError(f"malformed e-mail {email!r}")
    try:
        address = Address(addr_spec=email)
    except (ValueError, MessageError):
        raise InputError(f"malformed e-mail {email!r}") from None
    if address.addr_spec != email or not address.domain:
        raise InputError(f"malformed e-mail {email!r}")
    return email.lower()


def check_account(value: str) -> str:
    source, sep, handle = value.partition(":")
    source, handle = source.strip().lower(), handle.strip().lstrip("@").lower()
    if not sep or not source or not handle or any(c.isspace() for c in handle):
        raise InputError(f"handle {value!r} must be written source:handle (e.g. bluesky:jdoe.bsky.social)")
    return f"{source}:{handle}"


def read_image_file(path: Path, what: str = "photo") -> bytes:
    """The bytes of an image file given on the command line or in a roster, size-checked."""
    try:
        if path.stat().st_size > MAX_PHOTO_BYTES:
            raise InputError(f"{what} {path.name} is larger than {MAX_PHOTO_BYTES // 1_000_000} MB")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None


def hash_photo(path: Path, max_pixels: int) -> tuple[list[tuple[str, ImageHashes]], bytes]:
    """Read a photo and return the hashes of its views and its verification record; the photo is dropped."""
    data = read_image_file(path)
    try:
        return reference_views(data, max_pixels), photo_print(data, max_pixels).to_bytes()
    except ImageError as exc:
        raise InputError(f"photo {path.name}: {exc}") from None


def hash_logo(path: Path, max_pixels: int) -> bytes:
    """Read a district logo and return its ``logo_finder`` model, to find it in any picture, whole or
    as a part, at any scale (the district's own artwork: the model keeps a small copy of it)."""
    data = read_image_file(path, what="logo")
    try:
        return enrol_logo(data, max_pixels).to_bytes()
    except ImageError as exc:
        raise InputError(f"logo {path.name}: {exc}") from None


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]
