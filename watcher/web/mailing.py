"""E-mails the web front sends while someone waits (sign-in links), written and sent once the page
has been answered. Looking the address up, writing the message, queueing and delivering it all
happen after the answer, so that the sign-up page takes as long for an address on the roster (which
gets a mail) as for one that is not: its timing must not tell who works for the district. Queued in
the outbox like every message: when the mail server is down the delivery job of ``watcher run``
retries it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage

from flask import Response, after_this_request

from storage import outbox as outbox_store
from watcher.errors import WatcherError
from watcher.pipeline import deliver_outbox
from watcher.web.context import WebContext, context

log = logging.getLogger("watcher.web")


def after_response(work: Callable[[WebContext], None], what: str) -> None:
    """Run ``work`` (with the application's context: config, database, clock) once this request's
    answer has been sent; a failure is logged, never shown to anyone."""
    web = context()

    @after_this_request
    def afterwards(response: Response) -> Response:
        response.call_on_close(lambda: _run(web, work, what))
        return response


def send(web: WebContext, message: EmailMessage, *, kind: str, person_id: int | None = None) -> int | None:
    """Queue ``message`` and hand it (only it) to the transport now; returns its outbox id."""
    outbox_id = outbox_store.enqueue_message(web.db(), message, kind=kind, person_id=person_id)
    if outbox_id is not None:
        try:
            if deliver_outbox(web.config, web.db(), ids=[outbox_id]).sent != 1:
                log.warning("%s e-mail %s queued, not yet delivered", kind, outbox_id)
        except (WatcherError, OSError) as exc:
            log.warning("%s e-mail %s queued, not yet delivered: %s", kind, outbox_id, exc)
    return outbox_id


def _run(web: WebContext, work: Callable[[WebContext], None], what: str) -> None:
    try:
        work(web)
    except Exception:  # after the answer nobody is there to see it: log it, keep serving
        log.exception("%s failed", what)
