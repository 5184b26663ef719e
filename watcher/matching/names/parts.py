"""The parts of a name: given names and surnames as Spanish and English names are written,
and nicknames from ``watcher/data/nicknames.csv`` (English and Spanish, both directions).

Every name in that table, canonical or nickname, is a known given name; a row may list no
nicknames ("dana,") only to make a name known, so that a name one letter off it ("Dina") is
not taken for a typo of it.

Shared by query planning (which names to search for) and name matching (which names count).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import lru_cache
from importlib import resources

# Words that join a surname to what follows ("de la Cruz"): part of the surname, never a name of their own.
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "dos", "van", "von", "der", "di", "le"})


def split_name(name: str) -> tuple[list[str], list[str]]:
    """(given names, surnames), read the way the district's mostly Spanish names are written.

    Particles stay with their surname ("de la Cruz"); a hyphenated surname counts as two;
    three or more parts are given name(s) + two surnames, unless the second part is itself a
    common given name ("José Luis Torres").
    """
    units: list[str] = []
    pending: list[str] = []
    for word in name.split():
        if word.lower() in PARTICLES:
            pending.append(word)
        else:
            units.append(" ".join([*pending, word]))
            pending = []
    if len(units) < 2:
        return units, []
    if len(units) >= 3 and _initial(units[-2]):  # "Patricia K. Anderson": a middle initial, not a surname
        return units[:-1], units[-1:]
    if "-" in units[-1]:
        return units[:-1], [part for part in units[-1].split("-") if part]
    if len(units) == 3 and (plain_ascii(units[1]) in _COMPOUND_SECOND or _marian(units[0], units[1])):
        return units[:2], units[2:]
    if len(units) >= 3:
        return units[:-2], units[-2:]
    return units[:1], units[1:]


def _initial(unit: str) -> bool:
    """A middle initial as rosters write it: one letter, with or without its full stop."""
    return len(unit.rstrip(".")) == 1 and unit[0].isalpha()


def _marian(first: str, second: str) -> bool:
    """ "María del Carmen", "María de los Ángeles": a given name with its particle, not a surname."""
    words = second.split()
    return (
        plain_ascii(first) in ("maria", "ma")
        and len(words) > 1
        and words[0].lower() in PARTICLES
        and plain_ascii(words[-1]) in _MARIAN_SECOND
    )


# Marian given names written with a particle; rarely surnames ("de la Cruz", "de la Paz" are, so not here).
_MARIAN_SECOND = frozenset(
    {"carmen", "angeles", "luz", "rosario", "jesus", "pilar", "lourdes", "socorro", "guadalupe", "refugio",
     "consuelo", "dolores", "mercedes", "soledad", "asuncion", "concepcion", "fatima", "rocio", "montserrat",
     "remedios", "lujan", "mar"}
)  # fmt: skip


# Second parts of common compound given names (José Luis, María José, Juan Carlos, Ana Sofía…).
_COMPOUND_SECOND = frozenset(
    {
        "luis",
        "antonio",
        "manuel",
        "carlos",
        "maria",
        "jose",
        "angel",
        "miguel",
        "juan",
        "pablo",
        "eduardo",
        "francisco",
        "alberto",
        "fernando",
        "guadalupe",
        "elena",
        "isabel",
        "teresa",
        "carmen",
        "luisa",
        "cristina",
        "fernanda",
        "jesus",
        "sofia",
        "lucia",
        "paula",
        "andrea",
        "alejandro",
        "javier",
        "ramon",
        "enrique",
    }
)


@lru_cache(maxsize=1)
def _nickname_table() -> dict[str, tuple[str, ...]]:
    text = resources.files("watcher").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    table: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        names = [n.strip() for n in row["nicknames"].split(";") if n.strip()]
        table.setdefault(casefold_key(strip_accents(row["name"])), []).extend(names)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


def nicknames_of(given: str) -> tuple[str, ...]:
    """Nicknames and hypocorisms (English and Spanish) of a given name, from watcher/data/nicknames.csv."""
    return _nickname_table().get(casefold_key(strip_accents(given)), ())


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def canonicals_of(nickname: str) -> tuple[str, ...]:
    """The given names a nickname stands for (Paco → francisco, Beto → alberto, roberto)."""
    return _reverse_table().get(casefold_key(strip_accents(nickname)), ())


@lru_cache(maxsize=1)
def _reverse_table() -> dict[str, tuple[str, ...]]:
    reverse: dict[str, list[str]] = {}
    for canonical, nicknames in _nickname_table().items():
        for nickname in nicknames:
            reverse.setdefault(casefold_key(strip_accents(nickname)), []).append(canonical)
    return {k: tuple(dict.fromkeys(v)) for k, v in reverse.items()}


def is_known_given_name(folded: str) -> bool:
    """Whether a folded word ("mario", "mary") is a given name or nickname of the table, or a
    common second part of a compound name; one letter off another such name is not a typo of it."""
    return folded in _known_given_names()


@lru_cache(maxsize=1)
def _known_given_names() -> frozenset[str]:
    names = set(_COMPOUND_SECOND)
    for canonical, nicknames in _nickname_table().items():
        names.update(plain_ascii(n) for n in (canonical, *nicknames) if " " not in n)
    return frozenset(names)


def plain_ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only: "José-Luis" → "joseluis" (handles are spelled so)."""
    return re.sub(r"[^a-z0-9]", "", strip_accents(text).lower())


def casefold_key(text: str) -> str:
    """The form two spellings share when they differ only in case, width or spacing."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
