"""Name normalisation, similarity and blocking.

A profile's display name and handle are read the way an impostor disguises a name (look-alike
letters from other scripts, invisible characters, fancy or full-width letters, digits for letters,
a title and a role around the name, "Last, First", a nickname, one letter off) and compared with
each enrolled person's name and aliases. The score is structured, not a bag of words: the surname
and the (nickname- and initial-aware) given name are compared separately and combined with
``min``, so sharing only a first name or only a surname never looks like the same name. Every
score carries its reason in plain words for the e-mail.

``NameIndex`` blocks: a profile is scored only against people whose surname it contains (within
one letter, or sounding alike) and whose given name, nickname or initial it also shows.

Names alone never make a finding (a namesake is not an impostor); see decision.py.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise, product
from typing import NamedTuple

from rapidfuzz.distance import OSA, Indel

from watcher.matching.name_parts import canonicals_of, nicknames_of, split_name
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
_NOT_LETTER = re.compile(r"[^\w]+|_")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|o|a|er|ero|era|do|da|vo|va)$")
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_APOSTROPHES = frozenset("'’ʼ`´")
_MAX_READINGS = 8
_MAX_TOKENS = 8  # a display name longer than this is a sentence; its name comes first

# Reasons, as the e-mail says them.
SAME = "the same name"
LOOKALIKE = "your name written with look-alike letters"
INVISIBLE = "your name with invisible characters"
LEET = "your name with digits for letters"
NO_ACCENTS = "your name without accents"
REORDERED = "your name reordered"
ONE_OFF = "one letter off"
TWO_OFF = "two letters off"
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
def fold(text: str) -> str:
    """NFKC, drop format characters and accents, casefold, keep letters and digits."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) not in ("Mn", "Cf"))
    text = _NOT_LETTER.sub(" ", text.casefold())
    return " ".join(text.split())


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


class NameIndex:
    """Blocking for names: which people a profile is worth scoring against.

    A score reaches 0.85 only if the surname matches within one letter and the given name,
    a nickname or an initial shows too. So people are found by their surnames (exact, every
    one-letter deletion, and a sound-alike key; joined handles are cut at every point) and then
    kept only if the profile shows one of their given names, nicknames or initials (a first
    letter may be the one off: "~" keys hold a name without its first one or two letters).
    """

    def __init__(self, people: Sequence[Person]) -> None:
        self._by_key: dict[str, set[int]] = {}
        self._given: dict[int, frozenset[str]] = {}
        self._anyone: set[int] = set()  # people enrolled with one word only: no given-name filter
        for person in people:
            variants = _variants(person.name, tuple(person.aliases))
            given: set[str] = set()
            for variant in variants:
                forms = _surname_forms(variant) or {variant.given_joined}
                if not variant.surnames:
                    self._anyone.add(person.id)
                for form in forms:
                    for key in _surname_keys(form):
                        self._by_key.setdefault(key, set()).add(person.id)
                for name in variant.given_names():
                    given.update(_given_keys(name))
            self._given[person.id] = frozenset(sys.intern(k) for k in given)  # the same keys recur

    def candidates(self, display_name: str, handle: str) -> set[int]:
        """Ids of the people this profile may be named after (a superset of those scoring ≥ 0.85)."""
        hits: set[int] = set()
        shown: set[str] = set()
        for reading in (*_display_readings(display_name), *_handle_readings(handle)):
            tokens = reading.tokens
            for token in tokens:
                shown.update(_given_query_keys(token))
            for size in (1, 2, 3):
                for start in range(len(tokens) - size + 1):
                    self._lookup("".join(tokens[start : start + size]), hits)
            for token in tokens:
                if len(token) >= 6:  # a name run together: "mariagarcia", "garciamaria", "mgarcia"
                    for cut in range(1, len(token)):
                        head, tail = token[:cut], token[cut:]
                        if self._lookup(tail, hits, min_len=3):
                            shown.update(_given_query_keys(head))
                        if self._lookup(head, hits, min_len=3):
                            shown.update(_given_query_keys(tail))
        return {pid for pid in hits if pid in self._anyone or not self._given[pid].isdisjoint(shown)}

    def _lookup(self, word: str, hits: set[int], min_len: int = 2) -> bool:
        if len(word) < min_len:
            return False
        found = False
        for key in _surname_keys(word):
            ids = self._by_key.get(key)
            if ids:
                hits |= ids
                found = True
        return found


# --- Reading a profile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """One way to read a display name or handle: folded tokens and what was undone to get them."""

    tokens: tuple[str, ...]
    notes: frozenset[str]  # "lookalike", "invisible", "leet", "accented", "reordered", "title"


