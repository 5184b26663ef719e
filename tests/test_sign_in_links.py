"""Sign-in links (staff: 24 hours, office: 15 minutes; each used once), office passwords, and the
web front's throttle: the pieces under the pages, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import admins as admins_store
from storage import open_database, web_state
from storage.people import person_uid, save_enrolments
from watcher import links
from watcher.errors import InputError
from watcher.models import Enrolment
from watcher.office_accounts import hash_password, password_matches

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "watcher.db")
    save_enrolments(database, [Enrolment(email="ana@d.example", name="Ana Ruiz")])
    yield database
    database.close()


def test_a_staff_sign_in_link_works_once_within_a_day(db):
    uid = person_uid(db, 1)
    token = links.sign(links.link_secret(db), links.SIGN_IN, uid, now=NOW)
    assert links.resolve(db, links.SIGN_IN, token, now=NOW + timedelta(hours=23)).person_id == 1
    assert links.resolve(db, links.SIGN_IN, token, now=NOW + timedelta(hours=24, seconds=1)) is None
    assert links.use_once(db, links.SIGN_IN, token, now=NOW)
    assert not links.use_once(db, links.SIGN_IN, token, now=NOW + timedelta(minutes=1))
    # a link made for another purpose does not sign anyone in
    unsubscribe = links.sign(links.link_secret(db), links.UNSUBSCRIBE, uid, now=NOW)
    assert links.resolve(db, links.SIGN_IN, unsubscribe, now=NOW) is None
    with pytest.raises(ValueError):
        links.use_once(db, links.UNSUBSCRIBE, unsubscribe, now=NOW)


def test_an_office_link_names_its_account_for_a_quarter_of_an_hour(db):
    admin, created = admins_store.add_admin(db, "comms@d.example", None)
    assert created and not admin.has_password
    token = links.sign(links.link_secret(db), links.OFFICE_SIGN_IN, admin.uid, now=NOW)
    assert links.resolve_admin(db, token, now=NOW + timedelta(minutes=14)) == admin
    assert links.resolve_admin(db, token, now=NOW + timedelta(minutes=16)) is None
    # a staff token with the same uid shape is no office link
    assert (
        links.resolve_admin(db, links.sign(links.link_secret(db), links.SIGN_IN, admin.uid, now=NOW), now=NOW) is None
    )
    assert admins_store.remove_admin(db, "comms@d.example")
    assert links.resolve_admin(db, token, now=NOW) is None


def test_a_spent_link_is_forgotten_once_it_has_expired(db):
    uid = person_uid(db, 1)
    first = links.sign(links.link_secret(db), links.SIGN_IN, uid, now=NOW)
    assert links.use_once(db, links.SIGN_IN, first, now=NOW)
    later = NOW + timedelta(hours=25)
    second = links.sign(links.link_secret(db), links.SIGN_IN, uid, now=later)
    assert links.use_once(db, links.SIGN_IN, second, now=later)
    assert db.execute("SELECT COUNT(*) FROM used_links").fetchone()[0] == 1


def test_office_passwords_are_salted_slow_hashes():
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt:") and "correct horse" not in stored
    assert stored != hash_password("correct horse battery")  # salted
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse battery!")
    assert not password_matches(None, "correct horse battery")
    assert not password_matches(stored, "")
    with pytest.raises(InputError, match="at least 12"):
        hash_password("short")


def test_the_throttle_counts_within_its_window_only(db):
    window = timedelta(hours=1)
    assert all(web_state.hit(db, "b", limit=3, window=window, now=NOW) for _ in range(3))
    assert not web_state.hit(db, "b", limit=3, window=window, now=NOW + timedelta(minutes=59))
    assert web_state.hit(db, "other", limit=3, window=window, now=NOW)  # buckets are apart
    assert web_state.hit(db, "b", limit=3, window=window, now=NOW + timedelta(minutes=61))
    web_state.clear(db, "b")
    assert db.execute("SELECT COUNT(*) FROM throttle WHERE bucket = 'b'").fetchone()[0] == 0
