"""Public-profile sources. Each adapter turns a platform's answers into ``watcher.models.Profile`` records.

Sources never touch the database: they take a query and yield profiles.
"""

from sources.base import Source
from sources.registry import build_source, source_types

__all__ = ["Source", "build_source", "source_types"]
