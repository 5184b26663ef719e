"""A hostile roster: the file is as untrusted as scraped text.

Each test builds the roster file it attacks with, and runs it through ``read_roster`` or the
real ``watcher people import`` (an administrator importing a file someone else prepared).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import stat
import threading
import tracemalloc
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from watcher.errors import InputError
from watcher.image_files import MAX_PHOTO_BYTES, read_image_file
from watcher.roster import (
    MAX_LINE_BYTES,
    MAX_ROSTER_BYTES,
    MAX_ROWS,
    check_email,
    read_roster,
)

PIXELS = 10**8
HEADER = ["name", "email", "aliases", "handles", "photos", "school", "opt_in"]
# C0 (ESC, BEL, NUL, TAB, VT), C1 (NEL U+0085, CSI U+009B), bidi overrides and isolates, zero-width.
HOSTILE = "\x1b\x07\x00\t\x0b\x85\x9b\u202e\u202d\u2066\u200e\u200b\u200c\u200d\u2060\ufeff"


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def problems(result) -> list[tuple[int, str]]:
    return [(p.line, p.reason) for p in result.problems]


def unsafe(text: str) -> list[str]:
    """The characters of ``text`` a terminal, a mail reader or the digest must never get from a roster."""
    return [f"U+{ord(ch):04X}" for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")]


def people_json(watcher) -> list[dict]:
    return json.loads(watcher("people", "list", "--json").output)


@contextmanager
def unblock_fifo(fifo: Path) -> Iterator[None]:
    """If the code under test ever blocks opening ``fifo`` (waiting for a writer, as a roster import
    used to), a writer comes after a short wait and leaves at once: the test then fails on its
    assertions instead of hanging the run. No thread is left behind."""
    done = threading.Event()

    def writer() -> None:
        while not done.wait(2.0):
            if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
                continue
            with suppress(OSError):  # no reader waiting: nothing is blocked
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


# 1. Control characters are cleaned like scraped text.


def test_control_bidi_and_zero_width_characters_are_cleaned_from_every_text_cell(tmp_path):
    """Attack: terminal escapes, NEL/CSI (C1), a right-to-left override and zero-width characters
    in a name, aliases, a school and handles, to reach terminals, e-mails and the digest as is, and
    to split a row in two (U+0085 and U+2028 are line breaks to ``str.splitlines``). A name with
    nothing but such characters would be enrolled as an invisible person."""
    roster = write_csv(
        tmp_path / "roster.csv",
        [
            [
                f"A\u202ena{HOSTILE} Ru\u200biz\x1b[2J",
                "ana@svusd.example",
                f"Anita\u200d{HOSTILE};\u2028Nana\x85;{HOSTILE}",
                "bluesky:ana\u200b.bsky.social\u202e;bluesky:\u2066ANA.bsky.social\x85",
                "",
                "Mesa\x9b31m Verde\u2066 High\u2069",
                "yes",
            ],
            [HOSTILE + "\u2028 ", "ghost@svusd.example", "", "", "", "", ""],
            ["Ben Ortiz", "ben@svusd.example", "", "", "", "", ""],
        ],
    )
    result = read_roster(roster, max_pixels=PIXELS)
    assert problems(result) == [(3, "name has only control or invisible characters")]
    ana, ben = result.enrolments
    assert ana.name == "Ana Ruiz [2J"
    assert ana.aliases == ("Anita", "Nana")
    assert ana.accounts == ("bluesky:ana.bsky.social",)
    assert ana.school == "Mesa 31m Verde High"
    assert ben.name == "Ben Ortiz"


def test_the_cli_stores_and_prints_only_clean_text(tmp_path, watcher):
    """Attack: the same cells through ``watcher people import``, and a photo path with a terminal
    escape (the error message that names it goes to the administrator's terminal)."""
    roster = write_csv(
        tmp_path / "roster.csv",
        [
            [f"A\u202ena{HOSTILE} Ruiz", "ana@svusd.example", f"An\u200bita{HOSTILE}", "", "", f"Mesa{HOSTILE}", ""],
            ["Gone Photo", "gone@svusd.example", "", "", "evil\x1b]0;owned\x07\u202e.jpg", "", ""],
            [f"{HOSTILE}", "ghost@svusd.example", "", "", "", "", ""],
        ],
    )
    result = watcher("people", "import", str(roster), ok=False)
    assert result.exit_code == 1
    assert unsafe(result.output) == []
    assert f"{roster}:3: photo not found" in result.output
    assert f"{roster}:4: name has only control or invisible characters" in result.output
    (ana,) = people_json(watcher)
    assert (ana["name"], ana["aliases"], ana["school"]) == ("Ana Ruiz", ["Anita"], "Mesa")
    assert unsafe(watcher("people", "list").output) == []
    db = sqlite3.connect(tmp_path / "watcher.db")
    for name, aliases, school in db.execute("SELECT name, aliases, school FROM people"):
        assert unsafe(name + school + "".join(json.loads(aliases))) == []
    db.close()


# 2. A photo path must be a regular file within the size cap.


@pytest.fixture
def special_files(images):
    """Every kind of file a photo path must not be, next to two good photos."""
    folder = images
    os.mkfifo(folder / "pipe.jpg")
    (folder / "folder.jpg").mkdir()
    (folder / "to-zero.jpg").symlink_to("/dev/zero")
    (folder / "to-pipe.jpg").symlink_to(folder / "pipe.jpg")
    (folder / "to-folder.jpg").symlink_to(folder / "folder.jpg")
    (folder / "to-a.jpg").symlink_to(folder / "a.jpg")  # a link to a regular file is fine
    with open(folder / "huge.jpg", "wb") as fh:  # sparse: nothing written to the disk
        fh.truncate(MAX_PHOTO_BYTES + 1)
    return folder


SPECIAL = [
    ("/dev/zero", "photo /dev/zero is a device, not a regular file"),
    ("pipe.jpg", "is a FIFO (named pipe), not a regular file"),
    ("folder.jpg", "is a folder, not a regular file"),
    ("to-zero.jpg", "to-zero.jpg is a device, not a regular file"),
    ("to-pipe.jpg", "to-pipe.jpg is a FIFO (named pipe), not a regular file"),
    ("to-folder.jpg", "to-folder.jpg is a folder, not a regular file"),
    ("huge.jpg", "photo huge.jpg is larger than 20 MB"),
    ("nul\x00.jpg", "has a NUL character"),
    ("~no-such-user-here/a.jpg", "names no user's home folder here"),
]


def test_photo_paths_must_name_regular_files_within_the_cap(special_files):
    """Attack: photo paths naming a device (an endless read that exhausted memory), a FIFO (the
    import hung waiting for a writer), a folder, links to each, a file over the size cap, a NUL in
    the path and an unknown user's home (both raised out of the import). Each is a bad row with a
    one-line reason and its line number; the good rows around them are kept."""
    rows = [["Ana Ruiz", "ana@svusd.example", "", "", "a.jpg", "", ""]]
    rows += [
        [f"Bad {k}", f"bad{k}@svusd.example", "", "", f"a.jpg;{path}", "", ""] for k, (path, _) in enumerate(SPECIAL)
    ]
    rows += [["Ben Ortiz", "ben@svusd.example", "", "", "to-a.jpg;b.jpg", "", ""]]
    roster = write_csv(special_files / "roster.csv", rows)
    with unblock_fifo(special_files / "pipe.jpg"):
        result = read_roster(roster, max_pixels=PIXELS)
    found = problems(result)
    assert [line for line, _ in found] == list(range(3, 3 + len(SPECIAL)))
    for (line, reason), (_, expected) in zip(found, SPECIAL, strict=True):
        assert expected in reason, (line, reason)
        assert "\n" not in reason and "\x00" not in reason
    assert [e.email for e in result.enrolments] == ["ana@svusd.example", "ben@svusd.example"]
    assert len(result.enrolments[1].photos) == 2


def test_the_cli_refuses_a_fifo_and_a_device_as_photos_and_keeps_the_rest(special_files, world, watcher):
    """Attack: ``watcher people import`` of a roster whose photos are a FIFO and /dev/zero (the
    import hung, or read until memory ran out); also ``people add --photo`` and ``logos add``."""
    rows = [
        ["Pipe Photo", "pipe@svusd.example", "", "", "pipe.jpg", "", ""],
        ["Ana Ruiz", "ana@svusd.example", "", "", "a.jpg", "", "yes"],
        ["Zero Photo", "zero@svusd.example", "", "", "to-zero.jpg", "", ""],
    ]
    roster = write_csv(special_files / "roster.csv", rows)
    pipe = special_files / "pipe.jpg"
    with unblock_fifo(pipe):
        result = watcher("people", "import", str(roster), ok=False)
        added = watcher("people", "add", "--name", "X", "--email", "x@svusd.example", "--photo", str(pipe), ok=False)
        logo = watcher("logos", "add", "/dev/zero", "--label", "zero", ok=False)
    assert f"{roster}:2: photo {pipe} is a FIFO (named pipe), not a regular file" in result.output
    assert f"{roster}:4: photo {special_files / 'to-zero.jpg'} is a device, not a regular file" in result.output
    assert "imported 1 people (1 new, 0 updated), 2 rows rejected" in result.output
    assert [p["email"] for p in people_json(watcher)] == ["ana@svusd.example"]
    assert added.exit_code == 1 and "is a FIFO (named pipe), not a regular file" in added.output
    assert logo.exit_code == 1 and "logo /dev/zero is a device, not a regular file" in logo.output


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs Linux /proc")
def test_a_file_larger_than_it_says_is_read_only_up_to_the_cap():
    """Attack: a regular file whose size says 0 but that reads on (as one growing while read does):
    the cap holds on the bytes read, not on the size the file reported."""
    assert Path("/proc/self/maps").stat().st_size == 0
    with pytest.raises(InputError, match=r"^photo maps is larger than 0\.001 MB$"):
        read_image_file(Path("/proc/self/maps"), max_bytes=1000)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: os.mkfifo(p), "is a FIFO (named pipe), not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "is a device, not a regular file"),
        (lambda p: p.mkdir(), "is a folder, not a regular file"),
        (lambda p: (p.touch(), os.truncate(p, MAX_ROSTER_BYTES + 1)), "is larger than 200 MB"),
    ],
    ids=["fifo", "device", "folder", "over-200MB"],
)
def test_the_roster_itself_must_be_a_regular_file_within_the_cap(tmp_path, make, expected):
    """Attack: the roster path is a FIFO (the import hung), a link to /dev/zero (read until memory
    ran out), a folder, or a (sparse) file over the cap that would be read whole into memory."""
    roster = tmp_path / "roster.csv"
    make(roster)
    with unblock_fifo(roster), pytest.raises(InputError, match=re.escape(expected)):
        read_roster(roster, max_pixels=PIXELS)


