"""The words of the staff pages, in English and Spanish (the office's pages are in English, like the
digest). Templates get them as ``w``: ``{{ w.sign_up_title }}``. The common ones are here, the pages'
own in words_staff.py and words_answers.py; both languages have every key (tests/test_web_staff.py checks)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, request, session

from watcher.web.words_answers import ANSWER_WORDS
from watcher.web.words_staff import STAFF_WORDS

LANGUAGES = {"en": "English", "es": "Español"}

_COMMON: dict[str, dict[str, str]] = {
    "en": {
        "site_name": "Identity Watch",
        "language": "Language",
        "sign_out": "Sign out",
        "error_title": "Something went wrong",
        "back_home": "Back to the start",
    },
    "es": {
        "site_name": "Identity Watch",
        "language": "Idioma",
        "sign_out": "Cerrar sesión",
        "error_title": "Algo salió mal",
        "back_home": "Volver al inicio",
    },
}

WORDS: dict[str, dict[str, str]] = {
    lang: {**_COMMON[lang], **STAFF_WORDS[lang], **ANSWER_WORDS[lang]} for lang in LANGUAGES
}


def page_language() -> str:
    """The signed-in person's language (once they chose one, enrolling); else the one picked
    (``?lang=es``, kept in the session); else the browser's preference between ours; else English."""
    if request.blueprint in ("office", "overview"):
        return "en"
    person = getattr(g, "person", None)
    if person is not None and person.language in WORDS and (person.consented_at or person.language != "en"):
        return person.language
    picked = request.args.get("lang")
    if picked in WORDS:
        session["lang"] = picked
        return picked
    if session.get("lang") in WORDS:
        return session["lang"]
    return request.accept_languages.best_match(list(WORDS)) or "en"


def page_words() -> Mapping[str, str]:
    return WORDS[page_language()]
