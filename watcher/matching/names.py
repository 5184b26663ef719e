"""Name normalisation and similarity.

The walking-skeleton scorer: token-sorted rapidfuzz ratio on folded names,
plus the handle compared with the name written as one word. Names alone never
make a finding (a namesake is not an impostor); see decision.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "prof", "profe", "maestra", "maestro", "teacher", "coach", "sr", "sra"}
)
_ROLE_SPLIT = re.compile(r"\s+[-|–—]\s+|\s*\(")
_NOT_LETTER = re.compile(r"[^\w]+|_")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC, drop format characters and accents, casefold, keep letters and digits."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) not in ("Mn", "Cf"))
    text = _NOT_LETTER.sub(" ", text.casefold())
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def normalise_name(display: str) -> str:
    """A display name reduced to the person's name: no titles, no trailing role text.

    Cached: every profile is compared with every enrolled name, so the same strings recur.
    """
    head = _ROLE_SPLIT.split(display, maxsplit=1)[0]
    if "," in head:
        before, after = (part.strip() for part in head.split(",", 1))
        # "Garcia, Maria" is a reordered name; "Maria Garcia, Teacher" carries a role.
        head = f"{after} {before}" if len(before.split()) == 1 and after else before
    words = [w for w in fold(head).split() if w not in TITLES]
    return " ".join(words)


@dataclass(frozen=True)
class NameScore:
    score: float  # 0..1
    variant: str  # the enrolled name or alias that matched best
    compared: str  # what of the profile it was compared with: "display name" or "handle"


def name_score(display_name: str, handle: str, variants: Iterable[str]) -> NameScore:
    """Best similarity of a profile's display name or handle to any enrolled variant."""
    shown = normalise_name(display_name)
    handle_word = fold(handle.split(".")[0]).replace(" ", "")
    best = NameScore(0.0, "", "")
    for variant in variants:
        target = normalise_name(variant)
        if not target:
            continue
        if shown:
            score = fuzz.token_sort_ratio(shown, target) / 100
            if score > best.score:
                best = NameScore(score, variant, "display name")
        if len(handle_word) >= 4:
            score = fuzz.ratio(handle_word, target.replace(" ", "")) / 100
            if score > best.score:
                best = NameScore(score, variant, "handle")
    return best


def mentions(text: str, terms: Iterable[str]) -> list[str]:
    """The terms (as given) that occur as whole words in ``text``, compared folded."""
    haystack = f" {fold(text)} "
    return [term for term in terms if fold(term) and f" {fold(term)} " in haystack]
