"""Reading a profile: every way a display name or handle may be read once its disguise is undone.

The Unicode side (fancy and look-alike letters, leetspeak, emoji) is in folding.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from watcher.matching.names.folding import (
    fold,
    fold_word,
    has_inner_leet,
    is_number_word,
    leet_readings,
    mixes_scripts,
    prepare,
    skeleton,
    split_word,
)

TITLES = frozenset(
    """mr mrs ms mx miss dr prof profe profa professor maestra maestro teacher coach sr sra srta
    senor senora senorita jr""".split()
)
# Words after a comma that make it role text ("Maria Garcia, Teacher"), not "Last, First".
_ROLE_HINTS = TITLES | frozenset(
    """grade school elementary middle high district staff educator principal counselor librarian escuela
    official account fan parent mom dad mama papa""".split()
)
_ROLE_SPLIT = re.compile(r"\s+[-–—|•·/~]\s+|\s*[(\[{|]|:\s")
_PRONOUNS = re.compile(r"\b(?:she|he|they|ella|él|elle)\s*/\s*(?:her|hers|him|his|them|theirs|ella|él|elle)\b", re.I)
_MAX_READINGS = 12
_MAX_TOKENS = 8  # a display name longer than this is a sentence; its name comes first


@lru_cache(maxsize=65536)
def normalise_name(display: str) -> str:
    """A display name reduced to the person's name: no titles or role text, look-alikes folded.

    The first of the readings ``name_score`` tries ("Garcia, Maria" reads "maria garcia").
    """
    readings = _display_readings(display)
    return " ".join(readings[0].tokens) if readings else ""


def mentions(text: str, terms: Iterable[str]) -> list[str]:
    """The terms (as given) that occur as whole words in ``text``, compared folded."""
    haystack = f" {fold(text)} "
    return [term for term in terms if fold(term) and f" {fold(term)} " in haystack]


@dataclass(frozen=True)
class _Reading:
    """One way to read a display name or handle: folded tokens and what was undone to get them."""

    tokens: tuple[str, ...]
    notes: frozenset[str]  # "lookalike", "invisible", "leet", "accented", "reordered", "title"


@lru_cache(maxsize=65536)
def _display_readings(display: str) -> tuple[_Reading, ...]:
    """The name part of a display name, read every way that may undo a disguise.

    Role text after a separator goes ("Maria Garcia - 5th grade teacher"); when the part before
    it is one word, the separator may be decoration between the names ("Maria • Garcia").
    """
    text, notes = prepare(display)
    text = _PRONOUNS.sub(" ", text)
    parts = [part for part in _ROLE_SPLIT.split(text) if part and any(ch.isalnum() for ch in part)]
    if not parts:
        return ()
    candidates = [parts[0]]
    if len(parts) > 1 and sum(any(ch.isalnum() for ch in word) for word in parts[0].split()) == 1:
        candidates.append(f"{parts[0]} {parts[1]}")
    out: list[_Reading] = []
    for candidate in candidates:
        for part, reordered in _comma_readings(candidate):
            extra = notes | ({"reordered"} if reordered else set())
            out.extend(_readings_of_words(part.split(), extra, camel=False))
    return _unique(out)


def _comma_readings(head: str) -> list[tuple[str, bool]]:
    """Read "Garcia, Maria" as "Last, First" and "Maria Garcia, Teacher" as a name and a role."""
    if "," not in head:
        return [(head, False)]
    before, after = (part.strip() for part in head.split(",", 1))
    after_words = fold(after).split()
    if not after_words or any(w in _ROLE_HINTS or is_number_word(w) for w in after_words):
        return [(before, False)]
    reordered = (f"{after} {before}", True)
    return [reordered, (before, False)] if len(before.split()) <= 3 else [(before, False), reordered]


@lru_cache(maxsize=65536)
def _handle_readings(handle: str) -> tuple[_Reading, ...]:
    """Bluesky domains ("jane.doe.bsky.social"), Mastodon ("jane@mastodon.social"), plain logins."""
    text, notes = prepare(handle.strip().lstrip("@"))
    text = text.split("@", 1)[0]
    labels = [label for label in text.split(".") if label]
    if not labels:
        return ()
    if len(labels) >= 3:
        bases = [labels[:-2]]  # "maria.bsky.social", "jane.doe.example.com"
    elif len(labels) == 2:
        bases = [labels[:-1], labels]  # "mariagarcia.com", "jane.doe"
    else:
        bases = [labels]
    out: list[_Reading] = []
    for base in bases:
        words = [w for label in base for w in re.split(r"[_\-\s]+", label) if w]
        out.extend(_readings_of_words(words, notes, camel=True))
    return _unique(out)


def _readings_of_words(words: list[str], notes: frozenset[str], *, camel: bool, whole: bool = False) -> list[_Reading]:
    """Every combination of the words' alternative spellings (capped), titles dropped.

    A name with a word that mixes scripts is also read with every look-alike letter mapped
    (``whole``): it may be a Cyrillic name with a Latin letter slipped in ("Мaрия Гарсия").
    """
    options: list[list[tuple[tuple[str, ...], frozenset[str]]]] = []
    split = [word for raw in words for word in split_word(raw)]
    spoofed = any(not word.isascii() and mixes_scripts(word) for word in split)
    disguised = spoofed or bool(notes & {"lookalike", "leet"}) or any(has_inner_leet(fold_word(w)[0]) for w in split)
    for word in split:
        alternatives = _word_alternatives(word, camel, disguised)
        if alternatives:
            options.append(alternatives)
    _cap_combinations(options)
    out = []
    for combo in product(*options) if options else ():
        tokens = [t for toks, _ in combo for t in toks]
        found = set(notes).union(*(n for _, n in combo))
        kept = tuple(t for t in tokens if t not in TITLES)
        if len(kept) < len(tokens):
            found.add("title")
        if kept:
            out.append(_Reading(kept[:_MAX_TOKENS], frozenset(found)))
    if spoofed and not whole:
        out += _readings_of_words([skeleton(w) for w in words], notes | {"lookalike"}, camel=camel, whole=True)
    return out


def _cap_combinations(options: list[list[tuple[tuple[str, ...], frozenset[str]]]]) -> None:
    """Drop the last spellings of the word with the most until the combinations are few.

    Each word's plainest spelling comes first and is always kept, so two words in leetspeak
    ("G4rc14", "M4r14") both keep their best readings.
    """
    total = 1
    for alternatives in options:
        total *= len(alternatives)
    while total > _MAX_READINGS:
        widest = max(options, key=len)
        total = total // len(widest) * (len(widest) - 1)
        widest.pop()


def _word_alternatives(word: str, camel: bool, disguised: bool) -> list[tuple[tuple[str, ...], frozenset[str]]]:
    """Folded spellings of one word; the first is the plainest reading."""
    folded, notes, whole_script = fold_word(word)
    out = [((t,), notes | more) for t, more in leet_readings(folded, disguised)]
    if whole_script:
        out += [((t,), notes | more | {"lookalike"}) for t, more in leet_readings(whole_script, True)]
    if camel:
        parts = re.findall(r"[A-Z][a-z]+|[a-z]+", word)
        if len(parts) > 1 and len("".join(parts)) == len(word):
            out.append((tuple(fold_word(p)[0] for p in parts), notes))
    return out


def _unique(readings: list[_Reading]) -> tuple[_Reading, ...]:
    seen: dict[tuple[str, ...], _Reading] = {}
    for reading in readings:
        seen.setdefault(reading.tokens, reading)
    return tuple(seen.values())