@lru_cache(maxsize=65536)
def _display_readings(display: str) -> tuple[_Reading, ...]:
    text, notes = _prepare(display)
    head = _ROLE_SPLIT.split(text, maxsplit=1)[0]
    heads = [(head, False)]
    if "," in head:
        before, after = (part.strip() for part in head.split(",", 1))
        after_words = fold(after).split()
        if not after_words or any(w in _ROLE_HINTS or w.isdigit() or _ORDINAL.match(w) for w in after_words):
            heads = [(before, False)]
        else:
            reordered = (f"{after} {before}", True)
            heads = [reordered, (before, False)] if len(before.split()) <= 3 else [(before, False), reordered]
    out: list[_Reading] = []
    for part, reordered in heads:
        extra = notes | ({"reordered"} if reordered else set())
        out.extend(_readings_of_words(part.split(), extra, camel=False))
    return _unique(out)


@lru_cache(maxsize=65536)
def _handle_readings(handle: str) -> tuple[_Reading, ...]:
    """Bluesky domains ("jane.doe.bsky.social"), Mastodon ("jane@mastodon.social"), plain logins."""
    text, notes = _prepare(handle.strip().lstrip("@"))
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


def _prepare(text: str) -> tuple[str, set[str]]:
    """NFKC (full-width and mathematical letters become plain), invisible characters dropped."""
    notes: set[str] = set()
    if any(unicodedata.category(ch) == "Cf" for ch in text):
        notes.add("invisible")
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if not text.isascii() and any(_compat_letter(ch) for ch in text):
        notes.add("lookalike")
    return _PRONOUNS.sub(" ", unicodedata.normalize("NFKC", text)), notes


@lru_cache(maxsize=4096)
def _compat_letter(ch: str) -> bool:
    """A full-width, mathematical or other fancy form of a plain letter ("Ｍ", "𝐌")."""
    if not ch.isalpha() or ch.isascii():
        return False
    plain = unicodedata.normalize("NFKC", ch)
    return plain != ch and plain.isascii()


def _readings_of_words(words: list[str], notes: set[str], *, camel: bool, whole: bool = False) -> list[_Reading]:
    """Every combination of the words' alternative spellings (capped), titles dropped.

    A name with a word that mixes scripts is also read with every look-alike letter mapped
    (``whole``): it may be a Cyrillic name with a Latin letter slipped in ("Мaрия Гарсия").
    """
    options: list[list[tuple[tuple[str, ...], frozenset[str]]]] = []
    spoofed = False
    for raw in words:
        for word in _split_word(raw):
            spoofed = spoofed or (not word.isascii() and _mixes_scripts(word))
            alternatives = _word_alternatives(word, camel)
            if alternatives:
                options.append(alternatives)
    total = 1
    for i, alternatives in enumerate(options):
        if total * len(alternatives) > _MAX_READINGS:
            options[i] = alternatives[:1]
        total *= len(options[i])
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
        out += _readings_of_words([_skeleton(w) for w in words], notes | {"lookalike"}, camel=camel, whole=True)
    return out


def _mixes_scripts(word: str) -> bool:
    return len({_script(ch) for ch in word if ch.isalpha()} - {"COMMON", "INHERITED"}) > 1


def _split_word(raw: str) -> list[str]:
    """Letters, digits and inner @/$ make words; apostrophes join; emoji and symbols vanish."""
    words: list[str] = []
    current: list[str] = []
    for ch in raw:
        category = unicodedata.category(ch)
        if category[0] in "LMN" or ch in "@$":
            current.append(ch)
        elif ch in _APOSTROPHES or category[0] == "S" or category == "Cf":
            continue
        else:
            words.append("".join(current))
            current = []
    words.append("".join(current))
    return [w.strip("@$") for w in words if w.strip("@$")]


