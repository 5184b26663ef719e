"""The one place that wires the layers:

enrolment → query plan → source → profile → match → finding → outbox → delivery.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.errors import MessageError
from pathlib import Path
from typing import Any

import requests
from sqlite_utils import Database

from notifications.maildir import MaildirTransport
from notifications.render import render_alert
from sources.base import Profile, Source
from sources.http import HttpClient
from sources.registry import build_source
from storage import findings as findings_store
from storage import outbox as outbox_store
from storage import people as people_store
from storage import scans as scans_store
from storage.db import write_transaction
from storage.logos import list_logos
from watcher.config import Config
from watcher.errors import DeliveryError, ImageError, PermanentDeliveryError, SourceError, UnsafeURL
from watcher.matching import match_profile
from watcher.matching.images import hash_image
from watcher.models import ImageHashes
from watcher.query_plan import Query, plan_queries
from watcher.roster import RosterResult, read_roster

log = logging.getLogger(__name__)

# A source that fails this many queries in a row is given up for this scan.
MAX_CONSECUTIVE_FAILURES = 2


@dataclass
class ScanReport:
    scan_id: int
    sources: list[str]
    queries: int = 0
    profiles_seen: int = 0
    findings_new: int = 0
    findings_seen: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    alerts_queued: int = 0
    delivery: DeliveryReport | None = None
    crashed: bool = False

    @property
    def status(self) -> str:
        failed_sources = {p["source"] for p in self.problems if p.get("gave_up")}
        if failed_sources and failed_sources >= set(self.sources):
            return "failed"
        return "partial" if self.problems else "ok"


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    files: list[Path] = field(default_factory=list)


def import_roster(config: Config, db: Database, path: Path) -> tuple[RosterResult, int, int]:
    """Read a roster and save its good rows in one transaction. Returns (result, added, updated)."""
    result = read_roster(path, max_pixels=config.network.max_image_pixels)
    added, updated = people_store.save_enrolments(db, result.enrolments)
    return result, added, updated


def run_scan(
    config: Config,
    db: Database,
    *,
    only_source: str | None = None,
    session: requests.Session | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> ScanReport:
    """One full pass: search every source, match, record findings, queue and deliver alerts."""
    source_configs = [config.source(only_source)] if only_source else list(config.sources)
    people = people_store.list_people(db)
    logos = list_logos(db)
    queries = plan_queries(people, config.district)
    http = HttpClient(config.network, session)
    sources = [build_source(source_config, http) for source_config in source_configs]  # bad types fail now
    report = ScanReport(
        scan_id=scans_store.start_scan(db, [s.name for s in source_configs]), sources=[s.name for s in source_configs]
    )
    say = on_progress or (lambda _msg: None)
    try:
        for source in sources:
            profiles = _search_all(source, queries, report)
            say(f"{source.name}: {len(profiles)} profiles from {len(queries)} queries")
            unchecked: list[str] = []
            for profile in profiles.values():
                avatar, avatar_status = _avatar(db, http, config, profile)
                if avatar_status.startswith("unknown"):
                    unchecked.append(f"@{profile.handle}: {avatar_status.removeprefix('unknown: ')}")
                matches = match_profile(profile, avatar, people, logos, config.district, config.matching)
                with write_transaction(db):
                    profile_id = scans_store.save_profile(db, profile, avatar, avatar_status)
                    for match in matches:
                        _, created = findings_store.record_finding(
                            db,
                            kind=match.kind,
                            person_id=match.person_id,
                            profile_id=profile_id,
                            scan_id=report.scan_id,
                            score=match.score,
                            rule=match.rule,
                            evidence=match.evidence,
                        )
                        report.findings_seen += 1
                        report.findings_new += int(created)
            report.profiles_seen += len(profiles)
            if unchecked:
                # Photo unknown: no photo rule can fire for these; the next scan tries again.
                report.problems.append(
                    {
                        "source": source.name,
                        "reason": "avatar_unknown",
                        "count": len(unchecked),
                        "message": f"{len(unchecked)} avatars could not be checked (first: {unchecked[0]})",
                    }
                )
    except BaseException:
        report.crashed = True
        raise
    finally:
        http.close()
        scans_store.finish_scan(
            db,
            report.scan_id,
            status="error" if report.crashed else report.status,
            queries=report.queries,
            profiles_seen=report.profiles_seen,
            findings_new=report.findings_new,
            problems=report.problems,
        )
    report.alerts_queued = queue_alerts(config, db)
    report.delivery = deliver_outbox(config, db)
    return report


def _search_all(source: Source, queries: list[Query], report: ScanReport) -> dict[str, Profile]:
    """Run every query against one source; failures are recorded, never turned into answers."""
    profiles: dict[str, Profile] = {}
    failures_in_row = 0
    for query in queries:
        report.queries += 1
        try:
            for profile in source.search(query.text):
                profiles.setdefault(profile.platform_id, profile)
            failures_in_row = 0
        except SourceError as exc:
            failures_in_row += 1
            problem = {"source": source.name, "query": query.text, "reason": exc.reason, "message": str(exc)}
            report.problems.append(problem)
            log.warning("%s: query %r: %s", source.name, query.text, exc)
            if failures_in_row >= MAX_CONSECUTIVE_FAILURES:
                problem["gave_up"] = True
                log.warning("%s: giving up on this source for this scan", source.name)
                break
    return profiles


def _avatar(db: Database, http: HttpClient, config: Config, profile: Profile) -> tuple[ImageHashes | None, str]:
    """The avatar's hashes and a status: ``ok``, ``none`` or ``unknown: why``."""
    if not profile.avatar_url:
        return None, "none"
    known = scans_store.known_avatar(db, profile)
    if known:
        return known, "ok"
    try:
        return hash_image(http.fetch_image(profile.avatar_url), config.network.max_image_pixels), "ok"
    except (UnsafeURL, ImageError) as exc:
        log.info("%s @%s: avatar not checked: %s", profile.source, profile.handle, exc)
        return None, f"unknown: {exc}"


