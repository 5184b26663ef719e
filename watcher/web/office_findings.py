"""The office's queue of findings (filters, counts per status, pages, CSV export) and the finding page
(evidence beside the review buttons); routes on the ``office`` blueprint (watcher/web/office.py).

A filter value the page's selects do not offer is refused with a one-line 400, never passed on."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from storage import audit
from storage import evidence as evidence_store
from storage import findings as findings_store
from storage import queue as queue_store
from storage import review as review_store
from storage.db import write_transaction
from watcher import evidence_page
from watcher.display import findings_csv
from watcher.errors import InputError
from watcher.evidence_page import render_page
from watcher.models import Finding, QueueFilter
from watcher.platform_facts import profile_links, report_guides
from watcher.web import guard
from watcher.web.context import config, db, now
from watcher.web.office import office
from watcher.weeks import parse_week, week_bounds, week_name

PER_PAGE = 50
MAX_PAGE = 1_000_000
MAX_NOTE = 1000  # characters of a review note
MAX_WEEKS = 260  # the week select offers five years
BANDS = {"strong": (0.9, None), "medium": (0.75, 0.9), "weak": (None, 0.75)}  # score: [min, max)
FILTERS = ("kind", "status", "source", "school", "week", "band", "sort")
ANSWER_WORDS = {
    "mine": "the employee says this account is theirs / not a problem",
    "impostor": "the employee confirms it is someone pretending to be them",
}


# --- the queue ------------------------------------------------------------------------------------


def _chosen() -> dict[str, str]:
    """The filters in the query string that have a value."""
    return {name: value for name in FILTERS if (value := request.args.get(name, "").strip())}


def _district_zone() -> ZoneInfo:
    return ZoneInfo(config().timezone)


def _offered() -> dict[str, list[str]]:
    """What each select offers: the kinds, the statuses, the sources configured or found, the schools."""
    choices = queue_store.queue_choices(db())
    return choices | {
        "status": list(findings_store.STATUSES),
        "source": sorted({*choices["source"], *(s.name for s in config().sources)}),
    }


def _queue_filter(chosen: dict[str, str], choices: dict[str, list[str]]) -> QueueFilter:
    """The chosen filters as a ``QueueFilter``; 400 with one line for a value the page does not offer."""
    offered = choices | {"band": list(BANDS), "sort": list(queue_store.ORDERS)}
    for name in ("kind", "status", "source", "school", "band", "sort"):
        values = offered[name]
        if name in chosen and chosen[name] not in values:
            abort(400, f"Unknown {name} {chosen[name][:80]!r}: choose one the list offers.")
    since = until = None
    if "week" in chosen:
        try:
            start, end = week_bounds(chosen["week"], _district_zone())
        except InputError as exc:
            abort(400, str(exc))
        since, until = (t.astimezone(UTC).isoformat(timespec="seconds") for t in (start, end))
    low, high = BANDS.get(chosen.get("band", ""), (None, None))
    return QueueFilter(
        kind=chosen.get("kind"),
        status=chosen.get("status"),
        source=chosen.get("source"),
        school=chosen.get("school"),
        since=since,
        until=until,
        min_score=low,
        max_score=high,
        order=chosen.get("sort", "newest"),
    )


def _weeks(chosen: dict[str, str]) -> list[str]:
    """The district weeks from the oldest finding's to this one, newest first (and the chosen one);
    at most MAX_WEEKS of them."""
    zone = _district_zone()
    oldest, today = queue_store.first_seen_since(db()), now().astimezone(zone).date()
    weeks: set[str] = set()
    if oldest:
        day = max(datetime.fromisoformat(oldest).astimezone(zone).date(), today - timedelta(weeks=MAX_WEEKS))
        while day <= today + timedelta(days=6):
            weeks.add(week_name(min(day, today)))
            day += timedelta(days=7)
    if "week" in chosen:
        weeks.add(week_name(parse_week(chosen["week"])))
    return sorted(weeks, reverse=True)


def _page_number() -> int:
    text = request.args.get("page", "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        abort(400, "The page must be a number from 1.")
    return int(text)


@office.get("/office/findings")
@guard.office_required
def findings() -> str:
    chosen = _chosen()
    choices = _offered()
    f = _queue_filter(chosen, choices)
    page = _page_number()
    rows, total = queue_store.queue_page(db(), f, page=page, per_page=PER_PAGE)
    return render_template(
        "office_findings.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        counts=queue_store.status_counts(db(), f),
        chosen=chosen,
        choices=choices | {"week": _weeks(chosen)},
    )


@office.get("/office/findings.csv")
@guard.office_required
def findings_export() -> Response:
    chosen = _chosen()
    rows = queue_store.queue_rows(db(), _queue_filter(chosen, _offered()))
    with write_transaction(db()):
        audit.record(db(), actor=guard.office_actor(), action="exported", detail={"filters": chosen, "rows": len(rows)})
    day = now().astimezone(_district_zone()).date().isoformat()
    response = make_response(findings_csv(rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="findings-{day}.csv"'
    return response


# --- one finding ----------------------------------------------------------------------------------


def _finding_or_404(finding_id: int) -> Finding:
    finding = findings_store.get_finding(db(), finding_id)
    if finding is None:
        abort(404, f"There is no finding {finding_id}.")
    return finding


def _scores(finding: Finding) -> list[tuple[str, Any]]:
    e = finding.evidence
    shown = [
        ("Score", f"{finding.score} ({finding.strength})"),
        ("Rule", finding.rule or e.rule),
        ("Name score", e.name_score),
        ("Photo distance", e.photo_distance),
        ("Photo points", e.photo_inliers),
        ("Logo points", e.logo_points),
    ]
    return [(label, value) for label, value in shown if value not in (None, "")]


def _detail_text(detail: dict[str, Any]) -> str:
    return "; ".join(
        f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}" for k, v in detail.items()
    )


def _thumbnails(shots: list[evidence_store.Snapshot], banner: bool = False) -> list[dict[str, str]]:
    """Each captured avatar (or banner) once, newest first, as a data: URI."""
    seen: set[bytes] = set()
    thumbs = []
    for shot in shots:
        thumbnail = shot.banner_thumbnail if banner else shot.thumbnail
        if thumbnail and thumbnail not in seen:
            seen.add(thumbnail)
            uri = "data:image/jpeg;base64," + base64.b64encode(thumbnail).decode()
            thumbs.append({"uri": uri, "captured_at": shot.captured_at})
    return thumbs


@office.get("/office/findings/<int:finding_id>")
@guard.office_required
def finding(finding_id: int) -> str:
    found = _finding_or_404(finding_id)
    shots = evidence_store.snapshots(db(), finding_id)
    fields = shots[0].fields if shots else {"display_name": found.display_name, "bio": found.description}
    sources = config().sources
    return render_template(
        "office_finding.html",
        finding=found,
        thumbs=_thumbnails(shots),
        banners=_thumbnails(shots, banner=True),
        banner=(shots[0].banner_url or "") if shots else "",
        fields=fields,
        profile_link=profile_links(sources, [found])[finding_id],
        guide=report_guides(sources, [found])[finding_id],
        scores=_scores(found),
        snapshots=shots,
        answer=ANSWER_WORDS.get(found.answer or "", "no answer yet"),
        audit_rows=[
            row | {"text": _detail_text(row["detail"])} for row in audit.list_audit(db(), finding_id=finding_id)
        ],
        actions=list(review_store.REVIEW_ACTIONS),
        possible=[a for a, (start, _) in review_store.REVIEW_ACTIONS.items() if found.status in start],
        max_note=MAX_NOTE,
    )


@office.post("/office/findings/<int:finding_id>/review")
@guard.office_required
def review_finding(finding_id: int) -> Response:
    _finding_or_404(finding_id)
    action, note = request.form.get("action", ""), request.form.get("note", "").strip()
    if action not in review_store.REVIEW_ACTIONS:
        abort(400, "Unknown action: use one of the page's buttons.")
    if len(note) > MAX_NOTE:
        flash(f"A note has at most {MAX_NOTE} characters; nothing was changed.", "error")
    else:
        try:
            old, new = review_store.review(db(), finding_id, action, actor=guard.office_actor(), note=note or None)
        except InputError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Finding {finding_id}: {old} → {new}.", "ok")
    return redirect(url_for("office.finding", finding_id=finding_id), 303)


@office.get("/office/findings/<int:finding_id>/evidence")
@guard.office_required
def finding_evidence(finding_id: int) -> Response:
    """The evidence page as a platform report wants it, under its own policy: its one inline style
    is allowed by hash, nothing else (the page states that policy in its head; the header repeats it)."""
    try:
        page = render_page(db(), finding_id)
    except InputError:
        abort(404, f"There is no finding {finding_id}.")
    response = make_response(page)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = evidence_page.policy()
    response.headers["Content-Disposition"] = f'inline; filename="evidence-{finding_id}.html"'
    return response