def _word_alternatives(word: str, camel: bool) -> list[tuple[tuple[str, ...], frozenset[str]]]:
    """Folded spellings of one word; the first is the plainest reading."""
    folded, notes, whole_script = _fold_word(word)
    out = [((t,), notes | leet) for t, leet in _leet(folded)]
    if whole_script:
        out += [((t,), notes | leet | {"lookalike"}) for t, leet in _leet(whole_script)]
    if camel:
        parts = re.findall(r"[A-Z][a-z]+|[a-z]+", word)
        if len(parts) > 1 and len("".join(parts)) == len(word):
            out.append((tuple(_fold_word(p)[0] for p in parts), notes))
    return out


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> tuple[str, frozenset[str], str]:
    """(folded word, notes, whole-script look-alike reading or "").

    Look-alike letters are mapped to Latin (Unicode TR39 data) only in words that mix scripts:
    a genuine Cyrillic or Greek name stays itself. A word all in another script whose every
    letter has a Latin twin ("Масо") also gets the Latin reading, as a second reading.
    """
    notes: set[str] = set()
    scripts = {_script(ch) for ch in word if ch.isalpha()} - {"COMMON", "INHERITED"}
    mixed = len(scripts) > 1  # the same as _mixes_scripts(word)
    whole = ""
    chars = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.category(ch) == "Mn":
            if chars and chars[-1].isascii():
                notes.add("accented")
            continue
        if ch.isascii() or not ch.isalpha():
            chars.append(ch)
            continue
        script = _script(ch)
        latin = _ascii_lookalike(ch) if (mixed or script == "LATIN") else None
        if latin:
            if script != "LATIN":
                notes.add("lookalike")
            chars.append(latin)
        else:
            chars.append(ch)
    folded = "".join(chars).casefold()
    if not mixed and scripts and "LATIN" not in scripts:
        twins = [_ascii_lookalike(ch) for ch in word if ch.isalpha()]
        if all(twins):
            whole = "".join(twins).casefold()
    return folded, frozenset(notes), whole


def _leet(token: str) -> list[tuple[str, frozenset[str]]]:
    """Spellings of a token with digits: 0→o, 1→i or l, 3→e, 4→a, 5→s, 7→t inside; years dropped.

    A token that is only a number or an ordinal ("5th") is no part of a name. A digit at the
    edge may be a letter ("Mari4") or a number ("maria2"): both readings are kept.
    """
    if not any(ch.isdigit() or ch in "@$" for ch in token):
        out = [(token, frozenset())]
    elif token.isdigit() or _ORDINAL.match(token):
        return []
    else:
        core = re.sub(r"^\d{2,}|\d{2,}$", "", token)  # "garcia1985", "2024maria"
        out = []
        stripped = core.strip("0123456789")
        if stripped != core and stripped.isalpha():
            out.append((stripped, frozenset()))
        if any(ch.isdigit() or ch in "@$" for ch in core):
            for one in ("i", "l"):
                mapped = "".join(_LEET.get(ch, one if ch == "1" else "" if ch.isdigit() else ch) for ch in core)
                out.append((mapped, frozenset({"leet"})))
        else:
            out.append((core, frozenset()))
    unique: dict[str, frozenset[str]] = {}
    for text, notes in out:
        if any(ch.isalpha() for ch in text):
            unique.setdefault(text, notes)
    out = list(unique.items())
    if _rn_is_lookalike():
        out += [(t.replace("rn", "m"), n | {"lookalike"}) for t, n in out if "rn" in t]
    return out


@lru_cache(maxsize=1)
def _rn_is_lookalike() -> bool:
    """TR39 lists "rn" as a look-alike of "m" ("rnaria"); read it from the data, not from memory."""
    return any(entry["c"] == "rn" for entry in _confusables().get("m", ()))


@lru_cache(maxsize=1)
def _confusables() -> dict[str, list[dict[str, str]]]:
    from confusable_homoglyphs import confusables

    return confusables.confusables_data


@lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    if ch.isascii():
        return "LATIN" if ch.isalpha() else "COMMON"
    from confusable_homoglyphs import categories

    return categories.alias(ch)


@lru_cache(maxsize=8192)
def _ascii_lookalike(ch: str) -> str | None:
    """The plain Latin letter(s) that ``ch`` is confusable with, per Unicode TR39, or None.

    The lower case is asked first: Cyrillic "І" is listed as "l" but its "і" as "i".
    """
    data = _confusables()
    for candidate in dict.fromkeys((ch.lower(), ch)):
        for entry in data.get(candidate, ()):
            target = "".join(
                c for c in unicodedata.normalize("NFD", entry["c"]) if unicodedata.category(c) not in ("Mn", "Cf")
            )
            if target and target.isascii() and target.isalpha():
                return target
    return None


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
    texts += [(text, skeleton) for text in dict.fromkeys(full) if (skeleton := _skeleton(text)) != text]
    out = [v for written, text in texts if (v := _variant(written, tuple(nick_aliases), text))]
    return tuple(out)