# 3. Encoding errors are reported per line; the other rows are kept.

MIXED = (
    b"\xef\xbb\xbfname,email,school\r\n"  # 1: a UTF-8 BOM, as spreadsheet programs write it
    b"Ana Ruiz,ana@svusd.example,Mesa\r\n"  # 2
    b'Ben Ortiz,ben@svusd.example,"Noble\n'  # 3: a quoted cell over three lines
    b"Middle\r\n"  # 4
    b'School"\n'  # 5
    b"Cruz Lee,cruz@svusd.example,Mesa\r"  # 6: an old Mac line end
    b"Jos\xe9 Pe\xf1a,jose@svusd.example,Mesa\n"  # 7: Latin-1, not UTF-8
    b"Dee Roy,dee@svusd.example,Mesa\n"  # 8
    b'Eve Sol,eve@svusd.example,"Mesa\n'  # 9: a quoted cell whose second line is not UTF-8
    b'Caf\xc3\xa9 \xff"\n'  # 10
    b"Fay Lin,fay@svusd.example,Mesa \xc2\x85 \xe2\x80\xa8 Verde\n"  # 11: NEL and LINE SEPARATOR inside a cell
    b"Gus Vey,not-an-address,Mesa\n"  # 12
    b"Hal Ito,hal@svusd.example,Mesa"  # 13: no line end at the end
)


