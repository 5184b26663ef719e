"""The communications office's overview on the real application over the scanned sample world: the
dashboard's numbers and chart, the people list and a person's page, the district's logos, and who
may see and change any of it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage import admins as admins_store
from storage import audit, web_state
from storage.dashboard import like_pattern, weekly_counts
from storage.review import record_answer, review
from watcher import weeks
from watcher.demo.portraits import district_logo, png
from watcher.web.chart import PLOT_H, weekly_chart

OFFICE = "comms@svusd.example"
PAGES = ["/office", "/office/people", "/office/logos"]


def sign_in(site, client=None):
    """An office session, as guard.sign_in_office stores it."""
    db = site.db()
    admin, _ = admins_store.add_admin(db, OFFICE, None)
    sid = web_state.open_session(db, "office", admin.uid, now=site.clock())
    db.close()
    with (client or site.client).session_transaction() as session:
        session["admin"] = admin.uid
        session["admin_at"] = site.clock().isoformat()
        session["sid"] = sid
    return client or site.client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def count(page: str, name: str) -> int:
    found = re.search(rf'id="count-{re.escape(name)}">(\d+)<', page)
    assert found, f"no count {name}"
    return int(found.group(1))


def week_bounds(site, weeks_ago: int = 0) -> tuple[str, str]:
    """The UTC bounds of the district week ``weeks_ago`` before the clock's."""
    zone = ZoneInfo(site.config.timezone)
    day = site.clock().astimezone(zone).date() - timedelta(weeks=weeks_ago)
    start, end = weeks.week_bounds(weeks.week_name(day), zone)
    return start.astimezone(UTC).isoformat(timespec="seconds"), end.astimezone(UTC).isoformat(timespec="seconds")


def midweek(site, weeks_ago: int) -> str:
    start, _ = week_bounds(site, weeks_ago)
    return (datetime.fromisoformat(start) + timedelta(days=3, hours=5)).isoformat(timespec="seconds")


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_counts_this_week_as_the_database_does(site):
    sign_in(site)
    db = site.db()
    ids = [row[0] for row in db.execute("SELECT id FROM findings ORDER BY id")]
    assert len(ids) >= 3, "the sample world has findings"
    db.execute("UPDATE findings SET first_seen = ?", [site.clock().isoformat(timespec="seconds")])  # made this week
    review(db, ids[0], "confirm", actor="office:test")
    review(db, ids[1], "dismiss", actor="office:test")
    record_answer(db, ids[2], "mine", actor="maria.garcia@svusd.example")
    db.execute("UPDATE findings SET first_seen = ? WHERE id = ?", [midweek(site, 2), ids[2]])  # not this week
    db.execute(
        "UPDATE findings SET status = 'resolved', resolved_at = ? WHERE id = ?", [site.clock().isoformat(), ids[2]]
    )
    db.execute("UPDATE people SET consented_at = ?, opt_in = 0 WHERE email = 'david.kim@svusd.example'", ["2026-01-05"])
    db.conn.commit()

    page = html(site.client.get("/office"))
    start, end = week_bounds(site)

    def sql(where: str, params=()) -> int:
        return db.execute(f"SELECT COUNT(*) FROM findings WHERE {where}", list(params)).fetchone()[0]

    assert 'id="this-week"' in page
    assert count(page, "new") == sql("first_seen >= ? AND first_seen < ?", [start, end]) == len(ids) - 1
    for (kind,) in db.execute("SELECT DISTINCT kind FROM findings WHERE first_seen >= ?", [start]):
        assert count(page, f"new-{kind}") == sql("kind = ? AND first_seen >= ? AND first_seen < ?", [kind, start, end])
    assert count(page, "resolved") == sql("resolved_at >= ? AND resolved_at < ?", [start, end]) == 1
    assert count(page, "confirmed") == 1
    assert count(page, "dismissed") == 1
    assert count(page, "answers-mine") == 1
    assert count(page, "answers-impostor") == 0
    for status in ("new", "alerted", "confirmed"):
        assert count(page, f"open-{status}") == sql("status = ?", [status])
    people = db.execute(
        "SELECT COUNT(*), COUNT(consented_at), SUM(opt_in = 1), SUM(opt_in = 0 AND consented_at IS NOT NULL)"
        " FROM people"
    ).fetchone()
    assert (count(page, "roster"), count(page, "enrolled"), count(page, "on"), count(page, "paused")) == people
    assert count(page, "not-yet") == people[0] - people[2] - people[3]
    assert count(page, "paused") == 1


