"""Schema migrations, applied once each and recorded in ``_sqlite_migrations``.

Add a new function at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage.hashes import from_columns, pack_views
from storage.people_rebuild import person_uids

MIGRATIONS = Migrations("identity_watch")


@MIGRATIONS(name="0001_initial")
def initial_schema(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            school TEXT,
            opt_in INTEGER NOT NULL DEFAULT 0,
            opt_in_changed_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            handle TEXT NOT NULL,
            UNIQUE (source, handle)
        );
        CREATE INDEX accounts_person ON accounts(person_id);
        -- Hashes of enrolled photos (the photos themselves are never stored).
        CREATE TABLE reference_hashes (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            photo INTEGER NOT NULL,
            view TEXT NOT NULL,
            phash TEXT NOT NULL,
            dhash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX reference_hashes_person ON reference_hashes(person_id);
        CREATE TABLE logos (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE logo_hashes (
            id INTEGER PRIMARY KEY,
            logo_id INTEGER NOT NULL REFERENCES logos(id) ON DELETE CASCADE,
            view TEXT NOT NULL,
            phash TEXT NOT NULL,
            dhash TEXT NOT NULL
        );
        CREATE TABLE profiles (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            platform_id TEXT NOT NULL,
            handle TEXT NOT NULL,
            display_name TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            profile_url TEXT NOT NULL DEFAULT '',
            avatar_url TEXT,
            avatar_status TEXT NOT NULL DEFAULT 'none',
            avatar_phash TEXT,
            avatar_dhash TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            UNIQUE (source, platform_id)
        );
        CREATE TABLE scan_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            sources TEXT NOT NULL DEFAULT '[]',
            queries INTEGER NOT NULL DEFAULT 0,
            profiles_seen INTEGER NOT NULL DEFAULT 0,
            findings_new INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            message BLOB NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX outbox_status ON outbox(status);
        CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            finding_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
            profile_id INTEGER NOT NULL REFERENCES profiles(id),
            scan_run_id INTEGER REFERENCES scan_runs(id),
            score REAL NOT NULL,
            rule TEXT NOT NULL,
            evidence TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'new',
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            alerted_at TEXT,
            outbox_id INTEGER REFERENCES outbox(id)
        );
        CREATE INDEX findings_person ON findings(person_id);
        CREATE INDEX findings_status ON findings(status);
        """,
    )


