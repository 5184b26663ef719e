"""The words of the staff pages, in English and Spanish (the office's pages are in English, like the
digest). Templates get them as ``w``: ``{{ w.sign_up_title }}``. The common ones are here, the pages'
own in words_staff.py and words_answers.py; both languages have every key (tests/test_web_staff.py checks)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, request, session

from watcher.models import Person
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
        "error_form": "This form has expired or did not come from this site. Go back, reload the page and try again.",
        "error_400": "This request cannot be answered. Go back and try again.",
        "error_404": "There is no such page.",
        "error_405": "This page cannot be used that way.",
        "error_413": "What you sent is too large: at most 10 MB a photo, 3 photos at a time.",
        "error_429": "Too many tries. Wait a few minutes and try again.",
        "error_500": "Something went wrong on our side. Try again in a moment.",
    },
    "es": {
        "site_name": "Identity Watch",
        "language": "Idioma",
        "sign_out": "Cerrar sesión",
        "error_title": "Algo salió mal",
        "back_home": "Volver al inicio",
        "error_form": (
            "Este formulario ha caducado o no viene de este sitio. Vuelva atrás, recargue la página e inténtelo de"
            " nuevo."
        ),
        "error_400": "No se puede atender esta petición. Vuelva atrás e inténtelo de nuevo.",
        "error_404": "Esta página no existe.",
        "error_405": "Esta página no se puede usar así.",
        "error_413": "Lo que envió es demasiado grande: 10 MB por foto como máximo, 3 fotos a la vez.",
        "error_429": "Demasiados intentos. Espere unos minutos e inténtelo de nuevo.",
        "error_500": "Algo salió mal en nuestro lado. Inténtelo de nuevo en un momento.",
    },
}

WORDS: dict[str, dict[str, str]] = {
    lang: {**_COMMON[lang], **STAFF_WORDS[lang], **ANSWER_WORDS[lang]} for lang in LANGUAGES
}


def page_language() -> str:
    """The signed-in person's language (once they chose one, enrolling); else the one picked
    (``?lang=es``, kept in the session); else the browser's preference between ours; else English."""
    if office_page():
        return "en"
    chosen = chosen_language(getattr(g, "person", None))
    if chosen:
        return chosen
    picked = request.args.get("lang")
    if picked in WORDS:
        session["lang"] = picked
        return picked
    if session.get("lang") in WORDS:
        return session["lang"]
    return request.accept_languages.best_match(list(WORDS)) or "en"


def chosen_language(person: Person | None) -> str | None:
    """The language a person chose (enrolling, or on the manage page); None while theirs is only the
    stored default, which the language they browse in overrides."""
    if person is None or person.language not in WORDS:
        return None
    return person.language if person.consented_at or person.language != "en" else None


def office_page() -> bool:
    """The office's pages are in English, and say their errors in their own words."""
    return request.blueprint in ("office", "overview")


def page_words() -> Mapping[str, str]:
    return WORDS[page_language()]
