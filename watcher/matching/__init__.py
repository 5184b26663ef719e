"""Matching: pure functions from a profile and enrolled data to findings. No I/O here."""

from watcher.matching.decision import Match, Matcher, match_profile

__all__ = ["Match", "Matcher", "match_profile"]
