"""The one place that wires the layers:

enrolment → query plan → source → profile → match → finding → outbox → delivery.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import MessageError
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from sqlite_utils import Database

from notifications.render import render_alert
from notifications.transport import envelope_address, open_transport
from sources.base import NAME, PREFIX, Browsable, Profile, SearchRule, Source, Typeahead, clean_line
from sources.http import HttpClient
from sources.registry import build_source
from storage import audit as audit_store
from storage import findings as findings_store
from storage import outbox as outbox_store
from storage import people as people_store
from storage import scans as scans_store
from storage.db import write_transaction
from storage.logos import list_logos
from watcher import evidence as evidence_snapshots
from watcher.config import Config
from watcher.errors import (
    DeliveryError,
    InputError,
    PermanentDeliveryError,
    RateLimited,
    SourceError,
    SourceUnavailable,
    TransportUnavailable,
)
from watcher.links import alert_links, link_secret
from watcher.matching import Matcher
from watcher.matching.images import HashIndex
from watcher.matching.photo_check import PhotoPrint
from watcher.models import Person
from watcher.pictures import LogoSearch, ProfilePictures
from watcher.query_plan import Query, plan_queries
from watcher.roster import RosterResult, read_roster
from watcher.sight import check_sight, known_accounts

log = logging.getLogger(__name__)

# A source that fails this many queries in a row is given up for this scan.
MAX_CONSECUTIVE_FAILURES = 2
# Problems kept per source in the stored scan run (the counts stay complete).
MAX_PROBLEMS_PER_SOURCE = 20
MAX_REASON = 160  # characters of an unexpected exception's text kept in its one-line reason


@dataclass
class SourceStats:
    """How one source's queries ended: found, not found, or unknown by reason."""

    queries: int = 0
    found: int = 0
    not_found: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # not tried this scan (source given up or out of budget); first next time
    profiles: int = 0
    listed: int = 0  # accounts its directory listed (Browsable sources), whatever their name
    avatars_unknown: int = 0
    unchecked: int = 0  # profiles whose pictures or matching failed unexpectedly (a problem says why)
    gave_up: str | None = None
    degraded: str | None = None  # why its search looks blind this scan (see watcher.sight)
    known_seen: str = ""  # "seen/known" accounts search must return, when it has any
    # Re-checks of the profiles findings depend on (see _recheck_findings).
    rechecked: int = 0  # asked for directly (profiles search already returned are not asked again)
    recheck_gone: int = 0  # the platform said the profile is gone
    recheck_unknown: dict[str, int] = field(default_factory=dict)  # no answer, by reason
    recheck_skipped: int = 0  # not asked this scan (source stopped); first next time
    resolved: int = 0  # findings resolved (gone twice in a row)
    reopened: int = 0  # resolved findings whose profile came back

    def as_json(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "found": self.found,
            "not_found": self.not_found,
            "unknown": dict(self.unknown),
            "skipped": self.skipped,
            "profiles": self.profiles,
            "listed": self.listed,
            "avatars_unknown": self.avatars_unknown,
            "unchecked": self.unchecked,
            "gave_up": self.gave_up,
            "degraded": self.degraded,
            "known_seen": self.known_seen,
            "rechecked": self.rechecked,
            "recheck_gone": self.recheck_gone,
            "recheck_unknown": dict(self.recheck_unknown),
            "recheck_skipped": self.recheck_skipped,
            "resolved": self.resolved,
            "reopened": self.reopened,
        }


@dataclass
class ScanReport:
    scan_id: int
    sources: list[str]
    queries: int = 0
    profiles_seen: int = 0
    findings_new: int = 0
    findings_seen: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, SourceStats] = field(default_factory=dict)
    alerts_queued: int = 0
    delivery: DeliveryReport | None = None
    crashed: bool = False
    interrupted: bool = False  # asked to stop (SIGTERM): what was done is kept, the rest is next time

    @property
    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        if self.stats and all(s.gave_up and not (s.found or s.not_found) for s in self.stats.values()):
            return "failed"
        if any(s.degraded for s in self.stats.values()):
            return "degraded"
        troubled = any(
            s.unknown or s.avatars_unknown or s.unchecked or s.gave_up or s.skipped for s in self.stats.values()
        )
        return "partial" if troubled or self.problems else "ok"


