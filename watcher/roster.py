"""Enrolment input: roster CSV rows (and ``people add``) into validated, hashed records.

Photos are read, hashed and dropped here; only the hashes go further.

The roster is as untrusted as scraped text: every cell is cleaned like a scraped profile's
(no control, bidi or zero-width characters), every file it names must be a regular file within
its size cap, and the work one file can cause is bounded (bytes, line length, field size, rows,
photos, aliases and handles a row).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email.errors import MessageError
from email.headerregistry import Address
from pathlib import Path
from typing import BinaryIO

from watcher.errors import InputError
from watcher.image_files import hash_photo, hash_photos, megabytes, open_regular, shown_path
from watcher.models import Enrolment
from watcher.text import clean_field

COLUMNS = ("name", "email", "aliases", "handles", "photos", "school", "opt_in")
REQUIRED = ("name", "email")
_EMAIL = re.compile(
    r"^[^@\s<>,;\"'()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_FORMULA_START = ("=", "+", "-", "@")  # a spreadsheet reads a cell starting so as a formula
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}
# The district has 75,000 staff: these leave room for any real roster and bound a hostile one.
MAX_ROSTER_BYTES = 200_000_000
MAX_ROWS = 200_000
MAX_LINE_BYTES = 100_000
MAX_FIELD_CHARS = 100_000
MAX_PHOTOS = 10
MAX_ALIASES = 20
MAX_HANDLES = 20
_CHUNK = 1 << 16
_EOL = re.compile(rb"\r\n?|\n")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class RosterResult:
    enrolments: list[Enrolment] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Filled by the import (watcher/pipeline/enrolment.py): addresses of people who left on the web
    # front (not enrolled again), and of people who enrolled themselves there (their choices kept).
    left: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def read_roster(path: Path, *, max_pixels: int, workers: int = 1) -> RosterResult:
    """Parse a roster; bad rows are reported by line and left out, good rows kept.

    Photos are hashed after every row is read, on ``workers`` processes: at district size hashing
    is nearly all of an import's time (tens of milliseconds a photo, 75,000 photos)."""
    with open_regular(path, "roster", MAX_ROSTER_BYTES) as fh, _field_limit(MAX_FIELD_CHARS):
        lines = _Lines(fh, path)
        reader = csv.reader(lines)
        header = _read_header(reader, lines, path)
        result, rows = _read_rows(reader, lines, header, path, max_pixels)
    _add_hashed(result, rows, max_pixels, workers)
    result.problems.sort(key=lambda problem: problem.line)
    return result


def _read_header(reader: Iterator[list[str]], lines: _Lines, path: Path) -> list[str]:
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: the roster is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path}: line 1: {exc}") from None
    unreadable = lines.take_problems()
    if unreadable:
        raise InputError(f"{path}: line {unreadable[0].line}: {unreadable[0].reason}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path}: header row lacks column(s) {', '.join(missing)} (expected {','.join(COLUMNS)})")
    return header


Row = tuple[int, Enrolment, list[Path]]


def _read_rows(
    reader: Iterator[list[str]], lines: _Lines, header: list[str], path: Path, max_pixels: int
) -> tuple[RosterResult, list[Row]]:
    """Every data row parsed (photos not yet read); a row's problem is reported at its first line,
    and a line that cannot be read (not UTF-8, too long) at its own."""
    result = RosterResult()
    rows: list[Row] = []
    count = 0
    while True:
        start = lines.number + 1
        lines.quotes = 0
        try:
            cells: list[str] | None = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(RowProblem(start, _csv_problem(exc)))
            lines.skip_open_quote()
            cells = None
        count += 1
        if count > MAX_ROWS:
            raise InputError(f"{path}: more than {MAX_ROWS:,} rows; split the roster into smaller files")
        unreadable = lines.take_problems()
        result.problems.extend(unreadable)
        if cells is None or unreadable or not any(c.strip() for c in cells):
            continue
        try:
            rows.append((start, *_parse_row(cells, header, path.parent, max_pixels)))
        except InputError as exc:
            result.problems.append(RowProblem(start, str(exc)))
    return result, rows


