"""The communications office's overview: the dashboard (this week's numbers and the chart of the
last 26 weeks), the people on the roster and each one's findings, and the district's logos (add,
remove). Every page is behind the office's sign-in; every change is audited with who did it.

The week is the district's (watcher/weeks.py, in ``config.timezone``), as the weekly digest counts it.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from PIL import Image
from werkzeug.wrappers import Response

from storage import audit
from storage import dashboard as dashboard_store
from storage import logos as logos_store
from storage import people as people_store
from storage.db import write_transaction
from storage.findings import findings_where
from watcher import weeks
from watcher.errors import InputError
from watcher.image_files import hash_logo_bytes, megabytes
from watcher.matching.logos import LogoModel
from watcher.text import clean_field
from watcher.web import guard
from watcher.web.chart import weekly_chart
from watcher.web.context import config, db, now

overview = Blueprint("overview", __name__)

CHART_WEEKS = 26
PAGE_SIZE = 50
MAX_LABEL = 200
STATES = {"all": "Everyone", "on": "Alerts on", "paused": "Paused", "not-yet": "Not yet"}


@overview.context_processor
def _helpers() -> dict[str, Any]:
    return {"states": STATES}


def _zone() -> ZoneInfo:
    return ZoneInfo(config().timezone)


def _instant(moment: datetime) -> str:
    """An aware time as stored times are written: UTC ISO, seconds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def last_weeks(today: date, count: int) -> list[str]:
    """The ``count`` ISO weeks ending with the one ``today`` is in, oldest first."""
    monday = today - timedelta(days=today.weekday())
    return [weeks.week_name(monday - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


# --- the dashboard -------------------------------------------------------------------------------


@overview.get("/office")
@guard.office_required
def dashboard() -> str:
    zone = _zone()
    names = last_weeks(now().astimezone(zone).date(), CHART_WEEKS)
    spans = [weeks.week_bounds(name, zone) for name in names]
    bounds = [(_instant(start), _instant(end)) for start, end in spans]
    counts = dashboard_store.weekly_counts(db(), bounds)
    chart = weekly_chart([(name, new, resolved) for name, (new, resolved) in zip(names, counts, strict=True)])
    return render_template(
        "overview_dashboard.html",
        week=names[-1],
        starts=spans[-1][0].date(),
        ends=(spans[-1][1] - timedelta(days=1)).date(),
        numbers=dashboard_store.week_numbers(db(), *bounds[-1]),
        people=dashboard_store.people_counts(db()),
        chart=chart,
        chart_weeks=CHART_WEEKS,
    )


# --- people --------------------------------------------------------------------------------------


@overview.get("/office/people")
@guard.office_required
def people() -> str:
    state = request.args.get("state", "all")
    state = state if state in STATES else "all"
    school = request.args.get("school", "").strip()
    search = request.args.get("q", "").strip()[:MAX_LABEL]
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1
    total, rows = dashboard_store.people_page(
        db(),
        state=None if state == "all" else state,
        school=school or None,
        search=search or None,
        offset=(page_number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    filters = {k: v for k, v in (("state", state), ("school", school), ("q", search)) if v and v != "all"}

    def page_link(number: int) -> str:
        return url_for("overview.people") + "?" + urlencode({**filters, "page": number})

    return render_template(
        "overview_people.html",
        rows=rows,
        total=total,
        page=page_number,
        pages=pages,
        first=(page_number - 1) * PAGE_SIZE + 1,
        previous_link=page_link(page_number - 1) if page_number > 1 else None,
        next_link=page_link(page_number + 1) if page_number < pages else None,
        state=state,
        school=school,
        q=search,
        schools=dashboard_store.schools(db()),
    )


@overview.get("/office/people/<int:person_id>")
@guard.office_required
def person(person_id: int) -> str:
    found = people_store.person(db(), person_id)
    if found is None:
        abort(404, "There is nobody with this number on the roster (any more).")
    return render_template(
        "overview_person.html",
        person=found,
        photos=dashboard_store.photo_count(db(), person_id),
        accounts=sorted(found.accounts),
        findings=findings_where(db(), "f.person_id = ?", [person_id], order="f.first_seen DESC, f.id DESC"),
    )


# --- logos ---------------------------------------------------------------------------------------


@overview.get("/office/logos")
@guard.office_required
def logos() -> str:
    pictures = {logo.id: logo_picture(logo.model) for logo in logos_store.list_logos(db())}
    return render_template(
        "overview_logos.html",
        logos=logos_store.logo_list(db()),
        pictures=pictures,
        max_label=MAX_LABEL,
        max_size=megabytes(guard.MAX_UPLOAD_BYTES),
    )


def logo_picture(model: bytes | None) -> str | None:
    """The small copy of the logo its model keeps (the district's own artwork), as a data: URI."""
    if not model:
        return None
    try:
        image = Image.fromarray(LogoModel.from_bytes(model).image)
    except InputError:
        return None
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@overview.post("/office/logos")
@guard.office_required
def add_logo() -> Response:
    try:
        label, data, name = _logo_upload()
        model = hash_logo_bytes(data, name, config().network.max_image_pixels)
    except InputError as exc:
        flash(" ".join(str(exc).split()), "error")
        return redirect(url_for("overview.logos"), 303)
    with write_transaction(db()):
        logo_id, replaced = logos_store.save_logo(db(), label, model)
        detail = {"label": label, "logo_id": logo_id, "replaced": replaced}
        audit.record(db(), actor=guard.office_actor(), action="logo_added", detail=detail)
    flash(f"Logo “{label}” {'replaced' if replaced else 'added'}: scans now look for it in profile pictures.")
    return redirect(url_for("overview.logos"), 303)


def _logo_upload() -> tuple[str, bytes, str]:
    """The add-logo form's label, file content and file name, checked; InputError says what is wrong."""
    label = clean_field(request.form.get("label", ""))
    if not label:
        raise InputError("Give the logo a label, such as “District seal”.")
    if len(label) > MAX_LABEL:
        raise InputError(f"The label is too long: at most {MAX_LABEL} characters.")
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        raise InputError("Choose an image file of the logo (PNG or JPEG).")
    data = upload.read(guard.MAX_UPLOAD_BYTES + 1)
    if len(data) > guard.MAX_UPLOAD_BYTES:
        raise InputError(f"The logo file is over {megabytes(guard.MAX_UPLOAD_BYTES)}.")
    if not data:
        raise InputError("The logo file is empty.")
    return label, data, upload.filename


@overview.get("/office/logos/<int:logo_id>/remove")
@guard.office_required
def confirm_remove_logo(logo_id: int) -> str:
    """What removing a logo means, with the button that does it (a GET changes nothing)."""
    logo = next((logo for logo in logos_store.list_logos(db()) if logo.id == logo_id), None)
    if logo is None:
        abort(404, "There is no logo with this number (any more).")
    return render_template("overview_logo_remove.html", logo=logo, picture=logo_picture(logo.model))


@overview.post("/office/logos/<int:logo_id>/remove")
@guard.office_required
def remove_logo(logo_id: int) -> Response:
    with write_transaction(db()):
        label = logos_store.remove_logo(db(), logo_id)
        if label is not None:
            detail = {"label": label, "logo_id": logo_id}
            audit.record(db(), actor=guard.office_actor(), action="logo_removed", detail=detail)
    if label is None:
        abort(404, "There is no logo with this number (any more).")
    flash(f"Logo “{label}” removed: scans no longer look for it. Findings that named it keep their evidence.")
    return redirect(url_for("overview.logos"), 303)
