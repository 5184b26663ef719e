"""Scoring: how much a profile's display name or handle looks like an enrolled person's name, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise, product

from rapidfuzz.distance import OSA, Indel

from watcher.matching.names.enrolled import PARTICLES, _Joined, _Variant, _variants
from watcher.matching.names.folding import squeeze
from watcher.matching.names.parts import is_known_given_name
from watcher.matching.names.reading import _display_readings, _handle_readings, _Reading
from watcher.matching.names.reasons import (
    AS_HANDLE,
    DIFFERENT,
    DOUBLED,
    EXTRA,
    GIVEN_ONLY,
    INITIAL,
    INSIDE,
    INVISIBLE,
    LEET,
    LOOKALIKE,
    MIDDLE,
    NO_ACCENTS,
    ONE_OFF,
    ONE_SURNAME,
    REORDERED,
    RUN_TOGETHER,
    SAME,
    SECOND_SURNAME,
    SURNAME_INITIAL,
    SURNAME_ONLY,
    TITLE_SURNAME,
    TWO_OFF,
)
from watcher.models import Person

_GENDERED_END = re.compile(r"[ao]$")
_BEST_NICKNAME_TYPO = 0.95 * 0.95  # a nickname with a doubled letter: nothing in the loop scores more


@dataclass(frozen=True)
class NameScore:
    score: float  # 0..1
    variant: str  # the enrolled name or alias that matched best, as written
    compared: str  # what of the profile it was compared with: "display name" or "handle"
    reason: str  # in plain words: "the same name", "your name written with look-alike letters; one letter off", …


def name_score(display_name: str, handle: str, person: Person) -> NameScore:
    """How much the profile's display name or handle looks like the person's name, and why.

    The best over the person's name and aliases and over every reading of the profile (a
    display name with a comma may be "Last, First" or "Name, Role"); ties go to the display name.
    """
    variants = _variants(person.name, tuple(person.aliases))
    best: tuple[float, int, str, str, tuple[str, ...]] = (0.0, 0, "", "", ())
    for compared, readings in (("display name", _display_readings(display_name)), ("handle", _handle_readings(handle))):
        for reading in readings:
            for variant in variants:
                score, reasons = _score_reading(reading, variant, compared == "handle")
                key = (score, -len(reasons))
                if key > best[:2]:
                    best = (score, -len(reasons), variant.written, compared, reasons)
    score, _, written, compared, reasons = best
    if not written:
        return NameScore(0.0, person.name, "display name", DIFFERENT)
    reason = "; ".join(dict.fromkeys(reasons)) if score >= 0.6 else DIFFERENT
    return NameScore(round(score, 4), written, compared, reason or SAME)


_NOTE_REASONS = (("lookalike", LOOKALIKE), ("invisible", INVISIBLE), ("leet", LEET))


def _score_reading(reading: _Reading, variant: _Variant, is_handle: bool) -> tuple[float, tuple[str, ...]]:
    score, reasons = _best_parse(reading.tokens, variant, "title" in reading.notes)
    if score <= 0:
        return 0.0, ()
    notes = reading.notes
    lead = tuple(text for note, text in _NOTE_REASONS if note in notes)
    if "reordered" in notes:
        score *= 0.98
        reasons = (*reasons, REORDERED)
    if variant.accented and "accented" not in notes and not is_handle:  # handles have no accents
        reasons = (*reasons, NO_ACCENTS)
    if is_handle and RUN_TOGETHER not in reasons:
        reasons = (*reasons, AS_HANDLE)
    return score, lead + reasons


@lru_cache(maxsize=65536)
def _best_parse(tokens: tuple[str, ...], variant: _Variant, titled: bool) -> tuple[float, tuple[str, ...]]:
    """The best way to read the tokens as this person's given name(s) and surname(s).

    Every window of consecutive tokens is tried as given + surname and as surname + given;
    tokens outside the window are extra words ("Maria Garcia Official") and cost a little each.
    """
    n = len(tokens)
    best: tuple[float, tuple[str, ...]] = (0.0, ())
    for start in range(n):
        for end in range(start + 1, min(n, start + 6) + 1):
            extra = n - (end - start)
            penalty = 0.95**extra
            window = tokens[start:end]
            candidates = []
            if len(window) == 1:
                candidates += _single_word(window[0], variant, titled)
            elif not variant.surnames:
                score, reasons = _given_sim(window, variant)
                candidates.append((score * 0.9, reasons))
            for cut in range(1, len(window)) if variant.surnames else ():
                for given, surname, weight, how in (
                    (window[:cut], window[cut:], 1.0, ()),
                    (window[cut:], window[:cut], 0.95, (REORDERED,)),
                ):
                    if len(given) > 3 or len(surname) > 4:
                        continue
                    g_score, g_reasons = _given_sim(given, variant)
                    if g_score <= 0:
                        continue
                    s_score, s_reasons = _surname_sim(surname, variant)
                    candidates.append((min(g_score, s_score) * weight, g_reasons + s_reasons + how))
            for score, reasons in candidates:
                score *= penalty
                if extra:
                    reasons = (*reasons, EXTRA)
                if (score, -len(reasons)) > (best[0], -len(best[1])):
                    best = (score, reasons)
    return best


def _single_word(word: str, variant: _Variant, titled: bool) -> list[tuple[float, tuple[str, ...]]]:
    """One word: a name run together, a surname alone ("Ms. Garcia") or a first name alone."""
    if not variant.surnames:
        score, reasons = _given_sim((word,), variant)
        return [(score * 0.9, reasons)]
    out = []
    surname, surname_reasons = _surname_sim((word,), variant)
    out.append((surname * (0.75 if titled else 0.6), (*surname_reasons, TITLE_SURNAME if titled else SURNAME_ONLY)))
    bare = surname >= 0.7 and len(word) <= max(map(len, variant.surnames))  # "garcia" is one off "mgarcia"
    if len(word) >= 5 and not bare:
        size = len(word)
        doubled = squeeze(word) != word
        for length, forms in variant.joined.items():
            near = abs(length - size) <= 2  # three edits or more: not this form
            if not near and not 8 <= length < size:
                continue
            for form in forms:
                score, how = 0.0, ()
                if near and form.exact:
                    score = float(word == form.text)
                elif near and (doubled or OSA.distance(word, form.text, score_cutoff=3) <= 2):
                    score, how = _token_sim(word, form.text)
                    if 0.75 < score < 1 and _another_given_name(word, form):
                        score, how = 0.0, ()
                if length >= 8 and score < 0.93 and form.text in word:  # "realmariagarcia"
                    score, how = 0.93, (INSIDE,)
                if score:
                    out.append((score * form.weight, (*form.reasons, *how, RUN_TOGETHER)))
    score, reasons = _given_sim((word,), variant)
    out.append((score * 0.6, (*reasons, GIVEN_ONLY)))
    return out


@lru_cache(maxsize=65536)
def _given_sim(words: tuple[str, ...], variant: _Variant) -> tuple[float, tuple[str, ...]]:
    """Given names: nickname- and initial-aware; middle names may be left out."""
    units = variant.given
    if not units:
        return 0.0, ()
    best: tuple[float, tuple[str, ...]] = (0.0, ())
    if len(words) > 1 or len(units) > 1:  # "Joseluis" for José Luis, "Ana Maria" for Anamaría
        joined = _token_sim("".join(words), variant.given_joined)
        pairs = zip(words, units, strict=True) if 0.55 < joined[0] < 1 and len(words) == len(units) else ()
        if not any(_other_name(word, unit) for word, unit in pairs):
            best = max(best, joined)
    if len(words) == 1 and len(units) > 1 and words[0] == "".join(u[:1] for u in units):  # "JL" for José Luis
        best = max(best, (0.85, (INITIAL,)))
    for plan in product(range(-1, len(units)), repeat=len(words)):
        used = [a for a in plan if a >= 0]
        if not used or any(b <= a for a, b in pairwise(used)):
            continue
        factor, sims, reasons, full, initials = 1.0, [], [], set(), set()
        for word, a in zip(words, plan, strict=True):
            if a < 0:
                factor *= 0.97 if len(word) == 1 else 0.95
                reasons.append(EXTRA)
                continue
            score, why, is_initial = _unit_sim(word, units[a], variant.related[a], variant.related_by_length[a])
            if score < 0.5:
                break
            (initials if is_initial else full).add(a)
            sims.append(score)
            reasons += why
        else:
            if full:
                score = min(sims)
                if 0 not in full:
                    score *= 0.97 if 0 in initials else 0.92
                    if 0 not in initials:
                        reasons.append(MIDDLE)
            else:
                score = (0.85 if 0 in initials else 0.8) * min(sims)
                reasons.append(INITIAL)
            candidate = (score * factor, tuple(reasons))
            if (candidate[0], -len(candidate[1])) > (best[0], -len(best[1])):
                best = candidate
    return best


def _unit_sim(
    word: str,
    unit: str,
    related: dict[str, tuple[float, str]],
    by_length: dict[int, tuple[tuple[str, float, str], ...]],
) -> tuple[float, tuple[str, ...], bool]:
    if len(word) == 1:  # an initial: of the name itself, or (a little less telling) of a nickname
        if word == unit[:1]:
            return 1.0, (), True
        return (0.97 if any(word == name[:1] for name in related) else 0.0), (), True
    best = _token_sim(word, unit)
    if 0.55 < best[0] < 1 and _other_name(word, unit):
        best = (min(best[0], 0.55), ())
    exact = related.get(word)
    if exact and exact[0] > best[0]:
        best = (exact[0], (exact[1],))
    if best[0] >= _BEST_NICKNAME_TYPO:
        return best[0], best[1], False
    size = len(word)
    reach = 2 if squeeze(word) != word else 1  # "Pacco" for Paco; otherwise one letter more or less
    for length in range(size - reach, size + reach + 1):
        for name, weight, reason in by_length.get(length, ()):
            if name == word:
                continue
            if (length >= 4 and abs(length - size) <= 1) or squeeze(word) == squeeze(name):  # "Pacco", "Tomm"
                score, why = _token_sim(word, name)
                if score >= 0.9 and score * weight > best[0] and not _other_name(word, name):
                    best = (score * weight, (reason, *why))
    return best[0], best[1], False


@lru_cache(maxsize=65536)
def _surname_sim(words: tuple[str, ...], variant: _Variant) -> tuple[float, tuple[str, ...]]:
    """Surnames: both (joined or apart), the first alone, the second alone (lower), or an initial."""
    surnames, cores = variant.surnames, variant.cores
    joined = "".join(words)
    if len(joined) == 1:
        return (0.75, (SURNAME_INITIAL,)) if joined in (surnames[0][:1], cores[0][:1]) else (0.0, ())
    plain = "".join(w for w in words if w not in PARTICLES) or joined
    candidates: list[tuple[float, tuple[str, ...]]] = []
    for text in dict.fromkeys((joined, plain)):
        candidates.append(_token_sim(text, "".join(surnames)))
        if len(surnames) > 1:
            for target in dict.fromkeys((surnames[0], cores[0])):
                score, why = _token_sim(text, target)
                candidates.append((score * 0.97, (*why, ONE_SURNAME)))
            score, why = _token_sim(text, cores[1])
            candidates.append((score * 0.85, (*why, SECOND_SURNAME)))
        else:
            candidates.append(_token_sim(text, cores[0]))
    if len(words) == len(surnames) > 1:
        pairs = [max(_token_sim(w, s), _token_sim(w, c)) for w, s, c in zip(words, surnames, cores, strict=True)]
        candidates.append((min(p[0] for p in pairs), tuple(r for p in pairs for r in p[1])))
    if len(words) > 1 and len(surnames) == 1:  # an unenrolled second surname, or a word after the name
        score, why = max(_token_sim(words[0], surnames[0]), _token_sim(words[0], cores[0]))
        candidates.append((score * 0.95 ** (len(words) - 1), (*why, EXTRA)))
    return max(candidates, key=lambda c: (c[0], -len(c[1])))


@lru_cache(maxsize=1 << 18)
def _token_sim(a: str, b: str) -> tuple[float, tuple[str, ...]]:
    """Typo-aware word similarity: one edit (a transposition counts as one) is a typo, two are not.

    A step function on purpose: "Garcia"/"Garcla" must stay high while "Garcia"/"Garza" (two
    edits) must fall below what a different person's name scores. Doubled letters are not edits
    ("Grregorio", "Guilermo", "Annna"), but a word of two letters stays itself ("Le" is not "Lee").
    """
    if a == b:
        return 1.0, ()
    if not a or not b:
        return 0.0, ()
    length = max(len(a), len(b))
    distance = OSA.distance(a, b, score_cutoff=3)
    if distance == 1:
        score, why = (0.92 if length >= 5 else 0.9 if length == 4 else 0.8), (ONE_OFF,)
    elif distance == 2:
        score, why = (0.78 if length >= 8 else 0.7 if length >= 5 else 0.5), (TWO_OFF,)
    else:
        score, why = min(0.55, Indel.normalized_similarity(a, b)), ()
    short_a, short_b = (squeeze(a), squeeze(b)) if distance <= 3 else (a, b)  # three letters doubled at most
    if (short_a != a or short_b != b) and min(len(short_a), len(short_b)) >= 3:
        if short_a == short_b:
            return 0.95, (DOUBLED,)
        if distance > 1 and max(len(short_a), len(short_b)) >= 4 and OSA.distance(short_a, short_b) == 1:
            return (0.9 if max(len(short_a), len(short_b)) >= 5 else 0.88), (DOUBLED, ONE_OFF)
    return score, why


@lru_cache(maxsize=1 << 16)
def _other_name(word: str, name: str) -> bool:
    """A given name a letter or two off another one, but itself another name, not a typo of it.

    The same name with the other gender's ending (Mario for María, Luis for Luisa, Paula for
    Paul), or two different known given names (Mark and Mary, Dana and Dina) unless they are
    spellings of one name (Katherine and Catherine, Sara and Sarah, Cristina and Christina).
    """
    short_word, short_name = squeeze(word), squeeze(name)
    if short_word == short_name:
        return False
    if _GENDERED_END.sub("", short_word) == _GENDERED_END.sub("", short_name):
        return True
    return is_known_given_name(word) and is_known_given_name(name) and _spelling(word) != _spelling(name)


def _another_given_name(word: str, form: _Joined) -> bool:
    """A handle that differs from a run-together name in the given name, by another name."""
    rest = form.text[len(form.given) :] if form.given_first else form.text[: -len(form.given)]
    if not rest or len(form.given) < 2:
        return False
    if form.given_first and word.endswith(rest):
        return _other_name(word[: -len(rest)], form.given)
    if not form.given_first and word.startswith(rest):
        return _other_name(word[len(rest) :], form.given)
    return False


_SPELLINGS = ((re.compile(r"ph"), "f"), (re.compile(r"h"), ""), (re.compile(r"[kq]"), "c"), (re.compile(r"y"), "i"))


@lru_cache(maxsize=8192)
def _spelling(name: str) -> str:
    """A name with spelling-only differences evened out: Katherine/Catherine, Sarah/Sara, Jon/John."""
    for pattern, letter in _SPELLINGS:
        name = pattern.sub(letter, name)
    return squeeze(name.replace("z", "s"))