@dataclass
class ScanProgress:
    """Where a running scan is, for a progress bar: reported after each query and each profile."""

    source: str
    stage: str  # "searching" or "matching"
    done: int  # queries run (searching) or profiles matched (matching) for this source
    total: int
    profiles_seen: int  # all sources so far
    findings_new: int


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # still pending: failed for now, or not tried because the run stopped
    dead: int = 0
    stopped: str | None = None  # why the run stopped early (transport unavailable), if it did


def import_roster(config: Config, db: Database, path: Path, workers: int = 1) -> tuple[RosterResult, int, int]:
    """Read a roster (photos hashed on ``workers`` processes) and save its good rows in one transaction.
    Returns (result, added, updated)."""
    result = read_roster(path, max_pixels=config.network.max_image_pixels, workers=workers)
    added, updated = people_store.save_enrolments(db, result.enrolments)
    return result, added, updated


def run_scan(
    config: Config,
    db: Database,
    *,
    only_source: str | None = None,
    session: requests.Session | None = None,
    on_progress: Callable[[ScanProgress], None] | None = None,
    stop: Callable[[], bool] | None = None,
    deliver: bool = True,
) -> ScanReport:
    """One full pass: search every source, match, record findings, queue and deliver alerts.

    Alerts are queued as the scan goes: after a profile that recorded a finding (at most once a
    minute), after each source, and when the scan fails or is stopped; a source stuck or failing later never holds
    back the alert of a finding already recorded. With ``deliver=False`` they are only queued:
    ``watcher run`` delivers them itself, one delivery at a time.

    Whatever a source raises is that source's unknown answer (see ``_as_unknown``), never the
    scan's end. ``stop`` is asked between queries and between profiles; once it says yes the scan
    ends there, keeps every finding recorded so far (each profile is one transaction) with its
    alert, and leaves delivery to the next run.
    """
    source_configs = [config.source(only_source)] if only_source else list(config.sources)
    people = people_store.list_people(db, references=False)
    prints = _PrintLookup(db)
    domains = local_domains(config)
    matcher = Matcher(
        people,
        config.district,
        config.matching,
        domains,
        prints=prints,
        photos=HashIndex(people_store.reference_table(db)),
        workers=os.cpu_count() or 1,  # an avatar's photo candidates are verified on every core
    )
    http = HttpClient(config.network, session)
    sources = [build_source(source_config, http) for source_config in source_configs]  # bad types fail now
    report = ScanReport(
        scan_id=scans_store.start_scan(db, [s.name for s in source_configs]), sources=[s.name for s in source_configs]
    )
    scan = _Scan(
        config,
        db,
        http,
        people,
        matcher,
        LogoSearch(list_logos(db)),
        report,
        on_progress or (lambda _progress: None),
        stop or (lambda: False),
        domains,
    )
    if scan.logo_search.stale:
        _problem(
            report,
            "logos",
            "old-format",
            f"not searched for, enrolled by an older version (add them again): {', '.join(scan.logo_search.stale)}",
        )
    try:
        for source in sources:
            _scan_source(scan, source)
            scan.queue_alerts()
            if scan.stopping():
                report.interrupted = True
                break
    except BaseException:
        report.crashed = True
        raise
    finally:
        http.close()
        if report.crashed or report.interrupted:
            _queue_alerts_on_the_way_out(scan)
        if prints.stale:
            _problem(
                report,
                "photos",
                "old-format",
                f"{len(prints.stale)} staff members' photos were enrolled by an older version (counted among those"
                " this scan compared): a photo alone finds nothing for them until the photos are imported again",
            )
        scans_store.finish_scan(
            db,
            report.scan_id,
            status="error" if report.crashed else report.status,
            queries=report.queries,
            profiles_seen=report.profiles_seen,
            findings_new=report.findings_new,
            problems=report.problems,
            source_stats={name: stats.as_json() for name, stats in report.stats.items()},
        )
    if deliver and not report.interrupted:
        report.delivery = deliver_outbox(config, db)
    return report