def _run(db: Database, script: str) -> None:
    """Run statements one by one: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@MIGRATIONS(name="0002_sources_state")
def sources_state(db: Database) -> None:
    _run(
        db,
        """
        ALTER TABLE profiles ADD COLUMN avatar_etag TEXT;
        ALTER TABLE profiles ADD COLUMN avatar_last_modified TEXT;
        ALTER TABLE profiles ADD COLUMN avatar_sha256 TEXT;
        -- Hashes by image content: an avatar seen before under any URL is never hashed twice.
        CREATE TABLE image_hashes (
            sha256 TEXT PRIMARY KEY,
            phash TEXT NOT NULL,
            dhash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        -- When each query last ran on each source, and how it ended: budget-limited sources
        -- work through the oldest queries first, so every person is covered over a few scans.
        CREATE TABLE query_state (
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            query TEXT NOT NULL,
            last_run_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            PRIMARY KEY (source, kind, query)
        );
        ALTER TABLE scan_runs ADD COLUMN source_stats TEXT NOT NULL DEFAULT '{}'
        """,
    )


@MIGRATIONS(name="0003_image_views")
def image_views(db: Database) -> None:
    """Colour signatures beside the perceptual hashes, and every view of an avatar."""
    _run(
        db,
        """
        ALTER TABLE reference_hashes ADD COLUMN chash TEXT;
        ALTER TABLE logo_hashes ADD COLUMN chash TEXT;
        ALTER TABLE image_hashes ADD COLUMN views TEXT;
        ALTER TABLE profiles ADD COLUMN avatar_views TEXT
        """,
    )


@MIGRATIONS(name="0004_notifications")
def notifications(db: Database) -> None:
    """What alerts and digests need to be sent once: a unique key per message that must exist
    only once (a week's digest), whose alert a message is, what each finding was alerted on,
    and the secret that signs e-mail links."""
    _run(
        db,
        """
        ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;
        CREATE UNIQUE INDEX outbox_dedupe ON outbox(dedupe_key) WHERE dedupe_key IS NOT NULL;
        ALTER TABLE outbox ADD COLUMN person_id INTEGER REFERENCES people(id) ON DELETE SET NULL;
        CREATE INDEX outbox_person ON outbox(person_id, created_at);
        -- The signals (name, photo, affiliation, logo) a finding had when its person was told,
        -- or when it was dismissed: a new signal is a material change worth a new alert.
        ALTER TABLE findings ADD COLUMN alerted_signals TEXT;
        ALTER TABLE findings ADD COLUMN resolved_at TEXT;
        -- Installation-wide values, such as the secret that signs links in e-mails.
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS(name="0005_service")
def service(db: Database) -> None:
    """The service's own state (in our database, not in a pickled job store), the findings'
    lifecycle, an audit trail, and evidence kept for platform reports."""
    _run(
        db,
        """
        -- One row per scheduled job ("scan:bluesky", "digest", "deliver", "purge").
        CREATE TABLE job_runs (
            job TEXT PRIMARY KEY,
            last_started_at TEXT,
            last_finished_at TEXT,
            last_status TEXT,
            last_error TEXT,
            next_run_at TEXT
        );
        -- Re-checks of an open finding's profile: two "not found" in a row resolve it.
        ALTER TABLE findings ADD COLUMN missing_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE findings ADD COLUMN last_checked_at TEXT;
        ALTER TABLE findings ADD COLUMN reviewed_at TEXT;
        ALTER TABLE findings ADD COLUMN review_note TEXT;
        -- Every review and every e-mail sent: who or what, when, on which finding or message.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            finding_id INTEGER,
            outbox_id INTEGER,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_finding ON audit(finding_id);
        -- The profile as fetched, its avatar as a small thumbnail, when a finding is made and
        -- each time its evidence changes materially.
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
            captured_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            profile_url TEXT NOT NULL DEFAULT '',
            fields TEXT NOT NULL DEFAULT '{}',
            raw TEXT NOT NULL DEFAULT '',
            raw_type TEXT NOT NULL DEFAULT '',
            match TEXT NOT NULL DEFAULT '{}',
            avatar_url TEXT,
            avatar_sha256 TEXT,
            thumbnail BLOB
        );
        CREATE INDEX evidence_finding ON evidence(finding_id)
        """,
    )


@MIGRATIONS(name="0006_verified_photos_and_logos")
def verified_photos_and_logos(db: Database) -> None:
    """What verifying a photo and finding a logo inside a picture need, and hashes by imagehash's
    definitions. Hashes made before no longer compare with new ones, and logos are now found by
    their keypoints, not hashes: the old records are dropped, so photos and logos must be enrolled
    again (the CHANGELOG says so; ``watcher logos list`` marks a logo that has no model)."""
    _run(
        db,
        """
        -- Derived from an enrolled photo for verification (keypoints and layout signs), never the photo.
        CREATE TABLE reference_prints (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            photo INTEGER NOT NULL,
            print BLOB NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX reference_prints_person ON reference_prints(person_id);
        -- A logo's keypoints and variants, to find it inside any picture.
        ALTER TABLE logos ADD COLUMN model BLOB;
        -- The district logos found in a picture, for the set of logos it was searched for.
        ALTER TABLE image_hashes ADD COLUMN logos TEXT;
        DELETE FROM reference_hashes;
        DROP TABLE logo_hashes;
        DELETE FROM image_hashes;
        UPDATE profiles SET avatar_views = NULL, avatar_sha256 = NULL, avatar_etag = NULL,
            avatar_last_modified = NULL
        """,
    )


@MIGRATIONS(name="0007_query_answered")
def query_answered(db: Database) -> None:
    """When each query last got an answer (found or not found), kept apart from when it last ran: a
    rate-limited or failed run must not hide that the query was answered the day before. Coverage
    (who was searched on each platform in the last 7 days) is counted from it."""
    _run(
        db,
        """
        ALTER TABLE query_state ADD COLUMN last_answered_at TEXT;
        UPDATE query_state SET last_answered_at = last_run_at WHERE outcome IN ('found', 'not_found')
        """,
    )


@MIGRATIONS(name="0008_reference_views")
def reference_views(db: Database) -> None:
    """One row per enrolled photo instead of one per view: its view names and its hashes packed
    (24 bytes a view). At 75,000 staff the row-per-view table held 8 million rows of hex text, took
    minutes to save and most of a scan's start to load; the packed rows load straight into the
    matcher's arrays. Existing hashes are carried over as they are."""
    _run(
        db,
        """
        CREATE TABLE reference_views (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            photo INTEGER NOT NULL,
            views TEXT NOT NULL,
            hashes BLOB NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (person_id, photo)
        )
        """,
    )
    photos: dict[tuple[int, int], list] = {}
    created: dict[tuple[int, int], str] = {}
    for row in db.query(
        "SELECT person_id, photo, view, phash, dhash, chash, created_at FROM reference_hashes ORDER BY id"
    ):
        key = (row["person_id"], row["photo"])
        photos.setdefault(key, []).append((row["view"], from_columns(row)))
        created.setdefault(key, row["created_at"])
    for (person_id, photo), views in photos.items():
        names, blob = pack_views(tuple(views))
        db.execute(
            "INSERT INTO reference_views (person_id, photo, views, hashes, created_at) VALUES (?, ?, ?, ?, ?)",
            [person_id, photo, names, blob, created[(person_id, photo)]],
        )
    db.execute("DROP TABLE reference_hashes")


# 0009: a table rebuild, kept in a module of its own (storage/people_rebuild.py).
MIGRATIONS(name="0009_person_uids", transactional=False)(person_uids)


@MIGRATIONS(name="0010_web_front")
def web_front(db: Database) -> None:
    """The web front: a person's language and consent, the employee's answer on a finding, the
    communications office's accounts, sign-in links used once, signed-in sessions, the throttle's counters, the
    digests of the addresses of people who left (so that a roster import does not enrol them again), and the
    banner in evidence snapshots (its address, the sha256 of the original and a small JPEG thumbnail)."""
    _run(
        db,
        """
        ALTER TABLE people ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
        ALTER TABLE people ADD COLUMN consented_at TEXT;
        ALTER TABLE findings ADD COLUMN answer TEXT;
        ALTER TABLE findings ADD COLUMN answered_at TEXT;
        ALTER TABLE evidence ADD COLUMN banner_url TEXT;
        ALTER TABLE evidence ADD COLUMN banner_sha256 TEXT;
        ALTER TABLE evidence ADD COLUMN banner_thumbnail BLOB;
        CREATE INDEX evidence_banner_url ON evidence(banner_url);
        CREATE INDEX evidence_banner_sha256 ON evidence(banner_sha256);
        CREATE INDEX evidence_avatar_sha256 ON evidence(avatar_sha256);
        CREATE TABLE admins (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            uid TEXT NOT NULL UNIQUE,
            password_hash TEXT,
            created_at TEXT NOT NULL,
            last_sign_in_at TEXT
        );
        CREATE TABLE used_links (
            mac TEXT PRIMARY KEY,
            expires TEXT NOT NULL
        );
        CREATE TABLE throttle (
            bucket TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX throttle_bucket ON throttle(bucket, at);
        CREATE TABLE departed (
            digest TEXT PRIMARY KEY,
            at TEXT NOT NULL
        );
        CREATE TABLE web_sessions (
            digest TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            uid TEXT NOT NULL,
            started_at TEXT NOT NULL
        );
        CREATE INDEX web_sessions_uid ON web_sessions(kind, uid);
        CREATE INDEX findings_first_seen ON findings(first_seen);
        CREATE INDEX findings_score ON findings(score);
        CREATE INDEX findings_resolved_at ON findings(resolved_at);
        CREATE INDEX people_school ON people(school);
        """,
    )
