"""Name blocking: which enrolled people a profile is worth scoring against with ``name_score``.

A profile is scored only against people whose surname it shows (within the letters the score
forgives) together with their given name, a nickname or an initial, looked up per (surname, given
name) pair, so a common surname's thousands of holders are never all scored. It reads names the
way ``score`` does, so it uses the same readings of a profile (``reading``) and of an enrolled
name (``enrolled``).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from functools import lru_cache

from rapidfuzz.distance import OSA

from watcher.matching.names.enrolled import PARTICLES, _Variant, _variants
from watcher.matching.names.folding import squeeze
from watcher.matching.names.reading import _display_readings, _handle_readings
from watcher.matching.names.score import _other_name, _token_sim
from watcher.models import Person

BLOCKING_FLOOR = 0.77  # everyone whose name may score this or more against a profile is among its candidates


class NameIndex:
    """Blocking for names: which people a profile is worth scoring against.

    ``name_score`` reaches 0.77 (the lowest score matching uses) only when the profile shows both a
    surname and a given name, a nickname or an initial of the person (a surname alone scores 0.75
    at most): as separate words, each within one letter (two in a long word; doubled letters aside),
    or run together in one word within two letters in all ("mariagarcia", "mgarcia", "garciamaria"),
    or whole inside a longer word ("realmariagarcia"). So people are kept per surname form and, within
    it, per given-name signature (the given names with their nicknames): a profile looks up the surname
    forms its words may be and, in each, only the signatures its words show. A common surname's
    thousands of holders are never expanded.
    """

    def __init__(self, people: Sequence[Person]) -> None:
        self._surnames = _Vocabulary()  # surname forms
        self._given = _Vocabulary()  # given names, their nicknames, compound names run together
        self._by_name: dict[str, set[int]] = {}  # given name or nickname → signatures that have it
        self._by_joined: dict[str, set[int]] = {}  # given names run together ("joseluis") → signatures
        self._by_initials: dict[str, set[int]] = {}  # "m", "jl" → signatures with those initials
        self._by_first: dict[str, set[int]] = {}  # "m" → signatures whose first given name starts so
        self._by_form: dict[str, dict[int, list[int]]] = {}  # surname form ("": none) → signature → ids
        self._by_lead: dict[str, dict[int, list[int]]] = {}  # the same for the surnames run together with a name
        self._signatures: dict[tuple[object, ...], int] = {}
        self._multi: set[str] = set()  # two surnames run together: "garciahernandez"
        self._joined_cache: dict[str, tuple[tuple[str, frozenset[int]], ...]] = {}
        for person in people:
            for variant in _variants(person.name, tuple(person.aliases)):
                signature = self._signature(variant)
                for form in _surname_forms(variant) or {""}:
                    multi = len(variant.surnames) > 1 and form == "".join(variant.surnames)
                    if multi:
                        self._multi.add(form)
                    if form:
                        self._surnames.add(form, depth=1 if multi else 2)
                    _add(self._by_form, form, signature, person.id)
                for form in _lead_forms(variant):
                    _add(self._by_lead, form, signature, person.id)

    def candidates(self, display_name: str, handle: str) -> set[int]:
        """Ids of the people this profile may be named after (a superset of those scoring ≥ 0.77)."""
        found: set[int] = set()
        for reading in (*_display_readings(display_name), *_handle_readings(handle)):
            tokens = reading.tokens
            signatures = self._shown_signatures(tokens)
            if signatures:
                for form in (*self._shown_surnames(tokens), ""):
                    self._collect(self._by_form, form, signatures, found)
            for token in tokens:
                if len(token) >= 5:  # a name run together: "mariagarcia", "garciamaria", "mgarcia"
                    for form, joined_signatures in self._run_together(token):
                        self._collect(self._by_lead, form, joined_signatures, found)
        return found

    def _signature(self, variant: _Variant) -> int:
        """A small number for what the given-name side of the score reads; its names indexed once."""
        key = (variant.given, tuple(tuple(sorted(related)) for related in variant.related))
        signature = self._signatures.get(key)
        if signature is not None:
            return signature
        signature = self._signatures[key] = len(self._signatures)
        for name in variant.given_names():
            self._given.add(name, depth=2)
            joined = len(variant.given) > 1 and name == variant.given_joined
            (self._by_joined if joined else self._by_name).setdefault(name, set()).add(signature)
        # An initial of any given name or nickname counts ("L. García" for José Luis García: 0.8).
        initials = {name[:1] for name in (*variant.given, *(n for r in variant.related for n in r)) if name}
        if len(variant.given) > 1 and all(variant.given):
            initials.add("".join(unit[:1] for unit in variant.given))  # "JL" for José Luis
        for initial in initials:
            self._by_initials.setdefault(initial, set()).add(signature)
        if variant.given and variant.given[0]:  # run together, only the first name's initial: "mgarcia"
            self._by_first.setdefault(variant.given[0][:1], set()).add(signature)
        return signature

    def _shown_signatures(self, tokens: tuple[str, ...]) -> set[int]:
        """Signatures whose given names, nicknames or initials the words show (compound names
        may be written in two or three words: "Mari Carmen", "Maria del Carmen")."""
        signatures: set[int] = set()
        for token in tokens:
            signatures |= self._by_initials.get(token, set())
        words = [(token, True) for token in tokens if len(token) >= 2]
        for size in (2, 3):  # compared run together, without the other-name check
            words += [("".join(tokens[start : start + size]), False) for start in range(len(tokens) - size + 1)]
        for word, single in words:
            for name in _close(word, self._given):
                signatures |= self._by_joined.get(name, set())
                if not single or name == word or not _other_name(word, name):  # "Mario" is no typo of María
                    signatures |= self._by_name.get(name, set())
        return signatures

    def _shown_surnames(self, tokens: tuple[str, ...]) -> set[str]:
        """Surname forms the words (one to four, joined, with or without particles) may be."""
        forms: set[str] = set()
        for size in (1, 2, 3, 4):
            for start in range(len(tokens) - size + 1):
                window = tokens[start : start + size]
                for text in {"".join(window), "".join(w for w in window if w not in PARTICLES)}:
                    if len(text) >= 2:
                        forms.update(_close(text, self._surnames))
        return forms

    def _run_together(self, token: str) -> tuple[tuple[str, frozenset[int]], ...]:
        """(surname form, signatures) a word may be run together from, cut at every point.

        A given name or nickname first or last and a surname, within two letters in all, as
        ``_token_sim`` reads the whole word (a one- or two-letter surname may be all that is off);
        an initial and a surname exactly; or a name of eight letters or more whole inside the word.
        """
        cached = self._joined_cache.get(token)
        if cached is not None:
            return cached
        pairs: dict[str, set[int]] = {}
        for cut in range(len(token) + 1):
            head, tail = token[:cut], token[cut:]
            self._pair(token, self._given_near(head), tail, self._surnames.near(tail, 2), True, pairs)
            self._pair(token, self._given_near(tail), head, self._surnames.near(head, 2), False, pairs)
            self._inside(head, tail, pairs)
        out = tuple((form, frozenset(signatures)) for form, signatures in pairs.items())
        if len(self._joined_cache) > 50_000:
            self._joined_cache.clear()
        self._joined_cache[token] = out
        return out

    def _given_near(self, part: str) -> list[tuple[str, int, bool]]:
        """Given names and nicknames a part of a run-together word may be: (name, letters off, whether
        it is another given name, which is no typo when the surname is exact: "mario" for María);
        "^m" for an initial."""
        near = [(name, off, bool(off) and _other_name(part, name)) for name, off in self._given.near(part, 2).items()]
        if len(part) == 1 and part in self._by_first:
            near.append(("^" + part, 0, False))  # an initial
        return near

    def _pair(
        self,
        token: str,
        given: list[tuple[str, int, bool]],
        surname_part: str,
        surnames: dict[str, int],
        given_first: bool,
        pairs: dict[str, set[int]],
    ) -> None:
        """The (form, name) pairs of one cut that, run together, ``_token_sim`` may find in the word."""
        for form, surname_off in surnames.items() if given else ():
            if self._bare(token, form):
                continue
            for name, off, other in given:
                if off + surname_off > 2:
                    continue
                if name[0] == "^":  # an initial and a surname: exactly
                    if (name[1:] + form if given_first else form + name[1:]) == token:
                        pairs.setdefault(form, set()).update(self._by_first[name[1:]])
                    continue
                text = name + form if given_first else form + name
                if not _joined_close(token, text):
                    continue
                found = pairs.setdefault(form, set())
                found.update(self._by_joined.get(name, ()))
                if not (other and form == surname_part):
                    found.update(self._by_name.get(name, ()))

    def _inside(self, head: str, tail: str, pairs: dict[str, set[int]]) -> None:
        """A name of eight letters or more whole inside the word, cut between given name and surname
        ("realmariagarcia", "teachermgarcia", "mrgarciamaria")."""
        for first, second, given_first in ((head, tail, True), (tail, head, False)):
            givens = [first[i:] if given_first else first[: len(first) - i] for i in range(len(first))]
            givens = [g for g in givens if g in self._given or (given_first and len(g) == 1)]
            if not givens:
                continue
            surnames = [second[:j] if given_first else second[len(second) - j :] for j in range(2, len(second) + 1)]
            for form in (s for s in surnames if s in self._surnames and not self._bare(head + tail, s)):
                for given in givens:
                    if len(given) + len(form) >= 8:
                        found = pairs.setdefault(form, set())
                        if len(given) == 1:
                            found.update(self._by_first.get(given, ()))
                        else:
                            found.update(self._by_name.get(given, ()), self._by_joined.get(given, ()))

    def _bare(self, word: str, form: str) -> bool:
        """A word that is this surname, or one letter off it, is never read as a name run together."""
        return form not in self._multi and len(word) <= len(form) and 0.97 * _token_sim(word, form)[0] >= 0.7

    @staticmethod
    def _collect(by_form: dict[str, dict[int, list[int]]], form: str, signatures: Set[int], found: set[int]) -> None:
        """Everyone under this surname form with one of the signatures (the smaller side is walked)."""
        by_signature = by_form.get(form)
        if not by_signature:
            return
        if len(signatures) < len(by_signature):
            for signature in signatures:
                ids = by_signature.get(signature)
                if ids:
                    found.update(ids)
        else:
            for signature, ids in by_signature.items():
                if signature in signatures:
                    found.update(ids)


# --- Blocking keys -----------------------------------------------------------------------------------


def _add(by_form: dict[str, dict[int, list[int]]], form: str, signature: int, person_id: int) -> None:
    ids = by_form.setdefault(form, {}).setdefault(signature, [])
    if not ids or ids[-1] != person_id:
        ids.append(person_id)


def _lead_forms(variant: _Variant) -> set[str]:
    """The surname forms ``_joined_forms`` runs together with a name: both, or the first alone."""
    if not variant.given or not variant.surnames:
        return set()
    forms = {"".join(variant.surnames), variant.surnames[0], variant.cores[0]}
    return {f for f in forms if f}


def _surname_forms(variant: _Variant) -> set[str]:
    forms = set(variant.surnames) | set(variant.cores)
    if len(variant.surnames) > 1:
        forms.add("".join(variant.surnames))
    return {f for f in forms if f}


class _Vocabulary:
    """Words (surname forms, given names) found again within one or two edits, by deletion keys:
    two words that far apart meet in a word left after deleting as many letters from each. Runs of
    one letter are also read once ("Guilermo" meets "Guillermo")."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._keys: dict[str, list[str]] = {}
        self._cache: dict[tuple[str, int], dict[str, int]] = {}

    def __contains__(self, word: str) -> bool:
        return word in self._words

    def add(self, word: str, depth: int) -> None:
        """``depth``: how many edits away the word must still be found (two only up to 12 letters)."""
        if word in self._words:
            return
        self._words.add(word)
        depth = depth if len(word) <= 12 else 1
        for text in {word, squeeze(word)}:
            for key in _deletions(text, depth):
                self._keys.setdefault(key, []).append(word)

    def near(self, word: str, radius: int) -> dict[str, int]:
        """The words within ``radius`` edits (a transposition is one; doubled letters are none), and how many."""
        cached = self._cache.get((word, radius))
        if cached is not None:
            return cached
        short = squeeze(word)
        seen: set[str] = set()
        out: dict[str, int] = {}
        for text in {word, short}:
            for key in _deletions(text, radius):
                for entry in self._keys.get(key, ()):
                    if entry in seen:
                        continue
                    seen.add(entry)
                    distance = OSA.distance(word, entry, score_cutoff=radius + 1)
                    if distance and (short != word or squeeze(entry) != entry):
                        distance = min(distance, OSA.distance(short, squeeze(entry), score_cutoff=radius + 1))
                    if distance <= radius:
                        out[entry] = distance
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[(word, radius)] = out
        return out


def _joined_close(word: str, text: str) -> bool:
    """Whether ``_token_sim`` may score the word ≥ 0.77 against a name run together."""
    distance = OSA.distance(word, text, score_cutoff=3)
    if distance <= 1 or (distance == 2 and max(len(word), len(text)) >= 8):
        return True
    return distance <= 3 and OSA.distance(squeeze(word), squeeze(text), score_cutoff=2) <= 1


def _close(word: str, vocabulary: _Vocabulary) -> list[str]:
    """The words of the vocabulary ``_token_sim`` may score ≥ 0.77 against this one: one edit off
    (doubled letters aside), or two in words of eight letters or more."""
    if len(word) < 6:
        return list(vocabulary.near(word, 1))
    return [entry for entry, off in vocabulary.near(word, 2).items() if off <= 1 or max(len(word), len(entry)) >= 8]


@lru_cache(maxsize=1 << 16)
def _deletions(word: str, depth: int) -> tuple[str, ...]:
    """The word and every word left after deleting up to ``depth`` of its letters."""
    keys = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        keys |= frontier
    return tuple(keys)
