"""Findings into alert messages in the outbox, and the outbox into the transport."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from email.errors import MessageError
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from notifications.alert_mail import render_alert
from notifications.transport import envelope_address, open_transport
from storage import audit as audit_store
from storage import findings as findings_store
from storage import outbox as outbox_store
from storage import people as people_store
from storage.db import write_transaction
from watcher.config import Config
from watcher.errors import (
    DeliveryError,
    PermanentDeliveryError,
    TransportUnavailable,
)
from watcher.links import alert_links, link_secret
from watcher.pipeline.scan_report import DeliveryReport
from watcher.platform_facts import profile_links, report_guides

log = logging.getLogger("watcher.pipeline")  # one logger name for the whole pipeline


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
    base_url = config.web.link_base
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
                office=config.email.reply_to or next(iter(config.digest.to), None),
                report_guides=report_guides(config.sources, findings),
                profile_links=profile_links(config.sources, findings),
                links=alert_links(db, base_url, secret, person_id, [f.id for f in findings]),
                staff_page=config.alerts.staff_page_url,
            )
        except (ValueError, MessageError) as exc:  # one bad address must not stop everyone's alerts
            log.error("cannot write an alert to %s: %s", person.email, exc)
            continue
        signals = {f.id: list(f.evidence.signals) for f in findings}
        cap = (since, config.alerts.max_per_person_per_day)
        if outbox_store.enqueue_alert(db, message, signals, person_id=person_id, cap=cap) is not None:
            queued += 1
    return queued


def deliver_outbox(
    config: Config, db: Database, *, force: bool = False, ids: list[int] | None = None
) -> DeliveryReport:
    """Hand every due message (with ``force``, every pending one) to the configured transport over
    one connection; see storage/outbox.py for the guarantee. ``ids``: only those messages.

    When the transport cannot deliver anything (server unreachable, login refused) the run stops at
    the first message, which is released unspent; the others are not tried and stay pending.
    """
    report = DeliveryReport()
    rows = outbox_store.due_messages(db, force=force, ids=ids)
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
