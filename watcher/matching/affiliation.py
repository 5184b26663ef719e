"""Does a profile claim to work for the district? Pure text rules, English and Spanish.

A claim needs two things: the district or a school named (fuzzily: "Noble Ave Elem" counts)
and a staff role (teacher, counselor, maestra, principal, "5th grade", …). Naming the school
as a parent, student, alum or fan is not a claim to be a member of staff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from watcher.matching.names import fold

ROLE_WORDS = frozenset(
    """teacher teachers teaching educator educators staff faculty principal counselor counsellor coach librarian
    nurse aide paraeducator para administrator admin superintendent instructor secretary custodian
    maestra maestro maestras maestros profesora profesor profe docente directora director consejera consejero
    orientadora orientador bibliotecaria bibliotecario enfermera enfermero entrenador entrenadora subdirector
    subdirectora asistente psychologist psicologa psicologo therapist specialist interventionist""".split()
)
ROLE_PHRASES = (
    re.compile(
        r"\b(?:k|kinder|kindergarten|pre ?k|tk|\d{1,2}(?:st|nd|rd|th)?|first|second|third|fourth|fifth|sixth)"
        r" grade\b"
    ),
    re.compile(r"\b(?:work|works|working|teach|teaches|trabajo|trabaja|ensen[oa]) (?:at|for|en|in)\b"),
    re.compile(r"\bgrado\b"),
)
NOT_STAFF_WORDS = frozenset(
    """parent parents mom mum dad mother father grandma grandpa guardian student students alum alumni alumna
    alumnus graduate grad fan fans supporter booster boosters padre padres madre mama papa abuela abuelo
    estudiante estudiantes alumno alumnos exalumno exalumna egresado egresada aficionado unofficial parody""".split()
)
ABBREVIATIONS = {
    "ave": "avenue", "av": "avenue", "elem": "elementary", "el": "elementary", "es": "elementary",
    "hs": "high school", "ms": "middle school", "jr": "junior", "sch": "school", "st": "street",
    "usd": "unified school district", "dist": "district", "mtn": "mountain", "mt": "mount",
}  # fmt: skip


@dataclass(frozen=True)
class Claim:
    places: tuple[str, ...]  # the district names or schools found, as configured
    roles: tuple[str, ...]  # staff-role words found
    not_staff: tuple[str, ...]  # parent / student / alum / fan words found

    @property
    def claims_staff(self) -> bool:
        return bool(self.places and self.roles)

    def in_words(self) -> str:
        role = self.roles[0] if self.roles else "staff"
        return f"the profile says it is a {role} at {', '.join(self.places)}"


def read_claim(text: str, places: Iterable[str]) -> Claim:
    """What a profile's name, handle and bio say about the district (``places``: names and schools)."""
    words = _expand(fold(text))
    found = [place for place in dict.fromkeys(places) if place.strip() and _mentions(words, _expand(fold(place)))]
    tokens = set(words.split())
    roles = sorted(tokens & ROLE_WORDS) + [m.group(0) for p in ROLE_PHRASES for m in p.finditer(words)]
    not_staff = sorted(tokens & NOT_STAFF_WORDS) + (["class of"] if re.search(r"\bclass of\b", words) else [])
    return Claim(tuple(found), tuple(dict.fromkeys(roles)), tuple(not_staff))


def _expand(folded: str) -> str:
    return " ".join(ABBREVIATIONS.get(word, word) for word in folded.split())


def _mentions(words: str, place: str) -> bool:
    """Whole-word mention, or a close fuzzy one for names of two words or more (typos, "Noble Ave Elem")."""
    if not place:
        return False
    if f" {place} " in f" {words} ":
        return True
    if len(place.split()) < 2 or len(place) < 8:
        return False
    return fuzz.partial_ratio(place, words) >= 90


GENERIC_SCHOOL_WORDS = frozenset(
    "elementary middle high school academy charter magnet center centre primary secondary junior senior "
    "preparatory prep community unified district k 8 escuela primaria secundaria "
    "stem steam continuation adult alternative".split()  # program kinds: "Marina Heights STEM Academy"
)


def school_core(school: str, min_words: int = 2) -> str | None:
    """A school's own name without the generic words ("Rio Seco" for Rio Seco Elementary), if
    distinctive enough to look for: ``min_words`` words or more (two to read a claim in a bio;
    one is enough for a search, whose results are matched anyway)."""
    words = [w for w in school.split() if fold(w) not in GENERIC_SCHOOL_WORDS]
    return " ".join(words) if len(words) >= max(1, min_words) else None
