"""SQLite storage through sqlite-utils: schema, migrations and queries by purpose."""

from storage.db import open_database

__all__ = ["open_database"]