def test_bad_bytes_are_reported_on_their_own_line_and_the_other_rows_kept(tmp_path):
    """Attack: one Latin-1 byte rejected the whole file without saying where. Rows spanning lines
    (quoted line breaks), mixed line ends and U+0085/U+2028 inside a cell must not shift the line
    numbers reported after them; a BOM is still accepted."""
    roster = tmp_path / "roster.csv"
    roster.write_bytes(MIXED)
    result = read_roster(roster, max_pixels=PIXELS)
    assert problems(result) == [
        (7, "not UTF-8 (byte 0xE9 at column 4); save the roster as UTF-8"),
        (10, "not UTF-8 (byte 0xFF at column 6); save the roster as UTF-8"),
        (12, "malformed e-mail 'not-an-address'"),
    ]
    people = {e.email: e for e in result.enrolments}
    assert list(people) == [f"{n}@svusd.example" for n in ("ana", "ben", "cruz", "dee", "fay", "hal")]
    assert people["ben@svusd.example"].school == "Noble Middle School"
    assert people["fay@svusd.example"].school == "Mesa Verde"


def test_the_cli_names_the_line_and_column_of_a_bad_byte(tmp_path, watcher):
    """Attack: a roster exported as Latin-1 in one row, through ``watcher people import``."""
    roster = tmp_path / "roster.csv"
    rows = [f"Person {k},p{k}@svusd.example" for k in range(5)]
    rows.insert(5, "Ren\xe9e Tate,renee@svusd.example")
    roster.write_bytes(("name,email\n" + "\n".join(rows) + "\nLast One,last@svusd.example\n").encode("latin-1"))
    result = watcher("people", "import", str(roster), ok=False)
    assert f"{roster}:7: not UTF-8 (byte 0xE9 at column 4); save the roster as UTF-8" in result.output
    assert "imported 6 people (6 new, 0 updated), 1 rows rejected" in result.output


