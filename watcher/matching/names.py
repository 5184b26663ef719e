"""Name normalisation, similarity and blocking.

A profile's display name and handle are read the way an impostor disguises a name (look-alike
letters from other scripts, invisible characters, fancy, full-width or small-capital letters,
emoji, digits and symbols for letters, doubled letters, a title and a role around the name,
"Last, First", a nickname, one letter off; the Unicode side is in name_folding.py) and compared
with each enrolled person's name and aliases. The score is structured, not a bag of words: the
surname and the (nickname- and initial-aware) given name are compared separately and combined
with ``min``, so sharing only a first name or only a surname never looks like the same name.
A given name one letter off another known given name ("Mario" for "María", "Mark" for "Mary")
is a different name, not a typo. Every score carries its reason in plain words for the e-mail.

Blocking (which people a profile is worth scoring against at all) is ``name_index.NameIndex``.

Names alone never make a finding (a namesake is not an impostor); see decision.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise, product
from typing import NamedTuple

from rapidfuzz.distance import OSA, Indel

from watcher.matching.name_folding import (
    fold,
    fold_word,
    has_inner_leet,
    is_number_word,
    leet_readings,
    mixes_scripts,
    prepare,
    skeleton,
    split_word,
    squeeze,
)
from watcher.matching.name_parts import canonicals_of, is_known_given_name, nicknames_of, split_name
from watcher.models import Person

TITLES = frozenset(
    """mr mrs ms mx miss dr prof profe profa professor maestra maestro teacher coach sr sra srta
    senor senora senorita jr""".split()
)
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "dos", "van", "von", "der", "di", "le"})
# Words after a comma that make it role text ("Maria Garcia, Teacher"), not "Last, First".
_ROLE_HINTS = TITLES | frozenset(
    """grade school elementary middle high district staff educator principal counselor librarian escuela
    official account fan parent mom dad mama papa""".split()
)
_ROLE_SPLIT = re.compile(r"\s+[-–—|•·/~]\s+|\s*[(\[{|]|:\s")
_PRONOUNS = re.compile(r"\b(?:she|he|they|ella|él|elle)\s*/\s*(?:her|hers|him|his|them|theirs|ella|él|elle)\b", re.I)
_MAX_READINGS = 12
_MAX_TOKENS = 8  # a display name longer than this is a sentence; its name comes first
_GENDERED_END = re.compile(r"[ao]$")
_BEST_NICKNAME_TYPO = 0.95 * 0.95  # a nickname with a doubled letter: nothing in the loop scores more

# Reasons, as the e-mail says them.
SAME = "the same name"
LOOKALIKE = "your name written with look-alike letters"
INVISIBLE = "your name with invisible characters"
LEET = "your name with digits for letters"
NO_ACCENTS = "your name without accents"
REORDERED = "your name reordered"
ONE_OFF = "one letter off"
TWO_OFF = "two letters off"
DOUBLED = "a letter doubled or left out"
INITIAL = "your initial and surname"
MIDDLE = "your middle name and surname"
ONE_SURNAME = "your name with one of your surnames"
SECOND_SURNAME = "your name with your second surname only"
EXTRA = "with extra words"
SURNAME_INITIAL = "your first name and the initial of your surname"
TITLE_SURNAME = "your title and surname only"
SURNAME_ONLY = "your surname only"
GIVEN_ONLY = "your first name only"
RUN_TOGETHER = "your name run together as a handle"
AS_HANDLE = "your name as a handle"
INSIDE = "your name inside a longer word"
DIFFERENT = "a different name"


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


# --- Reading a profile ---------------------------------------------------------------------------


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


# --- The enrolled side ---------------------------------------------------------------------------


class _Joined(NamedTuple):
    """A name run together as people write it in handles: "mariagarcia", "mgarcia", "pacohernandez"."""

    text: str
    weight: float
    reasons: tuple[str, ...]
    exact: bool  # an initial and a surname are one letter off the bare surname: no typos there
    given: str  # the given-name part ("maria"), so that "mariogarcia" is not taken for a typo of it
    given_first: bool  # "mariagarcia" rather than "garciamaria"


@dataclass(frozen=True, eq=False)
class _Variant:
    """One enrolled name or alias, folded and split, with everything the scorer compares."""

    written: str
    given: tuple[str, ...]  # folded given names, in order ("jose", "luis")
    related: tuple[dict[str, tuple[float, str]], ...]  # per given name: nickname → (weight, reason)
    surnames: tuple[str, ...]  # folded surnames, particles kept and joined ("delacruz")
    cores: tuple[str, ...]  # the same without particles ("cruz")
    accented: bool

    @cached_property
    def joined(self) -> dict[int, tuple[_Joined, ...]]:
        """The name run together, by length; made when first needed, not for every enrolled person."""
        by_length: dict[int, list[_Joined]] = {}
        for form in _joined_forms(self.given, self.related, self.surnames, self.cores):
            by_length.setdefault(len(form.text), []).append(form)
        return {length: tuple(forms) for length, forms in by_length.items()}

    @property
    def given_joined(self) -> str:
        return "".join(self.given)

    @cached_property
    def related_by_length(self) -> tuple[dict[int, tuple[tuple[str, float, str], ...]], ...]:
        """Per given name, its nicknames by length: a word is compared only with those near its own."""
        out = []
        for related in self.related:
            by_length: dict[int, list[tuple[str, float, str]]] = {}
            for name, (weight, reason) in related.items():
                by_length.setdefault(len(name), []).append((name, weight, reason))
            out.append({length: tuple(names) for length, names in by_length.items()})
        return tuple(out)

    def given_names(self) -> set[str]:
        names = set(self.given) | {self.given_joined}
        for related in self.related:
            names.update(related)
        return {n for n in names if n}


@lru_cache(maxsize=1 << 17)
def _variants(name: str, aliases: tuple[str, ...]) -> tuple[_Variant, ...]:
    """The person's name and each alias of two or more words; a one-word alias is a nickname."""
    nick_aliases = []
    full = [name]
    for alias in aliases:
        words = [w for w in fold(alias).split() if w not in TITLES]
        if len(words) == 1 and len(words[0]) >= 2:
            nick_aliases.append(alias.strip())
        elif len(words) >= 2:
            full.append(alias)
    texts = [(text, text) for text in dict.fromkeys(full)]
    # A name enrolled in Cyrillic or Greek is also compared as its look-alike skeleton, so that a
    # Latin "a" slipped into it ("Мaрия") still reads as the same name.
    texts += [(text, latin) for text in dict.fromkeys(full) if (latin := skeleton(text)) != text]
    out = [v for written, text in texts if (v := _variant(written, tuple(nick_aliases), text))]
    return tuple(out)


