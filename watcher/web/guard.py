"""What stands in front of every page: CSRF on every POST, the security headers (a Content-Security-
Policy that allows no inline script and nothing from another origin), the session cookie's flags,
who is signed in (staff and office apart), the throttle, and which proxies' X-Forwarded-* to believe.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from io import BytesIO
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from storage import admins as admins_store
from storage import people as people_store
from storage import web_state
from storage.settings import setting
from watcher.errors import WatcherError
from watcher.web.context import WebContext, db, now
from watcher.web.words import office_page, page_words

F = TypeVar("F", bound=Callable[..., Any])

# Every asset is ours: no script inline or from elsewhere; images are ours, data: (captured avatars,
# kept in the database) or blob: (the browser-only preview of a photo about to be uploaded).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the signed tokens in our URLs never leave in a Referer
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STAFF, OFFICE = "staff", "office"  # the kinds of session
_KEYS = {STAFF: "staff", OFFICE: "admin"}  # the session cookie's key for the uid of each
STAFF_SESSION = timedelta(hours=1)
OFFICE_SESSION = timedelta(hours=8)
MAX_UPLOAD_BYTES = 10_000_000  # one photo or logo
MAX_REQUEST_BYTES = 3 * MAX_UPLOAD_BYTES + 1_000_000  # three photos and the form around them
CSRF_FIELD = "csrf"
_SESSION_SECRET = "web_session_secret"


def install(app: Flask, context: WebContext) -> None:
    """Configure ``app``: secret, cookie flags, size caps, proxies, CSRF, headers, error pages."""
    web = context.config.web
    app.secret_key = setting(context.db(), _SESSION_SECRET, lambda: secrets.token_hex(32))
    app.config.update(
        SESSION_COOKIE_NAME="iw_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure,
        PERMANENT_SESSION_LIFETIME=OFFICE_SESSION,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        PREFERRED_URL_SCHEME="https" if web.secure else "http",
    )
    app.request_class = InMemoryRequest
    proxied = TrustedProxies(app.wsgi_app, web.trusted_proxies)
    app.wsgi_app = PathPrefix(proxied, urlsplit(web.base_url or "").path)  # type: ignore[method-assign]
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.context_processor(lambda: {"csrf_token": csrf_token, "csrf_field": CSRF_FIELD})
    app.register_error_handler(HTTPException, _error_page)


class TrustedProxies:
    """X-Forwarded-For/-Proto/-Host believed from the configured proxies only (one hop), and dropped
    from anyone else: otherwise a client could name its own address to the throttle."""

    def __init__(self, app: Callable, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.trusted = tuple(ipaddress.ip_network(proxy, strict=False) for proxy in trusted)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for key in [k for k in environ if k.startswith("HTTP_X_FORWARDED_")]:
            del environ[key]
        return self.app(environ, start_response)

    def _trusted(self, remote: object) -> bool:
        """Compared as addresses, not text: ::ffff:10.0.0.5 is 10.0.0.5, and networks are allowed."""
        if not self.trusted or not isinstance(remote, str):
            return False
        try:
            address = ipaddress.ip_address(remote.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address.version == net.version and address in net for net in self.trusted)


class PathPrefix:
    """A ``base_url`` with a path (https://district.example/watch): the site answers under it, whether
    the proxy passes the prefix on or strips it, and every URL it writes carries it (SCRIPT_NAME)."""

    def __init__(self, app: Callable, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
            environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


class InMemoryRequest(Request):
    """Uploaded files kept in memory (a request is capped at guard.MAX_REQUEST_BYTES), never spooled
    to a temporary file as werkzeug does above 500 KB: a photo is hashed and dropped, written nowhere."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return BytesIO()


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's token; every form carries it in the ``csrf`` field."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def one_click(view: F) -> F:
    """Marks the view that answers RFC 8058's one-click POST (``List-Unsubscribe=One-Click``): a mail
    client sends it without our form, so the signed token in its URL stands in for the CSRF token."""
    view.one_click = True  # type: ignore[attr-defined]
    return view


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or request.routing_exception is not None:
        return  # no such page, or not with this method: routing answers 404 or 405, and nothing runs
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "one_click", False) and request.form.get("List-Unsubscribe") == "One-Click":
        return
    sent, kept = request.form.get(CSRF_FIELD, ""), session.get(CSRF_FIELD, "")
    if not kept or not hmac.compare_digest(str(sent), str(kept)):
        raise FormExpired()