@dataclass
class _Scan:
    """What the sources of one scan share."""

    config: Config
    db: Database
    http: HttpClient
    people: list[Person]
    matcher: Matcher
    logo_search: LogoSearch
    report: ScanReport
    tell: Callable[[ScanProgress], None]
    stopping: Callable[[], bool]
    domains: dict[str, str]
    plans: dict[SearchRule, list[Query]] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    queued_at: float = float("-inf")  # when this scan last queued alerts (``clock``)

    def queue_alerts(self) -> None:
        """Queue what is recorded and not alerted yet; cheap when there is nothing (one query).
        A failure here is the alerts' problem, reported as such, never the source's being scanned:
        what is not queued now is queued next time. Storage's errors end the scan."""
        self.queued_at = self.clock()
        try:
            self.report.alerts_queued += queue_alerts(self.config, self.db)
        except sqlite3.Error:
            raise
        except Exception as exc:
            log.exception("could not queue alerts now; they are queued next time")
            _problem(self.report, "alerts", "error", f"alerts not queued: {type(exc).__name__} ({exc})")

    def queue_alerts_soon(self) -> None:
        """After a profile that recorded a finding: queue now if this scan has not queued for
        ``ALERT_BATCH`` seconds, so a profile that stalls the scan later cannot hold the alert back;
        findings recorded within that minute wait for the source's end (one message for several
        impostors of one person met close together). Under `watcher run` the delivery job queues
        what is left every ``deliver_every`` as well."""
        if self.clock() - self.queued_at >= ALERT_BATCH:
            self.queue_alerts()


def _queue_alerts_on_the_way_out(scan: _Scan) -> None:
    """The last queueing of a scan that failed or was stopped: its own error, if any, is the one to report."""
    try:
        scan.queue_alerts()
    except Exception:
        log.exception("could not queue the alerts of this scan's findings; the next scan queues them")


def _scan_source(scan: _Scan, source: Source) -> None:
    """One source's part of a scan. Whatever it raises, other than storage's errors, is this source's
    unknown answer: recorded with its reason, and the scan goes on with the next source."""
    stats = scan.report.stats[source.name] = SourceStats()
    try:
        _search_and_match(scan, source, stats)
    except sqlite3.Error:
        raise
    except Exception as exc:
        error = _as_unknown(source.name, "scan", exc)
        stats.gave_up = str(error)
        _problem(scan.report, source.name, error.reason, str(error))
        log.warning("%s: stopping this source for this scan: %s", source.name, error)
    finally:
        scan.report.queries += stats.queries


def _search_and_match(scan: _Scan, source: Source, stats: SourceStats) -> None:
    report, name = scan.report, source.name

    def searched(done: int, total: int, found: int) -> None:
        scan.tell(ScanProgress(name, "searching", done, total, report.profiles_seen + found, report.findings_new))

    rule = source.search_rule
    if rule not in scan.plans:
        scan.plans[rule] = plan_queries(scan.people, scan.config.district, rule=rule)
    # The directory first: a few requests that meet accounts whatever their name, before a
    # rate limit can stop the source.
    listed = _browse(source, stats, report) if isinstance(source, Browsable) else {}
    profiles = _run_queries(scan.db, source, scan.plans[rule], stats, report, scan.stopping, searched)
    if not (stats.gave_up or report.interrupted):
        known = known_accounts(name, scan.config.district.official_accounts, scan.people, scan.domains.get(name))
        _check_sight(source, known, profiles, stats, report)
    for platform_id, profile in listed.items():
        profiles.setdefault(platform_id, profile)
    profiles |= _recheck_findings(scan.db, source, profiles, stats, report, scan.stopping)
    for checked, profile in enumerate(profiles.values()):
        seen = report.profiles_seen + len(profiles)
        scan.tell(ScanProgress(name, "matching", checked, len(profiles), seen, report.findings_new))
        if scan.stopping():
            report.interrupted = True
            break
        if _match_profile(scan, stats, profile):
            scan.queue_alerts_soon()
    stats.profiles = len(profiles)
    report.profiles_seen += len(profiles)


