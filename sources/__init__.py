"""Public-profile sources. Each adapter turns a platform's answers into ``Profile`` records.

Sources never touch the database: they take a query and yield profiles.
"""

from sources.base import Profile, Source
from sources.registry import build_source, source_types

__all__ = ["Profile", "Source", "build_source", "source_types"]
