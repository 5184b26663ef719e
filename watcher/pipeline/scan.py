"""One scan: every source searched, each profile matched and its findings recorded, alerts queued as it goes."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from sqlite_utils import Database

from sources.base import Browsable, SearchRule, Source
from sources.client import HttpClient
from sources.registry import build_source, local_domains
from storage import findings as findings_store
from storage import people as people_store
from storage import scans as scans_store
from storage.db import write_transaction
from storage.logos import list_logos
from watcher import snapshots
from watcher.config import Config
from watcher.errors import (
    InputError,
)
from watcher.matching import Matcher
from watcher.matching.images import HashIndex, PhotoPrint
from watcher.models import Person, Profile
from watcher.pictures import LogoSearch, ProfilePictures
from watcher.pipeline.alerting import deliver_outbox, queue_alerts
from watcher.pipeline.queries import browse, check_source_sight, run_queries
from watcher.pipeline.recheck import recheck_findings
from watcher.pipeline.scan_report import ScanProgress, ScanReport, SourceStats, as_unknown, note_problem
from watcher.query_plan import Query, plan_queries
from watcher.sight import known_accounts

log = logging.getLogger("watcher.pipeline")  # one logger name for the whole pipeline


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

    Whatever a source raises is that source's unknown answer (see ``as_unknown``), never the
    scan's end. ``stop`` is asked between queries and between profiles; once it says yes the scan
    ends there, keeps every finding recorded so far (each profile is one transaction) with its
    alert, and leaves delivery to the next run.
    """
    source_configs = [config.source(only_source)] if only_source else list(config.sources)
    people = people_store.list_people(db, references=False)
    prints = PrintLookup(db)
    domains = local_domains(config.sources)
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
        note_problem(
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
            note_problem(
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
            note_problem(self.report, "alerts", "error", f"alerts not queued: {type(exc).__name__} ({exc})")

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
        error = as_unknown(source.name, "scan", exc)
        stats.gave_up = str(error)
        note_problem(scan.report, source.name, error.reason, str(error))
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
    listed = browse(source, stats, report) if isinstance(source, Browsable) else {}
    profiles = run_queries(scan.db, source, scan.plans[rule], stats, report, scan.stopping, searched)
    if not (stats.gave_up or report.interrupted):
        known = known_accounts(name, scan.config.district.official_accounts, scan.people, scan.domains.get(name))
        check_source_sight(source, known, profiles, stats, report)
    for platform_id, profile in listed.items():
        profiles.setdefault(platform_id, profile)
    profiles |= recheck_findings(scan.db, source, profiles, stats, report, scan.stopping)
    for checked, profile in enumerate(profiles.values()):
        seen = report.profiles_seen + len(profiles)
        scan.tell(ScanProgress(name, "matching", checked, len(profiles), seen, report.findings_new))
        if scan.stopping():
            report.interrupted = True
            break
        about_someone, banner = _match_profile(scan, stats, profile)
        if about_someone:
            scan.queue_alerts_soon()
        if banner is not None:  # after the alert: a slow banner host holds back no one's alert
            banner()
    stats.profiles = len(profiles)
    report.profiles_seen += len(profiles)


def _match_profile(scan: _Scan, stats: SourceStats, profile: Profile) -> tuple[bool, Callable[[], None] | None]:
    """Match one profile and record its findings in one transaction. Returns whether it recorded one
    about a person (an alert may be due), and the work that adds the banner's thumbnail to their new
    snapshots (it may need a download: the caller runs it after queueing the alert). A profile whose
    pictures or matching fail unexpectedly is left unchecked, with the reason; storage's errors end
    the scan."""
    config, db, report = scan.config, scan.db, scan.report
    try:
        pictures = ProfilePictures(db, scan.http, config, profile)
        avatar = pictures.avatar
        if avatar.status.startswith("unknown"):
            stats.avatars_unknown += 1
            note_problem(report, profile.source, "avatar_unknown", f"@{profile.handle}: {avatar.status[9:]}")
        sightings = pictures.logo_sightings(scan.logo_search, banner=scan.matcher.banner_worth_checking(profile))
        matches = scan.matcher.match(profile, avatar.views, picture=pictures.picture, logo_sightings=sightings)
        avatar = pictures.avatar  # with the download verification or the logo search made, if any
        image = snapshots.avatar_image(db, scan.http, profile, avatar) if matches else None
    except sqlite3.Error:
        raise
    except Exception as exc:
        error = as_unknown(profile.source, f"checking @{profile.handle}", exc)
        stats.unchecked += 1
        note_problem(report, profile.source, error.reason, str(error))
        return False, None
    about_someone = False
    taken: list[int] = []  # the snapshots this profile's findings got
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
            shot = snapshots.capture(
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
            if shot is not None:
                taken.append(shot)
            report.findings_seen += 1
            report.findings_new += int(created)
            about_someone |= match.person_id is not None
    if not taken:
        return about_someone, None

    def banner() -> None:
        """The banner's thumbnail for the new snapshots: a failure is noted, never the scan's end."""
        try:
            snapshots.add_banner(db, profile, pictures.banner_bytes, taken, config.network.max_image_pixels)
        except sqlite3.Error:
            raise
        except Exception as exc:
            error = as_unknown(profile.source, f"the banner of @{profile.handle}", exc)
            note_problem(report, profile.source, error.reason, str(error))

    return about_someone, banner


ALERT_BATCH = 60.0  # seconds: within a source, findings met this close together share one alert
PRINTS_KEPT = 4096  # people whose decoded photo prints a scan keeps at hand (about 20 KB each)


class PrintLookup:
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