def _skeleton(text: str) -> str:
    """Every letter of another script that has a plain Latin twin replaced by it."""
    return "".join(
        (_ascii_lookalike(ch) or ch) if ch.isalpha() and _script(ch) not in ("LATIN", "COMMON") else ch for ch in text
    )


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
    words = [w for raw in unit.replace("-", " ").split() for w in _split_word(raw)]
    tokens = [_fold_word(w)[0] for w in words]
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
    forms: dict[str, tuple[float, tuple[str, ...]]] = {}

    def add(form: str, weight: float, reasons: tuple[str, ...]) -> None:
        if len(form) >= 4 and forms.get(form, (0.0,))[0] < weight:
            forms[form] = (weight, reasons)

    for (first, fw, fr), (last, lw, lr) in product(firsts, lasts):
        add(first + last, fw * lw, fr + lr)
        add(last + first, fw * lw * 0.95, (*fr, *lr, REORDERED))
    for last, lw, lr in lasts:
        add(given[0][:1] + last, 0.85 * lw, (INITIAL, *lr))
        add(last + given[0][:1], 0.85 * 0.95 * lw, (INITIAL, *lr, REORDERED))
    return [_Joined(form, weight, reasons, INITIAL in reasons) for form, (weight, reasons) in forms.items()]


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
        for length, forms in variant.joined.items():
            near = abs(length - size) <= 2  # three edits or more: not this form
            if not near and not 8 <= length < size:
                continue
            for form in forms:
                if near:
                    score, how = _token_sim(word, form.text) if not form.exact else (float(word == form.text), ())
                else:
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
        best = max(best, _token_sim("".join(words), variant.given_joined))
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
            score, why, is_initial = _unit_sim(word, units[a], variant.related[a])
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


def _unit_sim(word: str, unit: str, related: dict[str, tuple[float, str]]) -> tuple[float, tuple[str, ...], bool]:
    if len(word) == 1:  # an initial: of the name itself, or (a little less telling) of a nickname
        if word == unit[:1]:
            return 1.0, (), True
        return (0.97 if any(word == name[:1] for name in related) else 0.0), (), True
    best = _token_sim(word, unit)
    for name, (weight, reason) in related.items():
        if word == name:
            score, why = weight, (reason,)
        elif len(name) >= 4 and abs(len(name) - len(word)) <= 1:
            score, why = _token_sim(word, name)
            if score < 0.9:
                continue
            score, why = score * weight, (reason, *why)
        else:
            continue
        if score > best[0]:
            best = (score, why)
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
    edits) must fall below what a different person's name scores.
    """
    if a == b:
        return 1.0, ()
    if not a or not b:
        return 0.0, ()
    length = max(len(a), len(b))
    distance = OSA.distance(a, b, score_cutoff=2)
    if distance == 1:
        return (0.92 if length >= 5 else 0.9 if length == 4 else 0.8), (ONE_OFF,)
    if distance == 2:
        return (0.78 if length >= 8 else 0.7 if length >= 5 else 0.5), (TWO_OFF,)
    return min(0.55, Indel.normalized_similarity(a, b)), ()


# --- Blocking keys -----------------------------------------------------------------------------------


def _surname_forms(variant: _Variant) -> set[str]:
    forms = set(variant.surnames) | set(variant.cores)
    if len(variant.surnames) > 1:
        forms.add("".join(variant.surnames))
    return {f for f in forms if f}


@lru_cache(maxsize=65536)
def _surname_keys(word: str) -> tuple[str, ...]:
    """The word, each one-letter deletion of it (so any one edit meets), and a sound-alike key."""
    keys = {"=" + word}
    if len(word) >= 4:
        keys.update("=" + word[:i] + word[i + 1 :] for i in range(len(word)))
    sound = _phonetic(word)
    if len(sound) >= 3:
        keys.add("~" + sound)
    return tuple(keys)


def _given_keys(name: str) -> set[str]:
    """A given name's first letter, and the name without its first one or two letters."""
    keys = {name[:1]}
    if len(name) >= 3:
        keys.update({"~" + name[1:], "≈" + name[2:]})
    return keys


@lru_cache(maxsize=65536)
def _given_query_keys(word: str) -> tuple[str, ...]:
    """Meets ``_given_keys`` of every given name within one edit, whatever letter the edit is on."""
    if not word:
        return ()
    keys = {word[:1], "~" + word, "~" + word[1:], "~" + word[2:], "≈" + word[2:]}
    return tuple(keys)


_SOUNDS = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"[cs]h"), "x"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"qu|k|q"), "k"),
    (re.compile(r"gu(?=[ei])"), "g"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"^x"), "j"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"h"), ""),
    (re.compile(r"y(?![aeiou])"), "i"),
)


@lru_cache(maxsize=65536)
def _phonetic(word: str) -> str:
    """A rough sound key for English and Spanish spellings (Gonzales/González, Katherine/Catherine).

    Spanish and English sound rules (c/k/q, s/z/soft c, b/v, silent h, ll/y, soft g/j/x),
    then the vowels after the first letter dropped and repeated letters collapsed.
    """
    text = word
    for pattern, sound in _SOUNDS:
        text = pattern.sub(sound, text)
    if not text:
        return ""
    rest = re.sub(r"[aeiou]", "", text[1:])
    return re.sub(r"(.)\1+", r"\1", text[0] + rest)