# --- headers and error pages ---------------------------------------------------------------------


def _headers(response: Any) -> Any:
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class FormExpired(BadRequest, WatcherError):
    """A POST without this session's CSRF token (an old tab, another site's form)."""

    description = "This form has expired or did not come from this site. Go back, reload the page and try again."


def _error_page(exc: HTTPException) -> Any:
    """Our page, in the page's language, with the headers the error carries (a 405's Allow). The
    office's pages keep the view's own words ("There is no finding 12.")."""
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    words = page_words()
    key = "error_form" if isinstance(exc, FormExpired) else f"error_{exc.code}"
    message = exc.description if office_page() and not isinstance(exc, FormExpired) else words.get(key)
    return (
        render_template("error.html", code=exc.code, message=message or exc.description or exc.name),
        exc.code,
        headers,
    )


# --- who is signed in -----------------------------------------------------------------------------


def sign_in_staff(uid: str) -> None:
    """Start a staff session (a fresh one: nothing of the session before carries over)."""
    _start(STAFF, uid)


def sign_in_office(uid: str) -> None:
    _start(OFFICE, uid)


def sign_out() -> None:
    """End the session here and on the server: a copy of the cookie no longer works."""
    if isinstance(session.get("sid"), str):
        web_state.close_session(db(), session["sid"])
    session.clear()


def _start(kind: str, uid: str) -> None:
    sign_out()
    session.permanent = True
    session[_KEYS[kind]] = uid
    session[f"{_KEYS[kind]}_at"] = now().isoformat()
    session["sid"] = web_state.open_session(db(), kind, uid, now=now())


def staff_required(view: F) -> F:
    """Only for a signed-in staff member, as ``g.person``; others are sent to the sign-up page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        person = people_store.person(db(), _fresh(STAFF, STAFF_SESSION, people_store.person_by_uid))
        if person is None:
            session.pop("staff", None)
            return redirect(url_for("staff.sign_up", expired=1))
        g.person = person
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def office_required(view: F) -> F:
    """Only for a signed-in office account, as ``g.admin``; others are sent to the sign-in page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        admin = _fresh(OFFICE, OFFICE_SESSION, admins_store.admin_by_uid)
        if admin is None:
            session.pop("admin", None)
            return redirect(url_for("office.sign_in", next=request.full_path if request.method == "GET" else None))
        g.admin = admin
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _fresh(kind: str, lifetime: timedelta, lookup: Callable) -> Any:
    """What ``lookup`` finds for the session's uid of ``kind`` while the session is younger than
    ``lifetime`` and has not been ended (signed out, password reset)."""
    uid, since, sid = session.get(_KEYS[kind]), session.get(f"{_KEYS[kind]}_at"), session.get("sid")
    if not isinstance(uid, str) or not isinstance(since, str) or not isinstance(sid, str):
        return None
    if not web_state.session_alive(db(), sid, kind, uid):
        return None
    try:
        started = datetime.fromisoformat(since)
    except ValueError:
        return None
    if not started <= now() < started + lifetime:
        return None
    return lookup(db(), uid)


def office_actor() -> str:
    """How the audit trail names the signed-in office account."""
    return f"office:{g.admin.email}"


# --- the throttle ---------------------------------------------------------------------------------


def client_address() -> str:
    return request.remote_addr or "unknown"


def allowed(bucket: str, limit: int, window: timedelta) -> bool:
    """Count one event in ``bucket``; False once ``limit`` events happened within ``window``."""
    return web_state.hit(db(), bucket, limit=limit, window=window, now=now())


def clear_throttle(bucket: str) -> None:
    web_state.clear(db(), bucket)