def _match_profile(scan: _Scan, stats: SourceStats, profile: Profile) -> bool:
    """Match one profile and record its findings in one transaction; True when it recorded one about
    a person (an alert may be due). A profile whose pictures or matching fail unexpectedly is left
    unchecked, with the reason; storage's errors end the scan."""
    config, db, report = scan.config, scan.db, scan.report
    try:
        pictures = ProfilePictures(db, scan.http, config, profile)
        avatar = pictures.avatar
        if avatar.status.startswith("unknown"):
            stats.avatars_unknown += 1
            _problem(report, profile.source, "avatar_unknown", f"@{profile.handle}: {avatar.status[9:]}")
        sightings = pictures.logo_sightings(scan.logo_search, banner=scan.matcher.banner_worth_checking(profile))
        matches = scan.matcher.match(profile, avatar.views, picture=pictures.picture, logo_sightings=sightings)
        avatar = pictures.avatar  # with the download verification or the logo search made, if any
        image = evidence_snapshots.avatar_image(db, scan.http, profile, avatar) if matches else None
    except sqlite3.Error:
        raise
    except Exception as exc:
        error = _as_unknown(profile.source, f"checking @{profile.handle}", exc)
        stats.unchecked += 1
        _problem(report, profile.source, error.reason, str(error))
        return False
    about_someone = False
    with write_transaction(db):
        profile_id = scans_store.save_profile(db, profile, avatar)
        # Someone removed while the scan ran (their data is gone) is matched no more.
        enrolled = people_store.enrolled_ids(db, {m.person_id for m in matches} - {None})
        for match in [m for m in matches if m.person_id is None or m.person_id in enrolled]:
            finding_id, created = findings_store.record_finding(
                db,
                kind=match.kind,
                person_id=match.person_id,
                profile_id=profile_id,
                scan_id=report.scan_id,
                score=match.score,
                rule=match.rule,
                evidence=match.evidence,
            )
            evidence_snapshots.capture(
                db,
                finding_id=finding_id,
                profile=profile,
                avatar=avatar,
                kind=match.kind,
                score=match.score,
                evidence=match.evidence,
                image=image,
                max_pixels=config.network.max_image_pixels,
            )
            report.findings_seen += 1
            report.findings_new += int(created)
            about_someone |= match.person_id is not None
    return about_someone


def _as_unknown(source: str, doing: str, exc: Exception) -> SourceError:
    """A source's failure as its unknown answer. A ``SourceError`` is one already; anything else (a
    parser meeting a shape it did not foresee, JSON nested too deep to read, a bug of ours) gets a
    one-line reason naming its type, and its traceback goes to the log."""
    if isinstance(exc, SourceError):
        return exc
    log.warning("%s: %s: unexpected %s, counted as no answer", source, doing, type(exc).__name__, exc_info=exc)
    detail = clean_line(str(exc))[:MAX_REASON]
    return SourceError(f"{source}: {doing}: {type(exc).__name__}" + (f" ({detail})" if detail else ""))


def local_domains(config: Config) -> dict[str, str]:
    """Mastodon sources' own domains, for roster handles written without one."""
    domains = {}
    for source in config.sources:
        if source.type == "mastodon":
            domain = source.options.get("account_domain") or urlsplit(source.base_url).hostname
            if isinstance(domain, str) and domain:
                domains[source.name] = domain.lower()
    return domains


