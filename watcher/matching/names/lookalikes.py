"""What Unicode TR39 says about a character: its script and the plain Latin letter(s) it is drawn like."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _rn_is_lookalike() -> bool:
    """TR39 lists "rn" as a look-alike of "m" ("rnaria"); read it from the data, not from memory."""
    return any(entry["c"] == "rn" for entry in _confusables().get("m", ()))


@lru_cache(maxsize=1)
def _confusables() -> dict[str, list[dict[str, str]]]:
    from confusable_homoglyphs import confusables

    return confusables.confusables_data


@lru_cache(maxsize=8192)
def script_of(ch: str) -> str:
    if ch.isascii():
        return "LATIN" if ch.isalpha() else "COMMON"
    from confusable_homoglyphs import categories

    return categories.alias(ch)


@lru_cache(maxsize=8192)
def ascii_lookalike(ch: str) -> str | None:
    """The plain Latin letter(s) that ``ch`` is confusable with, per Unicode TR39, or None.

    A capital is asked as itself (Greek "Ν" is an N, its "ν" a v), except that a capital listed as
    "l" is asked in lower case: Cyrillic "І" and Greek "Ι" are an I, their "і" and "ι" an i.
    """
    found = _listed_lookalike(ch)
    if ch != ch.lower() and found in (None, "l"):
        return _listed_lookalike(ch.lower()) or found
    return found


def _listed_lookalike(ch: str) -> str | None:
    for entry in _confusables().get(ch, ()):
        target = "".join(
            c for c in unicodedata.normalize("NFD", entry["c"]) if unicodedata.category(c) not in ("Mn", "Cf")
        )
        if target and target.isascii() and target.isalpha():
            return target
    return None
