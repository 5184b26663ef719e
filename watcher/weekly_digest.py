"""The weekly digest: read the week, write one message per recipient, queue each once, deliver.

Each recipient's digest is queued under ``digest:{week}:{address}``, a key the outbox holds at
most once (storage/outbox.py), so running ``watcher digest --send`` again, after a restart or
by a second scheduler, sends nothing new for that week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from notifications.digest_mail import digest_subject, digest_text, render_digest
from storage import outbox as outbox_store
from storage import reports
from watcher import weeks
from watcher.config import Config
from watcher.coverage import staff_coverage
from watcher.errors import ConfigError, InputError
from watcher.pipeline import DeliveryReport, deliver_outbox
from watcher.platform_facts import profile_links


@dataclass
class DigestOutcome:
    """What ``send_digest`` did, per recipient address."""

    week: str
    sent: list[str] = field(default_factory=list)  # queued by this call (or an earlier one that failed), delivered
    already_sent: list[str] = field(default_factory=list)  # delivered before this call: nothing sent
    undelivered: dict[str, str] = field(default_factory=dict)  # address → outbox status and last error
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def resolve_week(config: Config, week: str | None) -> str:
    """``week`` checked and written canonically (``2026-W48``); by default the last complete week."""
    tz = ZoneInfo(config.timezone)
    if week is None:
        return weeks.last_complete_week(tz)
    return weeks.week_name(weeks.parse_week(week))


def preview_digest(config: Config, db: Database, week: str, *, now: datetime | None = None) -> str:
    """The plain-text digest with its subject, as the recipients would read it; nothing is queued."""
    now = now or datetime.now(UTC)
    report = reports.week_report(db, week, *weeks.week_bounds(week, ZoneInfo(config.timezone)))
    staff = staff_coverage(config.sources, db, now=now)
    links = profile_links(config.sources, report.new + report.open + report.resolved)
    text = digest_text(report, district=config.district.name, now=now, staff=staff, profile_links=links)
    return f"Subject: {digest_subject(report)}\n\n{text}"


def send_digest(config: Config, db: Database, week: str, *, now: datetime | None = None) -> DigestOutcome:
    """Queue the week's digest for each ``digest.to`` address not sent it yet, then deliver the outbox.

    Staff coverage is counted as of ``now`` (the 7 days before the digest is written): the database
    keeps only each query's last answer, not a history to count an earlier week from."""
    if not config.digest.to:
        raise ConfigError("no digest recipients: set to = [...] under [digest] in the config file")
    now = now or datetime.now(UTC)
    tz = ZoneInfo(config.timezone)
    _, end = weeks.week_bounds(week, tz)
    if end > now:
        raise InputError(f"week {week} is not over yet: a digest covers a whole week (preview it without --send)")
    report = reports.week_report(db, week, *weeks.week_bounds(week, tz))
    staff = staff_coverage(config.sources, db, now=now)
    keys = {address: f"digest:{week}:{parseaddr(address)[1].lower()}" for address in config.digest.to}
    outcome = DigestOutcome(week)
    before = reports.message_states(db, list(keys.values()))
    for address, key in keys.items():
        if key not in before:  # a key queued already (even by a process racing this one) stays as it is
            message = render_digest(
                report,
                sender=config.email.sender,
                to=address,
                district=config.district.name,
                now=now,
                staff=staff,
                profile_links=profile_links(config.sources, report.new + report.open + report.resolved),
            )
            outbox_store.enqueue_message(db, message, kind="digest", dedupe_key=key)
    outcome.delivery = deliver_outbox(config, db)
    after = reports.message_states(db, list(keys.values()))
    for address, key in keys.items():
        status, error = after.get(key, ("pending", None))
        if before.get(key, ("",))[0] == "sent":
            outcome.already_sent.append(address)
        elif status == "sent":
            outcome.sent.append(address)
        else:
            outcome.undelivered[address] = f"{status}: {error}" if error else status
    return outcome