def _variant(written: str, nick_aliases: tuple[str, ...], text: str) -> _Variant | None:
    cleaned = " ".join(w for w in text.replace(",", " ").split() if fold(w) not in TITLES)
    given_units, surname_units = split_name(cleaned)
    given = tuple(_fold_unit(u) for u in given_units)
    surnames = tuple(_fold_unit(u) for u in surname_units)
    cores = tuple(_fold_unit(u, drop_particles=True) or _fold_unit(u) for u in surname_units)
    if not any(given) and not any(surnames):
        return None
    related = []
    for i, unit in enumerate(given_units):
        extra = nick_aliases if i == 0 else ()
        compound = " ".join(given_units[i:]) if i == 0 and len(given_units) > 1 else ""
        related.append(_related_names(unit, compound, extra))
    accented = any(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", written))
    return _Variant(written, given, tuple(related), surnames, cores, accented)


@lru_cache(maxsize=65536)
def _fold_unit(unit: str, *, drop_particles: bool = False) -> str:
    words = [w for raw in unit.replace("-", " ").split() for w in split_word(raw)]
    tokens = [fold_word(w)[0] for w in words]
    return "".join(t for t in tokens if not (drop_particles and t in PARTICLES))


def _related_names(unit: str, compound: str, nick_aliases: tuple[str, ...]) -> dict[str, tuple[float, str]]:
    """Nicknames both ways (Paco for Francisco, Francisco for Paco) and siblings (Pancho for Paco)."""
    own = _fold_unit(unit)
    related: dict[str, tuple[float, str]] = {}

    def add(name: str, weight: float, of: str = unit) -> None:
        folded = _fold_unit(name)
        if folded and folded != own and related.get(folded, (0.0, ""))[0] < weight:
            related[folded] = (weight, f"a nickname of your name ({name.title()} for {of.title()})")

    for source in (unit, compound):
        if source:
            for nick in nicknames_of(source):
                add(nick, 0.95, source)
    canonicals = _canonicals_of(own)
    for canonical in canonicals:
        add(canonical, 0.95)
        if len(canonicals) == 1:  # Pancho for Paco; but Beto (Alberto, Roberto…) has no siblings
            for sibling in nicknames_of(canonical):
                add(sibling, 0.9)
    for alias in nick_aliases:
        add(alias, 0.95)
    return related


def _canonicals_of(folded: str) -> tuple[str, ...]:
    return canonicals_of(folded)


def _joined_forms(
    given: tuple[str, ...],
    related: Sequence[dict[str, tuple[float, str]]],
    surnames: tuple[str, ...],
    cores: tuple[str, ...],
) -> list[_Joined]:
    """How people run a name together in a handle: mariagarcia, garciamaria, mgarcia, pacogarcia…"""
    if not given or not surnames:
        return []
    firsts: list[tuple[str, float, tuple[str, ...]]] = [(given[0], 1.0, ())]
    if len(given) > 1:
        firsts.append(("".join(given), 1.0, ()))
    firsts += [(nick, weight, (reason,)) for nick, (weight, reason) in related[0].items()]
    lasts: list[tuple[str, float, tuple[str, ...]]] = [("".join(surnames), 1.0, ())]
    if len(surnames) > 1:
        lasts += [(surnames[0], 0.97, (ONE_SURNAME,)), (cores[0], 0.97, (ONE_SURNAME,))]
    else:
        lasts.append((cores[0], 1.0, ()))
    forms: dict[str, tuple[float, tuple[str, ...], str, bool]] = {}

    def add(first: str, last: str, given_first: bool, weight: float, reasons: tuple[str, ...]) -> None:
        form = first + last if given_first else last + first
        if len(form) >= 4 and forms.get(form, (0.0,))[0] < weight:
            forms[form] = (weight, reasons, first, given_first)

    for (first, fw, fr), (last, lw, lr) in product(firsts, lasts):
        add(first, last, True, fw * lw, fr + lr)
        add(first, last, False, fw * lw * 0.95, (*fr, *lr, REORDERED))
    for last, lw, lr in lasts:
        add(given[0][:1], last, True, 0.85 * lw, (INITIAL, *lr))
        add(given[0][:1], last, False, 0.85 * 0.95 * lw, (INITIAL, *lr, REORDERED))
    return [
        _Joined(form, weight, reasons, INITIAL in reasons, first, given_first)
        for form, (weight, reasons, first, given_first) in forms.items()
    ]


# --- Scoring ---------------------------------------------------------------------------------------

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