def queue_alerts(config: Config, db: Database) -> int:
    """One message per opted-in person covering their findings not yet alerted."""
    people = {p.id: p for p in people_store.list_people(db)}
    types = {s.name: s.type for s in config.sources}
    queued = 0
    for person_id in findings_store.people_to_alert(db):
        person = people[person_id]
        findings = findings_store.list_findings(db, person_id=person_id, unalerted_only=True)
        try:
            message = render_alert(
                person,
                findings,
                sender=config.email.sender,
                district=config.district.name,
                reply_to=config.email.reply_to,
                source_types=types,
            )
        except (ValueError, MessageError) as exc:  # one bad address must not stop everyone's alerts
            log.error("cannot write an alert to %s: %s", person.email, exc)
            continue
        if outbox_store.enqueue_alert(db, message, [f.id for f in findings]) is not None:
            queued += 1
    return queued


def deliver_outbox(config: Config, db: Database) -> DeliveryReport:
    """Hand every due message to the transport; see storage/outbox.py for the guarantee."""
    transport = MaildirTransport(config.email.maildir)
    report = DeliveryReport()
    for row in outbox_store.due_messages(db):
        outbox_store.claim(db, row["id"])
        try:
            report.files.append(transport.deliver(row["message"], delivery_key(row["id"], row["message_id"])))
        except DeliveryError as exc:
            status = outbox_store.mark_failed(
                db, row["id"], str(exc), permanent=isinstance(exc, PermanentDeliveryError), attempts=row["attempts"] + 1
            )
            report.dead += status == "dead"
            report.retrying += status == "pending"
            log.warning("outbox message %s to %s not delivered: %s", row["id"], row["recipient"], exc)
            continue
        outbox_store.mark_sent(db, row["id"])
        report.sent += 1
    return report


def delivery_key(outbox_id: int, message_id: str) -> str:
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"iw{outbox_id:08d}_{digest}"