def _csv_problem(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return f"unreadable CSV: a cell longer than {MAX_FIELD_CHARS:,} characters (a quote left open?)"
    return f"unreadable CSV: {exc}"


def _parse_row(cells: list[str], header: list[str], base: Path, max_pixels: int) -> tuple[Enrolment, list[Path]]:
    if len(cells) > len(header):
        raise InputError(f"{len(cells)} fields but the header has {len(header)}")
    row = {column: cells[i] if i < len(cells) else "" for i, column in enumerate(header)}
    enrolment = parse_person({**row, "photos": None}, photo_base=base, max_pixels=max_pixels)
    return enrolment, photo_paths(row, base)


def _add_hashed(result: RosterResult, rows: list[Row], max_pixels: int, workers: int) -> None:
    """Hash the rows' photos, then keep each row whose photos could be read and whose e-mail and
    handles no earlier row has."""
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


class _Lines:
    """The roster's physical lines, as text for ``csv.reader``, each decoded on its own: a line that
    is not UTF-8 or too long is a problem of that line, and the rest of the file is still read.

    ``number`` counts the lines given out, so line numbers stay right when a quoted cell spans
    lines; ``quotes`` counts quote characters since the caller last reset it (the start of a row)."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self.number = 0
        self.quotes = 0
        self._problems: list[RowProblem] = []
        self._raw = _split_lines(fh, path)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw, long_quotes = next(self._raw)
        self.number += 1
        if raw is None:
            self.quotes += long_quotes
            self._problems.append(RowProblem(self.number, f"the line is longer than {MAX_LINE_BYTES:,} bytes"))
            return '"' * (long_quotes % 2) + "\n"  # keeps csv's quoting state as the real line would
        if self.number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        self.quotes += raw.count(b'"')
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8", "replace")) + 1
            reason = f"not UTF-8 (byte 0x{raw[exc.start]:02X} at column {column}); save the roster as UTF-8"
            self._problems.append(RowProblem(self.number, reason))
            return raw.decode("utf-8", "replace")

    def take_problems(self) -> list[RowProblem]:
        problems, self._problems = self._problems, []
        return problems

    def skip_open_quote(self) -> None:
        """After csv gave up on a row inside a quoted cell, read past the rest of that cell, so that
        its remaining lines are not taken for rows."""
        while self.quotes % 2:
            try:
                next(self)
            except StopIteration:
                return


def _split_lines(fh: BinaryIO, path: Path) -> Iterator[tuple[bytes | None, int]]:
    """``(line, 0)`` for each line ending at ``\\n``, ``\\r\\n`` or ``\\r`` (ends kept), and
    ``(None, its quote count)`` for a line longer than MAX_LINE_BYTES, read past but never held
    whole. The file may grow while read: MAX_ROSTER_BYTES is enforced here too."""
    carry, long_quotes, total = b"", -1, 0  # long_quotes >= 0: inside an overlong line
    while True:
        chunk = fh.read(_CHUNK)
        total += len(chunk)
        if total > MAX_ROSTER_BYTES:
            raise InputError(f"roster {shown_path(path)} is larger than {megabytes(MAX_ROSTER_BYTES)}")
        data, pos = carry + chunk, 0
        for match in _EOL.finditer(data):
            if chunk and match.end() == len(data) and match.group() == b"\r":
                break  # a "\n" may follow in the next chunk
            line, pos = data[pos : match.end()], match.end()
            if long_quotes < 0 and len(line) <= MAX_LINE_BYTES:
                yield line, 0
            else:
                yield None, max(long_quotes, 0) + line.count(b'"')
                long_quotes = -1
        rest = data[pos:]
        if not chunk:
            if rest:
                yield (rest, 0) if long_quotes < 0 and len(rest) <= MAX_LINE_BYTES else (None, rest.count(b'"'))
            elif long_quotes >= 0:
                yield None, long_quotes
            return
        if long_quotes >= 0 or len(rest) > MAX_LINE_BYTES:
            carry = b"\r" if rest.endswith(b"\r") else b""
            long_quotes = max(long_quotes, 0) + rest[: len(rest) - len(carry)].count(b'"')
        else:
            carry = rest


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """csv's field size limit is process-wide: set it for one read and put it back."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def photo_paths(row: Mapping[str, str | None], base: Path) -> list[Path]:
    """The photo files a row names (``;``-separated), relative to the roster's folder."""
    names = list(dict.fromkeys(split_list(row.get("photos"))))
    if len(names) > MAX_PHOTOS:
        raise InputError(f"{len(names)} photos; at most {MAX_PHOTOS} a person")
    try:
        paths = [Path(photo).expanduser() for photo in names]
    except RuntimeError:  # "~someone/…" for a user this machine does not have
        raise InputError("a photo path starts with ~ and names no user's home folder here") from None
    return [p if p.is_absolute() else base / p for p in paths]


def parse_person(row: Mapping[str, str | None], *, photo_base: Path, max_pixels: int) -> Enrolment:
    """Validate one person's fields (roster cells, ``;``-separated lists) and hash their photos.

    A field missing from ``row`` (no such column, option not given) stays None: "leave as is".
    Text is cleaned like scraped text before it can reach storage, terminals, e-mails or the digest.
    """
    name = clean_field(row.get("name") or "")
    if not name:
        raw = (row.get("name") or "").strip()
        raise InputError("name has only control or invisible characters" if raw else "missing name")
    email = check_email(row.get("email") or "")
    opt_in = None
    if row.get("opt_in") is not None:
        opt_in_text = (row.get("opt_in") or "").strip().lower()
        if opt_in_text not in _TRUE | _FALSE:
            raise InputError(f"opt_in must be yes/no/true/false/1/0, not {opt_in_text[:40]!r}")
        opt_in = opt_in_text in _TRUE
    accounts = None
    if row.get("handles") is not None:
        accounts = tuple(dict.fromkeys(check_account(h) for h in _clean_list(row.get("handles"))))
        if len(accounts) > MAX_HANDLES:
            raise InputError(f"{len(accounts)} handles; at most {MAX_HANDLES} a person")
    photos, prints = [], []
    for photo_path in photo_paths(row, photo_base):
        views, record = hash_photo(photo_path, max_pixels)
        photos.append(tuple(views))
        prints.append(record)
    school = None if row.get("school") is None else clean_field(row.get("school") or "")
    aliases = None
    if row.get("aliases") is not None:
        aliases = tuple(dict.fromkeys(_clean_list(row.get("aliases"))))
        if len(aliases) > MAX_ALIASES:
            raise InputError(f"{len(aliases)} aliases; at most {MAX_ALIASES} a person")
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


def _clean_list(value: str | None) -> list[str]:
    return [part for part in (clean_field(item) for item in split_list(value)) if part]


def check_email(value: str) -> str:
    """A plain ASCII address (as staff directories use), lowercased; anything else is an error.

    An address starting with = + - @ is refused: a spreadsheet would run it as a formula."""
    email = value.strip()
    if not email:
        raise InputError("missing e-mail")
    if email.startswith(_FORMULA_START):
        raise InputError(f"malformed e-mail {email[:80]!r}: not an e-mail address (starts like a spreadsheet formula)")
    if not email.isascii() or not _EMAIL.match(email) or ".." in email or email.startswith("."):
        raise InputError(f"malformed e-mail {email[:80]!r}")
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
        raise InputError(f"handle {value[:80]!r} must be written source:handle (e.g. bluesky:jdoe.bsky.social)")
    return f"{source}:{handle}"


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]
