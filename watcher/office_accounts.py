"""Passwords of the communications office's accounts: hashed with scrypt (werkzeug's; salted, slow by
design), checked in constant time. Storage keeps the hash only (storage/admins.py)."""

from __future__ import annotations

import functools

from werkzeug.security import check_password_hash, generate_password_hash

from watcher.errors import InputError

MIN_PASSWORD = 12  # characters
MAX_PASSWORD = 1024  # scrypt reads all of it: no megabyte passwords


# A hash to check against when the account does not exist, so that an unknown address costs the
# same time as a wrong password (the answer must not tell which addresses have accounts).
@functools.cache
def _dummy() -> str:
    """Made on first use, not at import (every ``watcher`` command imports this module)."""
    return generate_password_hash("identity-watch: no such account", method="scrypt")


def hash_password(password: str) -> str:
    """The password's scrypt hash; ``InputError`` for one too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"a password has at most {MAX_PASSWORD} characters")
    return generate_password_hash(password, method="scrypt")


def password_matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; False (after the same work) without one."""
    if not password or len(password) > MAX_PASSWORD:
        return False
    if stored is None:
        check_password_hash(_dummy(), password)
        return False
    return check_password_hash(stored, password)