def _run_queries(
    db: Database,
    source: Source,
    queries: list[Query],
    stats: SourceStats,
    report: ScanReport,
    stopping: Callable[[], bool],
    searched: Callable[[int, int, int], None],
) -> dict[str, Profile]:
    """Run the queries this source answers, stalest first; failures are recorded, never answers."""
    ages = scans_store.query_ages(db, source.name)
    todo = [q for q in queries if q.kind in source.query_kinds and (q.kind != PREFIX or isinstance(source, Typeahead))]
    todo.sort(key=lambda q: ages.get((q.kind, q.text), ""))  # never run ("") first; stable otherwise
    profiles: dict[str, Profile] = {}
    failures_in_row = 0
    for index, query in enumerate(todo):
        searched(index, len(todo), len(profiles))
        if stopping():
            stats.skipped = len(todo) - index
            report.interrupted = True
            break
        stats.queries += 1
        try:
            found = _ask(source, query)
        except Exception as failure:
            exc = _as_unknown(source.name, f"{query.kind} query", failure)
            failures_in_row += 1
            stats.unknown[exc.reason] = stats.unknown.get(exc.reason, 0) + 1
            scans_store.record_query(db, source.name, query.kind, query.text, f"unknown: {exc.reason}")
            _problem(report, source.name, exc.reason, str(exc), query=query.text)
            log.warning("%s: %s query %r: %s", source.name, query.kind, query.text, exc)
            if isinstance(exc, RateLimited) or failures_in_row >= MAX_CONSECUTIVE_FAILURES:
                stats.gave_up = str(exc)
                stats.skipped = len(todo) - index - 1
                log.warning(
                    "%s: stopping this source for this scan (%d queries left for next time)", source.name, stats.skipped
                )
                break
            continue
        failures_in_row = 0
        stats.found += bool(found)
        stats.not_found += not found
        scans_store.record_query(db, source.name, query.kind, query.text, "found" if found else "not_found")
        for profile in found:
            profiles.setdefault(profile.platform_id, profile)
    return profiles


def _ask(source: Source, query: Query) -> list[Profile]:
    """One query's answer, every page of it read."""
    if query.kind == NAME:
        return list(source.search(query.text))
    if query.kind == PREFIX:
        return list(cast(Typeahead, source).search_prefix(query.text))
    hit = source.lookup(query.text)
    return [hit] if hit else []


def _browse(source: Browsable, stats: SourceStats, report: ScanReport) -> dict[str, Profile]:
    """The accounts the source's directory lists, whatever their name; a failure is recorded, never fatal."""
    name = source.name
    try:
        listed = {p.platform_id: p for p in source.directory()}
    except Exception as failure:
        exc = _as_unknown(name, "directory", failure)
        stats.unknown[exc.reason] = stats.unknown.get(exc.reason, 0) + 1
        _problem(report, name, exc.reason, f"directory: {exc}")
        log.warning("%s: directory: %s", name, exc)
        return {}
    stats.listed = len(listed)
    return listed


def _check_sight(
    source: Source, known: list[str], profiles: dict[str, Profile], stats: SourceStats, report: ScanReport
) -> None:
    answered = stats.found + stats.not_found
    try:
        sight = check_sight(source, known, profiles.values(), answered=answered, found=stats.found)
    except Exception as failure:  # check_sight takes a SourceError as no answer; this is anything else
        error = _as_unknown(source.name, "search check", failure)
        _problem(report, source.name, error.reason, str(error))
        return
    stats.known_seen = f"{sight.seen}/{sight.known}" if sight.known else ""
    if sight.degraded:
        stats.degraded = sight.degraded
        _problem(report, source.name, "degraded", sight.degraded)
        log.warning("%s: degraded: %s", source.name, sight.degraded)


