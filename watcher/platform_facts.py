"""Each finding's platform facts for the e-mails, from the adapter of the source that found it.

Notifications receive them as plain values by finding id and know no platform: the profile
address to link ("" when it is not a page of that platform: sources/registry.py ``profile_link``)
and how to report the account there (``ReportGuide``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sources.registry import platform, profile_link
from watcher.config import SourceConfig
from watcher.models import Finding, ReportGuide


def profile_links(sources: Sequence[SourceConfig], findings: Iterable[Finding]) -> dict[int, str]:
    """Per finding, its profile's address when it is a page of its source's platform, else ""."""
    by_name = {s.name: s for s in sources}
    return {f.id: profile_link(f.profile_url, f.handle, by_name.get(f.source)) for f in findings}


def report_guides(sources: Sequence[SourceConfig], findings: Iterable[Finding]) -> dict[int, ReportGuide]:
    """Per finding, how to report it: its source's platform's steps (a finding of a source no longer
    configured is taken for one of the type it is named after), else the generic advice; in English
    and Spanish, for the reader's language to pick (``ReportGuide.in_language``)."""
    types = {s.name: s.type for s in sources}
    return {f.id: platform(types.get(f.source, f.source)).report for f in findings}
