"""Enrolment: roster import, people add/list/remove, logos; photos are hashed, never stored."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from conftest import write_roster

from watcher.errors import InputError
from watcher.matching.images import PhotoPrint, reference_views
from watcher.roster import check_email


def people_json(watcher):
    return json.loads(watcher("people", "list", "--json").output)


def test_roster_import_enrols_everyone(tmp_path, world, watcher):
    result = watcher("people", "import", str(write_roster(tmp_path, world)))
    assert "imported 8 people (8 new, 0 updated), 0 rows rejected" in result.output
    people = {p["email"]: p for p in people_json(watcher)}
    maria = people["maria.garcia@svusd.example"]
    assert maria["name"] == "María García López"
    assert maria["aliases"] == ["Maria Garcia"]
    assert maria["handles"] == ["bluesky:mgarcia-teaches.bsky.social"]
    assert maria["photos"] == 1 and maria["opt_in"] is True
    assert people["jose.torres@svusd.example"]["opt_in"] is False
    assert people["guadalupe.ramirez@svusd.example"]["photos"] == 0


def test_photos_are_hashed_and_not_stored(tmp_path, world, watcher):
    watcher("people", "import", str(write_roster(tmp_path, world)))
    db = sqlite3.connect(tmp_path / "watcher.db")
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in db.execute(f"SELECT * FROM {table}"):
            for value in row:
                assert not (isinstance(value, bytes) and value[:3] == b"\xff\xd8\xff"), f"a JPEG is stored in {table}"
    photos, people = db.execute("SELECT COUNT(*), COUNT(DISTINCT person_id) FROM reference_views").fetchone()
    assert people == photos == 7
    # One row per photo, every view in it: names and 24 bytes of hashes a view.
    expected = len(reference_views(world.photos["maria.garcia@svusd.example"], 10**8))
    for names, packed in db.execute("SELECT views, hashes FROM reference_views"):
        assert len(names.split(",")) == expected and len(packed) == 24 * expected
    # One verification record per photo: derived (keypoints and layout signs), and it reads back.
    records = [row[0] for row in db.execute("SELECT print FROM reference_prints")]
    assert len(records) == 7 and all(PhotoPrint.from_bytes(r).features.descriptors.shape[1] == 32 for r in records)


def test_bad_rows_are_reported_by_line_and_good_rows_kept(tmp_path, world, watcher, images):
    rows = [
        {"name": "Ana Ruiz", "email": "ana.ruiz@svusd.example", "photos": "a.jpg", "opt_in": "yes"},
        {"name": "No Mail", "email": "", "opt_in": "yes"},
        {"name": "Bad Mail", "email": "bad-at-example", "opt_in": "no"},
        {"name": "Text Photo", "email": "text@svusd.example", "photos": "not-a-photo.jpg"},
        {"name": "Gone Photo", "email": "gone@svusd.example", "photos": "missing.jpg"},
        {"name": "Ana Again", "email": "ANA.RUIZ@svusd.example"},
        {"name": "Odd Opt", "email": "odd@svusd.example", "opt_in": "maybe"},
        {"name": "Bad Handle", "email": "handle@svusd.example", "handles": "justahandle"},
        {
            "name": "Ben Ortiz",
            "email": "ben.ortiz@svusd.example",
            "handles": "bluesky:@BenO.bsky.social",
            "opt_in": "0",
        },
    ]
    result = watcher("people", "import", str(write_roster(images, world, rows)), ok=False)
    assert result.exit_code == 1
    text = result.output
    assert "roster.csv:3: missing e-mail" in text
    assert "roster.csv:4: malformed e-mail 'bad-at-example'" in text
    assert "roster.csv:5: photo not-a-photo.jpg: not a readable image" in text
    assert "roster.csv:6: photo not found" in text
    assert "roster.csv:7: e-mail ana.ruiz@svusd.example already on line 2" in text
    assert "roster.csv:8: opt_in must be" in text
    assert "roster.csv:9: handle 'justahandle' must be written source:handle" in text
    assert "imported 2 people (2 new, 0 updated), 7 rows rejected" in result.output
    people = {p["email"]: p for p in people_json(watcher)}
    assert set(people) == {"ana.ruiz@svusd.example", "ben.ortiz@svusd.example"}
    assert people["ben.ortiz@svusd.example"]["handles"] == ["bluesky:beno.bsky.social"]


def test_reimport_updates_by_email_and_keeps_photo_hashes(tmp_path, world, watcher, images):
    roster = write_roster(
        images, world, [{"name": "Ana Ruiz", "email": "ana@svusd.example", "photos": "a.jpg", "opt_in": "no"}]
    )
    watcher("people", "import", str(roster))
    # Next term's HR export: new alias, opted in, no photo column.
    roster.write_text("email,name,aliases,opt_in\nana@svusd.example,Ana Ruiz Díaz,Anita,yes\n", encoding="utf-8")
    result = watcher("people", "import", str(roster))
    assert "(0 new, 1 updated)" in result.output
    (ana,) = people_json(watcher)
    assert ana["name"] == "Ana Ruiz Díaz" and ana["aliases"] == ["Anita"] and ana["opt_in"] is True
    assert ana["photos"] == 1


def test_unreadable_roster_files(tmp_path, watcher):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("name,email\nJosé,jose@x.example\n".encode("latin-1"))
    result = watcher("people", "import", str(bad), ok=False)
    assert result.exit_code == 1 and "not UTF-8" in result.output
    headless = tmp_path / "headless.csv"
    headless.write_text("nombre,correo\n")
    result = watcher("people", "import", str(headless), ok=False)
    assert "header row lacks column(s) name, email" in result.output
    result = watcher("people", "import", str(tmp_path / "nope.csv"), ok=False)
    assert "roster not found" in result.output


def test_add_list_remove(tmp_path, watcher, images):
    watcher(
        "people", "add", "--name", "Ana Ruiz", "--email", "Ana@SVUSD.example", "--alias", "Anita",
        "--handle", "bluesky:ana.bsky.social", "--photo", str(images / "a.jpg"), "--opt-in",
    )  # fmt: skip
    listing = watcher("people", "list").output
    assert "ana@svusd.example" in listing and "1 people" in listing
    result = watcher("people", "add", "--name", "X", "--email", "nope", ok=False)
    assert result.exit_code == 1 and "malformed e-mail" in result.output

    db = sqlite3.connect(tmp_path / "watcher.db")
    assert db.execute("SELECT COUNT(DISTINCT photo) FROM reference_views").fetchone() == (1,)
    watcher("people", "remove", "ana@svusd.example")
    assert people_json(watcher) == []
    for table in ("reference_views", "reference_prints", "accounts", "people"):
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
    result = watcher("people", "remove", "ana@svusd.example", ok=False)
    assert "no enrolled person" in result.output


def test_logos_add_and_bad_logo(watcher, images):
    assert "added logo 'seal'" in watcher("logos", "add", str(images / "logo.png"), "--label", "seal").output
    assert "replaced logo 'seal'" in watcher("logos", "add", str(images / "logo.png"), "--label", "seal").output
    assert watcher("logos", "list").output.strip() == "seal"
    result = watcher("logos", "add", str(images / "not-a-photo.jpg"), "--label", "x", ok=False)
    assert result.exit_code == 1 and "not a readable image" in result.output


def test_a_logo_enrolled_before_logo_models_is_marked(tmp_path, watcher, images):
    watcher("logos", "add", str(images / "logo.png"), "--label", "seal")
    db = sqlite3.connect(tmp_path / "watcher.db")
    with db:
        db.execute("INSERT INTO logos (label, created_at, model) VALUES ('old crest', '2026-01-01', NULL)")
    assert watcher("logos", "list").output.splitlines() == ["old crest  (enrolled by an older version: add it again)",
                                                           "seal"]  # fmt: skip


def test_init_creates_wal_database(tmp_path, watcher):
    assert "database ready" in watcher("init").output
    db = sqlite3.connect(tmp_path / "watcher.db")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"people", "accounts", "reference_views", "logos", "profiles", "findings", "outbox", "scan_runs"} <= tables
    applied = db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()
    watcher("init")  # idempotent
    assert db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone() == applied


@pytest.mark.parametrize(
    "bad", ["a..b@x.org", ".a@x.org", "a:b@x.org", "josé@x.org", "a@b", "a b@x.org", "a@x.org\nBcc: y@x.org"]
)
def test_addresses_that_mail_cannot_carry_are_refused(bad):
    with pytest.raises(InputError, match="malformed e-mail"):
        check_email(bad)


def test_handles_deduplicated_in_a_row_and_refused_across_rows(tmp_path, world, watcher):
    rows = [
        {
            "name": "Ana Ruiz",
            "email": "ana@svusd.example",
            "handles": "bluesky:ana.bsky.social;bluesky:@Ana.bsky.social",
        },
        {"name": "Eva Ruiz", "email": "eva@svusd.example", "handles": "bluesky:ana.bsky.social"},
    ]
    result = watcher("people", "import", str(write_roster(tmp_path, world, rows)), ok=False)
    assert "roster.csv:3: handle bluesky:ana.bsky.social already on line 2" in result.output
    (ana,) = people_json(watcher)
    assert ana["handles"] == ["bluesky:ana.bsky.social"]


def test_updates_leave_unmentioned_fields_alone(tmp_path, watcher):
    roster = tmp_path / "full.csv"
    roster.write_text(
        "name,email,aliases,handles,school,opt_in\n"
        "Ana Ruiz,ana@svusd.example,Anita,bluesky:ana.bsky.social,Noble,yes\n",
        encoding="utf-8",
    )
    watcher("people", "import", str(roster))
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("name,email\nAna Ruiz Díaz,ana@svusd.example\n", encoding="utf-8")
    watcher("people", "import", str(narrow))
    watcher("people", "add", "--name", "Ana Ruiz Díaz", "--email", "ana@svusd.example", "--school", "Mesa Verde")
    (ana,) = people_json(watcher)
    assert ana["name"] == "Ana Ruiz Díaz" and ana["school"] == "Mesa Verde"
    assert ana["opt_in"] is True and ana["aliases"] == ["Anita"] and ana["handles"] == ["bluesky:ana.bsky.social"]
    short = tmp_path / "short.csv"  # a row shorter than its header: the missing cells are empty
    short.write_text("name,email,opt_in\nAna Ruiz Díaz,ana@svusd.example\n", encoding="utf-8")
    watcher("people", "import", str(short))
    assert people_json(watcher)[0]["opt_in"] is False


def test_an_upgrade_packs_each_photos_views_into_one_row(tmp_path):
    """Databases enrolled before 0008 kept a row per view: the hashes come over unchanged, one row a photo."""
    from sqlite_utils import Database

    from storage import open_database
    from storage.hashes import hash_columns
    from storage.migrations import MIGRATIONS
    from storage.people import list_people, reference_table
    from watcher.demo.portraits import jpeg, portrait

    views = reference_views(jpeg(portrait(5)), 10**8)
    old = Database(tmp_path / "watcher.db")
    MIGRATIONS.apply(old, stop_before="0008_reference_views")
    now = "2026-12-01T00:00:00+00:00"
    pid = (
        old["people"].insert({"email": "a@x.example", "name": "Ana Ruiz", "created_at": now, "updated_at": now}).last_pk
    )
    for photo in (1, 2):
        old["reference_hashes"].insert_all(
            {"person_id": pid, "photo": photo, "view": name, **hash_columns(h), "created_at": now} for name, h in views
        )
    old.close()
    db = open_database(tmp_path / "watcher.db")
    assert "reference_hashes" not in db.table_names()
    (person,) = list_people(db)
    assert person.references == tuple((f"photo{n}:{name}", h) for n in (1, 2) for name, h in views)
    table = reference_table(db)
    assert len(table) == 2 * len(views) and set(table.owners.tolist()) == {pid}
    assert [table.names[c] for c in table.codes[: len(views)]] == [f"photo1:{name}" for name, _ in views]
    assert table.hashes[0].tolist() == [views[0][1].phash, views[0][1].dhash, views[0][1].color]
    assert list_people(db, references=False)[0].references == ()


def test_photos_are_hashed_on_several_processes_and_a_bad_one_rejects_only_its_row(tmp_path):
    from watcher.demo.portraits import jpeg, portrait
    from watcher.roster import read_roster

    lines = ["name,email,photos"]
    for k in range(10):
        (tmp_path / f"p{k}.jpg").write_bytes(jpeg(portrait(200 + k)))
        lines.append(f"Person {k},p{k}@x.example,p{k}.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a JPEG")
    lines.insert(4, "Broken Photo,broken@x.example,p1.jpg;broken.jpg")
    lines.append("Missing Photo,missing@x.example,nowhere.jpg")
    lines.append("Person 0 Again,p0@x.example,p2.jpg")  # a duplicate e-mail, found after hashing
    (tmp_path / "roster.csv").write_text("\n".join(lines) + "\n")

    result = read_roster(tmp_path / "roster.csv", max_pixels=10**8, workers=2)

    assert [(p.line, p.reason.split(":")[0]) for p in result.problems] == [
        (5, "photo broken.jpg"),
        (13, "photo not found"),
        (14, "e-mail p0@x.example already on line 2"),
    ]
    assert [e.email for e in result.enrolments] == [f"p{k}@x.example" for k in range(10)]
    for k, enrolment in enumerate(result.enrolments):  # each row got its own photo's views, in order
        assert enrolment.photos == (tuple(reference_views(jpeg(portrait(200 + k)), 10**8)),)
        assert PhotoPrint.from_bytes(enrolment.prints[0]).features.descriptors.shape[1] == 32


def test_a_scan_keeps_only_the_most_recent_peoples_prints_decoded(tmp_path):
    """At district scale a weekly pass verifies most of the roster: decoded prints are kept for the
    most recently used people only, and one dropped is read again from the database when needed."""
    from storage import open_database
    from storage.people import list_people, save_enrolments
    from watcher.demo.portraits import jpeg, portrait
    from watcher.matching.images import photo_print
    from watcher.models import Enrolment
    from watcher.pipeline.scan import PrintLookup

    db = open_database(tmp_path / "watcher.db")
    photos = [jpeg(portrait(300 + k)) for k in range(3)]
    records = [photo_print(data, 10**8) for data in photos]
    save_enrolments(
        db,
        [
            Enrolment(f"p{k}@x.example", f"P {k}", photos=(tuple(reference_views(d, 10**8)),), prints=(r.to_bytes(),))
            for k, (d, r) in enumerate(zip(photos, records, strict=True))
        ],
    )
    ids = [p.id for p in sorted(list_people(db, references=False), key=lambda p: p.email)]
    lookup = PrintLookup(db, keep=2)
    first = lookup(ids[0])
    assert lookup(ids[0]) is first  # kept
    lookup(ids[1])
    lookup(ids[2])  # the least recently used, ids[0], is dropped
    assert list(lookup.cache) == ids[1:]
    again = lookup(ids[0])
    assert again is not first and np.array_equal(again[0].features.descriptors, records[0].features.descriptors)
    assert list(lookup.cache) == [ids[2], ids[0]]