def _recheck_findings(
    db: Database,
    source: Source,
    searched: dict[str, Profile],
    stats: SourceStats,
    report: ScanReport,
    stopping: Callable[[], bool],
) -> dict[str, Profile]:
    """Ask the platform directly for each profile a finding depends on: absence from search
    results proves nothing. A profile search already returned counts as found, unasked.

    Found: the finding's miss count restarts (a resolved one reopens) and the profile is
    returned, to be matched and recorded like a searched one. Gone: one more miss (the second
    in a row resolves it). Unknown: nothing changes. The source's budget is shared with its
    searches; one rate limit or two failures in a row stop the re-checks for this scan, and
    the least recently checked go first next time.
    """
    targets = findings_store.recheck_targets(db, source.name)
    for target in targets:
        if target.platform_id in searched:
            _rechecked(db, target.profile_id, searched[target.platform_id], stats)
    todo = [t for t in targets if t.platform_id not in searched]
    found: dict[str, Profile] = {}
    if stats.gave_up:  # the source failed its searches: asking again now would fail too
        stats.recheck_skipped = len(todo)
        return found
    failures_in_row = 0
    for index, target in enumerate(todo):
        if stopping():
            stats.recheck_skipped = len(todo) - index
            report.interrupted = True
            break
        stats.rechecked += 1
        try:
            profile = source.fetch(target.platform_id, target.handle)
        except Exception as failure:
            exc = _as_unknown(source.name, "re-check", failure)
            findings_store.profile_unknown(db, target.profile_id)
            # A source that cannot answer stops the re-checks; one odd profile (hidden, unparseable) does not.
            failures_in_row += isinstance(exc, SourceUnavailable | RateLimited)
            stats.recheck_unknown[exc.reason] = stats.recheck_unknown.get(exc.reason, 0) + 1
            _problem(report, source.name, exc.reason, str(exc), recheck=f"@{target.handle}")
            log.warning("%s: re-check of @%s: %s", source.name, target.handle, exc)
            if isinstance(exc, RateLimited) or failures_in_row >= MAX_CONSECUTIVE_FAILURES:
                stats.gave_up = str(exc)
                stats.recheck_skipped = len(todo) - index - 1
                log.warning("%s: stopping re-checks for this scan (%d left)", source.name, stats.recheck_skipped)
                break
            continue
        failures_in_row = 0
        if _rechecked(db, target.profile_id, profile, stats):
            found.setdefault(profile.platform_id, profile)
    return found


def _rechecked(db: Database, profile_id: int, profile: Profile | None, stats: SourceStats) -> bool:
    """Record what a re-check learnt: gone, marked by the platform's moderators (which counts like
    a takedown: they acted), or there. True when the profile is there to be matched again."""
    if profile is None or profile.moderation:
        stats.recheck_gone += 1
        stats.resolved += len(
            findings_store.profile_missing(db, profile_id, moderated=profile.moderation if profile else ())
        )
        return profile is not None
    stats.reopened += len(findings_store.profile_present(db, profile_id))
    return True


def _problem(report: ScanReport, source: str, reason: str, message: str, **extra: str) -> None:
    if sum(1 for p in report.problems if p["source"] == source) < MAX_PROBLEMS_PER_SOURCE:
        report.problems.append({"source": source, "reason": reason, "message": message, **extra})


ALERT_BATCH = 60.0  # seconds: within a source, findings met this close together share one alert
PRINTS_KEPT = 4096  # people whose decoded photo prints a scan keeps at hand (about 20 KB each)


class _PrintLookup:
    """Enrolled photos' verification records, read from the database only for the candidates that need them.

    A print written by an older version cannot be read; that photo is left unverified (so it finds
    nothing on its own) and the people concerned are counted, for the scan to say so. The most recently
    used ``keep`` people's prints stay decoded: at district scale a weekly pass verifies most of the
    roster once, and 75,000 decoded prints would take gigabytes.
    """

    def __init__(self, db: Database, keep: int = PRINTS_KEPT) -> None:
        self.db = db
        self.keep = keep
        self.cache: OrderedDict[int, list[PhotoPrint]] = OrderedDict()
        self.stale: set[int] = set()

    def __call__(self, person_id: int) -> list[PhotoPrint]:
        if person_id in self.cache:
            self.cache.move_to_end(person_id)
            return self.cache[person_id]
        prints = []
        for blob in people_store.photo_prints(self.db, person_id):
            try:
                prints.append(PhotoPrint.from_bytes(blob))
            except InputError:
                self.stale.add(person_id)
        self.cache[person_id] = prints
        if len(self.cache) > self.keep:
            self.cache.popitem(last=False)
        return prints


