"""The e-mail templates (``notifications/templates``), shared by alerts and the digest."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def template_environment() -> Environment:
    """The e-mail templates: HTML autoescaped, a missing value an error rather than a blank."""
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