# 4. Formula-like e-mail addresses are not addresses.

FORMULAS = ["=cmd|calc!A0@x.org", "+1-555-0100@x.org", "-2+3@x.org", "=HYPERLINK@x.org", "@SUM@x.org"]


def test_formula_like_e_mail_addresses_are_refused():
    """Attack: an address a spreadsheet runs as a formula (=, +, -, @ first) when the findings or
    people are exported to CSV and opened there."""
    for address in FORMULAS:
        with pytest.raises(InputError, match="not an e-mail address"):
            check_email(address)


def test_the_cli_refuses_formula_addresses_but_keeps_formula_like_names_as_text(tmp_path, watcher):
    """Attack: formula addresses in a roster imported by ``watcher people import``; names and
    schools that start like formulas are people's text and are kept as written."""
    rows = [[f"Person {k}", address, "", "", "", "", ""] for k, address in enumerate(FORMULAS)]
    rows.append(["=Ana Ruiz", "ana@svusd.example", "@ana", "", "", "+Mesa", ""])
    rows.append(["-Ben Ortiz", "ben@svusd.example", "", "", "", "=1+1", ""])
    result = watcher("people", "import", str(write_csv(tmp_path / "roster.csv", rows)), ok=False)
    for line in range(2, 2 + len(FORMULAS)):
        assert f"roster.csv:{line}: malformed e-mail" in result.output
    people = {p["email"]: p for p in people_json(watcher)}
    assert set(people) == {"ana@svusd.example", "ben@svusd.example"}
    assert (people["ana@svusd.example"]["name"], people["ana@svusd.example"]["school"]) == ("=Ana Ruiz", "+Mesa")
    assert people["ana@svusd.example"]["aliases"] == ["@ana"]
    assert (people["ben@svusd.example"]["name"], people["ben@svusd.example"]["school"]) == ("-Ben Ortiz", "=1+1")


# 5. The work one roster can cause is bounded.