def queue_alerts(config: Config, db: Database) -> int:
    """One message per opted-in person covering their findings not yet alerted.

    A person who already had ``alerts.max_per_person_per_day`` alerts today (district time)
    gets none now: their findings stay unalerted and go into the next message.

    A scan calls this after each source and, at most once a minute, after a profile that recorded
    a finding; the delivery job before each run. It costs one query when there is nothing to alert,
    and reads only the people it alerts (reading all 75,000 takes over a second).
    """
    to_alert = findings_store.people_to_alert(db)
    if not to_alert:
        return 0
    people = people_store.people_by_id(db, to_alert)
    types = {s.name: s.type for s in config.sources}
    base_url = config.web.base_url
    secret = link_secret(db) if base_url else b""
    today = datetime.now(ZoneInfo(config.timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today.astimezone(UTC).isoformat(timespec="seconds")
    queued = 0
    for person_id in to_alert:
        person = people.get(person_id)
        if person is None:  # removed meanwhile: their findings went with them
            continue
        if outbox_store.alerts_since(db, person_id, since) >= config.alerts.max_per_person_per_day:
            log.debug(
                "alert to %s held back: %d alerts today already", person.email, config.alerts.max_per_person_per_day
            )
            continue
        findings = findings_store.list_findings(db, person_id=person_id, unalerted_only=True)
        if not findings:  # alerted meanwhile by another queuer (the delivery job, another scan)
            continue
        try:
            message = render_alert(
                person,
                findings,
                sender=config.email.sender,
                district=config.district.name,
                reply_to=config.email.reply_to,
                source_types=types,
                sources=config.sources,
                links=alert_links(db, base_url, secret, person_id, [f.id for f in findings]),
            )
        except (ValueError, MessageError) as exc:  # one bad address must not stop everyone's alerts
            log.error("cannot write an alert to %s: %s", person.email, exc)
            continue
        signals = {f.id: list(f.evidence.get("signals", ())) for f in findings}
        cap = (since, config.alerts.max_per_person_per_day)
        if outbox_store.enqueue_alert(db, message, signals, person_id=person_id, cap=cap) is not None:
            queued += 1
    return queued


def deliver_outbox(config: Config, db: Database, *, force: bool = False) -> DeliveryReport:
    """Hand every due message (with ``force``, every pending one) to the configured transport over
    one connection; see storage/outbox.py for the guarantee.

    When the transport cannot deliver anything (server unreachable, login refused) the run stops at
    the first message, which is released unspent; the others are not tried and stay pending.
    """
    report = DeliveryReport()
    rows = outbox_store.due_messages(db, force=force)
    if not rows:
        return report
    sender = envelope_address(config.email.sender)
    transport = open_transport(config)
    try:
        for index, row in enumerate(rows):
            if not outbox_store.claim(db, row["id"], force=force):
                continue
            try:
                transport.deliver(
                    row["message"],
                    delivery_key(row["id"], row["message_id"]),
                    sender=sender,
                    recipient=envelope_address(row["recipient"]),
                )
            except TransportUnavailable as exc:
                outbox_store.release(db, row["id"], str(exc))
                report.retrying += len(rows) - index
                report.stopped = str(exc)
                log.warning("delivery stopped, %d messages wait: %s", len(rows) - index, exc)
                break
            except DeliveryError as exc:
                status = outbox_store.mark_failed(
                    db,
                    row["id"],
                    str(exc),
                    permanent=isinstance(exc, PermanentDeliveryError),
                    attempts=row["attempts"] + 1,
                )
                report.dead += status == "dead"
                report.retrying += status == "pending"
                log.warning("outbox message %s to %s not delivered: %s", row["id"], row["recipient"], exc)
                continue
            with write_transaction(db):  # marked sent and audited together
                outbox_store.mark_sent(db, row["id"])
                audit_store.email_sent(db, row["id"])
            report.sent += 1
    finally:
        transport.close()
    return report


def delivery_key(outbox_id: int, message_id: str) -> str:
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"iw{outbox_id:08d}_{digest}"
