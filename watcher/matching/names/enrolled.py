"""The enrolled side: each enrolled name and alias folded and split once, with its nicknames and
the ways people run it together in handles."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import product
from typing import NamedTuple

from watcher.matching.names.folding import fold, fold_word, skeleton, split_word
from watcher.matching.names.parts import PARTICLES, canonicals_of, nicknames_of, split_name
from watcher.matching.names.reading import TITLES
from watcher.matching.names.reasons import INITIAL, ONE_SURNAME, REORDERED


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