def test_a_million_rows_are_refused_with_a_clear_message(tmp_path):
    """Attack: a roster of 1,000,000 rows (3 MB on disk): every row read, kept and reported."""
    roster = tmp_path / "roster.csv"
    with open(roster, "wb") as fh:
        fh.write(b"name,email\n")
        fh.write(b",x\n" * 1_000_000)
    with pytest.raises(InputError, match=f"more than {MAX_ROWS:,} rows; split the roster"):
        read_roster(roster, max_pixels=PIXELS)


def test_the_cli_refuses_too_many_rows_and_enrols_no_one(tmp_path, watcher):
    """Attack: the row cap through ``watcher people import``: nothing of the file is saved."""
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"name,email\nAna Ruiz,ana@svusd.example\n" + b"\n" * MAX_ROWS)
    result = watcher("people", "import", str(roster), ok=False)
    assert result.exit_code == 1 and f"more than {MAX_ROWS:,} rows" in result.output
    assert people_json(watcher) == []


def peak_memory(roster: Path):
    tracemalloc.start()
    try:
        result = read_roster(roster, max_pixels=PIXELS)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_ten_megabyte_field_on_one_line_is_reported_without_holding_it(tmp_path):
    """Attack: a 10 MB cell on one line (a sparse file: no disk used), read whole into memory before."""
    roster = tmp_path / "roster.csv"
    with open(roster, "wb") as fh:
        fh.write(b"name,email\nAna Ruiz,ana@svusd.example\nBig Cell,")
        fh.seek(10_000_000, os.SEEK_CUR)  # a hole of NULs: a 10 MB e-mail cell
        fh.write(b"\nBen Ortiz,ben@svusd.example\n")
    result, peak = peak_memory(roster)
    assert problems(result) == [(3, f"the line is longer than {MAX_LINE_BYTES:,} bytes")]
    assert [e.email for e in result.enrolments] == ["ana@svusd.example", "ben@svusd.example"]
    assert peak < 3_000_000


def test_a_ten_megabyte_quoted_field_over_many_lines_is_one_bad_row(tmp_path):
    """Attack: a quoted 10 MB cell spanning 10,000 lines. csv gives up on it part way; its other
    lines were then read as 10,000 rows, and its closing quote opened a cell that swallowed the
    good rows after it."""
    roster = tmp_path / "roster.csv"
    with open(roster, "wb") as fh:
        fh.write(b'name,email\nAna Ruiz,ana@svusd.example\nBig Cell,"')
        fh.write((b"x" * 999 + b"\n") * 10_000)
        fh.write(b'",big@svusd.example\nBen Ortiz,ben@svusd.example\n')
    limit = csv.field_size_limit()
    result, peak = peak_memory(roster)
    assert problems(result) == [(3, "unreadable CSV: a cell longer than 100,000 characters (a quote left open?)")]
    assert [e.email for e in result.enrolments] == ["ana@svusd.example", "ben@svusd.example"]
    assert peak < 3_000_000
    assert csv.field_size_limit() == limit  # the process-wide limit is put back


def test_photos_aliases_and_handles_a_row_are_capped(tmp_path):
    """Attack: one row naming thousands of photos (each decoded), aliases or handles (each searched
    on every platform every scan)."""
    many = ";".join
    roster = write_csv(
        tmp_path / "roster.csv",
        [
            ["Ana Ruiz", "ana@svusd.example", "", "", many(f"p{k}.jpg" for k in range(11)), "", ""],
            ["Ben Ortiz", "ben@svusd.example", many(f"Ben {k}" for k in range(21)), "", "", "", ""],
            ["Cruz Lee", "cruz@svusd.example", "", many(f"github:cruz{k}" for k in range(21)), "", "", ""],
            ["Dee Roy", "dee@svusd.example", many(["Dee"] * 500), many(["github:dee"] * 500), "", "", ""],
        ],
    )
    result = read_roster(roster, max_pixels=PIXELS)
    assert problems(result) == [
        (2, "11 photos; at most 10 a person"),
        (3, "21 aliases; at most 20 a person"),
        (4, "21 handles; at most 20 a person"),
    ]
    (dee,) = result.enrolments
    assert dee.aliases == ("Dee",) and dee.accounts == ("github:dee",)
