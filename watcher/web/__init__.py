"""The web front (``watcher web``): staff enrol themselves and answer their alerts; the communications
office reviews findings. Flask, with the Jinja2 the e-mails use; served by waitress (watcher/web/serve.py).

``create_app`` wires it: the context (config, database per thread, clock), the guard (CSRF, headers,
sessions, proxies), the staff pages (staff.py), the pages alert links open (answers.py), and the
office's: sign-in and findings (office.py, office_findings.py), dashboard, people and logos (overview.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from watcher.config import Config
from watcher.web import guard
from watcher.web.context import WebContext, local_time
from watcher.web.words import LANGUAGES, page_language, page_words


def create_app(config: Config, *, clock: Callable[[], datetime] | None = None) -> Flask:
    """The WSGI application over ``config``'s database; ``clock`` (UTC, aware) for tests."""
    from watcher.web import office_findings  # noqa: F401 - its routes are on the office blueprint
    from watcher.web.answers import answers
    from watcher.web.office import office
    from watcher.web.overview import overview
    from watcher.web.staff import staff

    app = Flask(__name__, static_folder="static", template_folder="templates")
    context = WebContext(config, clock)
    app.extensions["watcher"] = context
    guard.install(app, context)
    app.context_processor(
        lambda: {
            "w": page_words(),
            "lang": page_language(),
            "district": config.district.name,
            "languages": LANGUAGES,
            "local_time": local_time,
        }
    )
    for blueprint in (staff, answers, office, overview):
        app.register_blueprint(blueprint)
    return app