def test_the_chart_draws_26_weeks_of_new_and_resolved_findings(site):
    sign_in(site)
    db = site.db()
    ids = [row[0] for row in db.execute("SELECT id FROM findings ORDER BY id")][:5]
    db.execute("UPDATE findings SET first_seen = '2001-01-01T00:00:00+00:00', resolved_at = NULL")
    for n, finding in enumerate(ids):
        db.execute("UPDATE findings SET first_seen = ? WHERE id = ?", [midweek(site, 3 if n < 3 else 10), finding])
    for finding in ids[:2]:
        db.execute("UPDATE findings SET status = 'resolved', resolved_at = ? WHERE id = ?", [midweek(site, 1), finding])
    db.conn.commit()

    page = html(site.client.get("/office"))
    svg = re.search(r'<svg class="chart" id="weekly-chart" role="img" aria-labelledby="[^"]+".*?</svg>', page, re.S)
    assert svg, "the chart is on the page"
    chart = svg.group(0)
    assert chart.count('<g class="week"') == 26
    zone = ZoneInfo(site.config.timezone)
    week = {ago: weeks.week_name(site.clock().astimezone(zone).date() - timedelta(weeks=ago)) for ago in (1, 3, 10)}
    bars = {
        title: float(height)
        for height, title in re.findall(
            r'<rect class="(?:new|resolved)"[^>]*height="([\d.]+)"[^>]*><title>([^<]+)', chart
        )
    }
    assert len(bars) == 52
    assert bars[f"{week[3]}: 3 new"] == pytest.approx(PLOT_H * 3 / 3)  # the tallest bar reaches the top tick
    assert bars[f"{week[10]}: 2 new"] == pytest.approx(PLOT_H * 2 / 3)
    assert bars[f"{week[1]}: 2 resolved"] == pytest.approx(PLOT_H * 2 / 3)
    assert bars[f"{week[1]}: 0 new"] == 0
    assert sum(1 for title, h in bars.items() if h > 0) == 3
    labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', chart)
    this_week = weeks.week_name(site.clock().astimezone(zone).date())
    eight_ago = weeks.week_name(site.clock().astimezone(zone).date() - timedelta(weeks=8))
    assert len(labels) == 7 and labels[-1] == this_week and eight_ago in labels  # every 4 weeks back from this one
    assert re.search(r'<text class="tick"[^>]*>3</text>', chart), "the y axis reaches the top bar"
    assert ">new</text>" in chart and ">resolved</text>" in chart  # the legend
    assert (
        "fill=" in chart
        and "style" not in chart
        and "<script" not in chart
        and "http" not in chart.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def test_the_chart_escapes_its_labels():
    chart = str(weekly_chart([('<script>alert("x")</script>', 1, 0), ("W&2", 0, 1)]))
    assert "<script" not in chart
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;: 1 new" in chart
    assert "W&amp;2: 1 resolved" in chart


def test_weekly_counts_group_by_week_in_one_pass(site):
    db = site.db()
    db.execute("UPDATE findings SET first_seen = '2001-01-01T00:00:00+00:00', resolved_at = NULL")
    first = db.execute("SELECT id FROM findings ORDER BY id LIMIT 2").fetchall()
    db.execute("UPDATE findings SET first_seen = '2026-03-04T10:00:00+00:00' WHERE id = ?", [first[0][0]])
    db.execute("UPDATE findings SET first_seen = '2026-03-09T00:00:00+00:00' WHERE id = ?", [first[1][0]])
    db.execute("UPDATE findings SET resolved_at = '2026-03-08T23:59:59+00:00' WHERE id = ?", [first[1][0]])
    db.conn.commit()
    bounds = [
        ("2026-03-02T00:00:00+00:00", "2026-03-09T00:00:00+00:00"),
        ("2026-03-09T00:00:00+00:00", "2026-03-16T00:00:00+00:00"),
    ]
    assert weekly_counts(db, bounds) == [(1, 1), (1, 0)]
    assert weekly_counts(db, []) == []


# --- people --------------------------------------------------------------------------------------


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="person">\s*<td><a class="open" href="/office/people/\d+">([^<]+)</a>', page)


def test_people_filter_by_state_school_and_search(site):
    sign_in(site)
    db = site.db()
    db.execute(
        "UPDATE people SET consented_at = '2026-01-05T10:00:00+00:00', opt_in = 0 WHERE email LIKE 'david.kim@%'"
    )
    db.execute("UPDATE people SET consented_at = '2026-01-05T10:00:00+00:00' WHERE email LIKE 'aisha.rahman@%'")
    db.conn.commit()
    everyone = rows(html(site.client.get("/office/people")))
    assert len(everyone) == 8 and "María García López" in everyone
    on = rows(html(site.client.get("/office/people?state=on")))
    assert "José Luis Torres" not in on and "David Kim" not in on and "Aisha Rahman" in on and len(on) == 6
    assert rows(html(site.client.get("/office/people?state=paused"))) == ["David Kim"]
    assert rows(html(site.client.get("/office/people?state=not-yet"))) == ["José Luis Torres"]
    mesa = rows(html(site.client.get("/office/people?school=Mesa+Verde+High+School")))
    assert sorted(mesa) == ["David Kim", "Francisco Hernández", "Jennifer Nguyen", "José Luis Torres"]
    assert rows(html(site.client.get("/office/people?q=garc"))) == ["María García López"]
    assert rows(html(site.client.get("/office/people?q=NGUYEN%40SVUSD"))) == ["Jennifer Nguyen"]
    assert rows(html(site.client.get("/office/people?q=%25"))) == []  # "%" matches only a real "%"
    assert rows(html(site.client.get("/office/people?q=_"))) == []
    assert rows(html(site.client.get("/office/people?q=torres&state=on"))) == []
    page = html(site.client.get("/office/people?q=maria.garcia"))
    assert re.search(r"<td>1</td>\s*<td>1</td>\s*<td>[1-9]\d*</td>\s*</tr>", page), "photos, accounts, open findings"


def test_people_are_paged_fifty_at_a_time(site):
    sign_in(site)
    db = site.db()
    now = datetime.now(UTC).isoformat()
    db["people"].insert_all(
        {
            "email": f"p{n:03d}@svusd.example",
            "name": f"Zed {n:03d}",
            "uid": f"uid-{n}",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(120)
    )
    db["people"].insert(
        {
            "email": "odd@svusd.example",
            "name": "Hundred 100% Sure_Thing",
            "uid": "odd",
            "created_at": now,
            "updated_at": now,
        }
    )
    db.conn.commit()
    first = html(site.client.get("/office/people"))
    assert "129 people" in first and len(rows(first)) == 50 and "Page 1 of 3" in first
    third = html(site.client.get("/office/people?page=3"))
    assert len(rows(third)) == 29 and "Zed 119" in rows(third)
    assert 'href="/office/people?page=2"' in third
    filtered = html(site.client.get("/office/people?q=zed&page=2"))
    assert len(rows(filtered)) == 50 and "120 people" in filtered and "q=zed&amp;page=3" in filtered
    assert rows(html(site.client.get("/office/people?q=%25"))) == ["Hundred 100% Sure_Thing"]
    assert rows(html(site.client.get("/office/people?q=e_t"))) == ["Hundred 100% Sure_Thing"]
    assert rows(html(site.client.get("/office/people?page=99"))) == []
    assert len(rows(html(site.client.get("/office/people?page=-1")))) == 50


def test_like_patterns_escape_their_wildcards():
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_a_person_page_shows_their_accounts_and_findings_but_no_photo(site):
    sign_in(site)
    db = site.db()
    maria = db.execute("SELECT id FROM people WHERE email = 'maria.garcia@svusd.example'").fetchone()[0]
    findings = [row[0] for row in db.execute("SELECT id FROM findings WHERE person_id = ?", [maria])]
    assert findings
    page = html(site.client.get(f"/office/people/{maria}"))
    assert "María García López" in page and "bluesky:mgarcia-teaches.bsky.social" in page
    assert re.search(r'id="photos">1 ', page) and "<img" not in page
    for finding in findings:
        assert f'href="/office/findings/{finding}"' in page
    assert site.client.get("/office/people/999999").status_code == 404
    assert site.client.get("/office/people/abc").status_code == 404


# --- logos ---------------------------------------------------------------------------------------


def logos(site) -> list[dict]:
    return list(site.db().query("SELECT id, label, model FROM logos ORDER BY id"))


def test_the_office_adds_and_removes_a_logo_with_audit_rows(site):
    sign_in(site)
    before = logos(site)
    data = png(district_logo(ring=(120, 20, 20), seed=3))
    response = site.post(
        "/office/logos",
        {"label": "  Athletics\u200b seal ", "logo": (io.BytesIO(data), "seal.png")},
        page="/office/logos",
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/office/logos")
    added = [logo for logo in logos(site) if logo["id"] not in {b["id"] for b in before}]
    assert [logo["label"] for logo in added] == ["Athletics seal"] and added[0]["model"]
    page = html(site.client.get("/office/logos"))
    assert "Logo “Athletics seal” added" in page and "Athletics seal" in page
    # the office sees each logo as the model keeps it (the district's own artwork, small)
    assert page.count('<img class="thumb" src="data:image/png;base64,') == len(before) + 1
    rows = audit.list_audit(site.db(), action="logo_added")
    assert [(r["actor"], r["detail"]["label"]) for r in rows] == [(f"office:{OFFICE}", "Athletics seal")]

    confirm = html(site.client.get(f"/office/logos/{added[0]['id']}/remove"))  # asks, changes nothing
    assert 'id="remove-logo"' in confirm and "Athletics seal" in confirm and len(logos(site)) == len(before) + 1
    response = site.post(f"/office/logos/{added[0]['id']}/remove", page=f"/office/logos/{added[0]['id']}/remove")
    assert response.status_code == 303
    assert logos(site) == before
    rows = audit.list_audit(site.db(), action="logo_removed")
    assert [(r["actor"], r["detail"]["label"]) for r in rows] == [(f"office:{OFFICE}", "Athletics seal")]
    assert site.post(f"/office/logos/{added[0]['id']}/remove", page="/office/logos").status_code == 404


@pytest.mark.parametrize(
    ("label", "upload", "message"),
    [
        ("Seal", (b"hello, I am text\n", "seal.png"), "logo seal.png:"),
        ("", (b"x", "seal.png"), "Give the logo a label"),
        ("x" * 201, (b"x", "seal.png"), "at most 200 characters"),
        ("Seal", None, "Choose an image file"),
    ],
)
def test_a_bad_logo_is_refused_with_one_line(site, label, upload, message):
    sign_in(site)
    before = logos(site)
    data = {"label": label} | ({"logo": (io.BytesIO(upload[0]), upload[1])} if upload else {})
    response = site.post("/office/logos", data, page="/office/logos", content_type="multipart/form-data")
    assert response.status_code == 303
    flashes = re.findall(r'<p class="flash error" role="status">([^<]*)</p>', html(site.client.get("/office/logos")))
    assert len(flashes) == 1 and message in flashes[0] and "\n" not in flashes[0]
    assert logos(site) == before
    assert audit.list_audit(site.db(), action="logo_added") == []


# --- what every overview page promises -----------------------------------------------------------


def test_no_overview_page_has_inline_style_or_script(site):
    sign_in(site)
    maria = site.db().execute("SELECT id FROM people WHERE email = 'maria.garcia@svusd.example'").fetchone()[0]
    for path in [*PAGES, f"/office/people/{maria}", "/office/people?q=a&state=on"]:
        page = html(site.client.get(path))
        assert "style=" not in page and "<style" not in page and "<script" not in page, path
        assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', ""), path


def test_every_overview_page_needs_an_office_session(site):
    client = site.new_client()
    logo_id = logos(site)[0]["id"]
    for path in [*PAGES, "/office/people/1", f"/office/logos/{logo_id}/remove"]:
        response = client.get(path)
        assert response.status_code == 302 and "/office/sign-in" in response.headers["Location"], path
    with client.session_transaction() as session:
        session["csrf"] = "token"  # a visitor with a form token, but no office session
    for path in ["/office/logos", f"/office/logos/{logo_id}/remove"]:
        response = client.post(path, data={"csrf": "token", "label": "x"})
        assert response.status_code == 302 and "/office/sign-in" in response.headers["Location"], path
    assert logos(site)[0]["id"] == logo_id
    site.clock.advance(hours=9)  # an office session ends after 8 hours
    sign_in(site, client)
    site.clock.advance(hours=9)
    assert client.get("/office").status_code == 302


def test_posts_without_the_form_token_are_refused(site):
    sign_in(site)
    logo_id = logos(site)[0]["id"]
    assert site.client.post(f"/office/logos/{logo_id}/remove").status_code == 400
    assert site.client.post(f"/office/logos/{logo_id}/remove", data={"csrf": "forged"}).status_code == 400
    data = {"label": "Seal", "logo": (io.BytesIO(png(district_logo())), "seal.png")}
    assert site.client.post("/office/logos", data=data, content_type="multipart/form-data").status_code == 400
    assert logos(site)[0]["id"] == logo_id
