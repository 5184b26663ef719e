"""Which queries to send for each enrolled person, and for the district itself.

Name queries go to sources that search by name; handle queries (likely usernames)
to sources that probe exact handles. District-level queries (the district's name,
its schools, its keywords) find accounts posing as the district or wearing its
logos. Everything is deduplicated across people and capped per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sources.base import HANDLE, NAME
from watcher.config import DistrictConfig
from watcher.matching.name_parts import _ascii, _key, nicknames_of, split_name, strip_accents
from watcher.models import Person

MAX_NAME_QUERIES = 8
# Latin letters impostors most often swap for the Cyrillic letters drawn the same: a search for
# the name never finds "Jоsе Gаrсíа", so the name is also searched written that way. Only one
# spelling can be asked; this one replaces every letter of the common set, as the tools do.
_SWAPPED = "aceiopxyABCEHIKMOPTX"
MAX_HANDLE_QUERIES = 8


@dataclass(frozen=True)
class Query:
    kind: str  # NAME or HANDLE
    text: str
    for_people: tuple[int, ...] = ()  # empty: a district-level query (logo misuse, posing as the district)

    @property
    def key(self) -> str:
        return f"{self.kind}:{_key(self.text)}"


def plan_queries(
    people: Sequence[Person],
    district: DistrictConfig,
    *,
    max_names: int = MAX_NAME_QUERIES,
    max_handles: int = MAX_HANDLE_QUERIES,
) -> list[Query]:
    """All queries of one scan, in the order a limited budget should spend them.

    The district's queries come first (a handful, and they find fan pages wearing the logo and
    accounts naming a school); then everyone's most telling query, then everyone's second, and
    so on: when a platform's rate limit stops a scan early, every person has had their best
    searches, and the stalest-first order of later scans (see pipeline) picks up the rest.
    """
    owners: dict[str, list[int]] = {}
    first: dict[str, Query] = {}

    def add(query: Query, person_id: int | None) -> None:
        if not query.text:
            return
        first.setdefault(query.key, query)
        owners.setdefault(query.key, [])
        if person_id is not None and person_id not in owners[query.key]:
            owners[query.key].append(person_id)

    schools = sorted({p.school for p in people if p.school})
    for text in (district.name, *district.keywords, *schools):
        add(Query(NAME, " ".join(text.split())), None)
    ranked: list[list[Query]] = []  # ranked[i]: every person's i-th query
    for person in people:
        mine = [
            Query(kind, text)
            for kind, texts, cap in (
                (NAME, name_variants(person), max_names),
                (HANDLE, handle_candidates(person), max_handles),
            )
            for text in list(dict.fromkeys(texts))[:cap]
        ]
        mine = _interleave([q for q in mine if q.kind == NAME], [q for q in mine if q.kind == HANDLE])
        for rank, query in enumerate(mine):
            if rank == len(ranked):
                ranked.append([])
            ranked[rank].append(Query(query.kind, query.text, (person.id,)))
    for queries in ranked:
        for query in queries:
            add(Query(query.kind, query.text), query.for_people[0])
    return [Query(q.kind, q.text, tuple(owners[key])) for key, q in first.items()]


def _interleave(a: list[Query], b: list[Query]) -> list[Query]:
    """a[0], b[0], a[1], b[1], …: name searches and handle probes go to different sources."""
    out: list[Query] = []
    for pair in zip(a, b, strict=False):
        out.extend(pair)
    longer = a if len(a) > len(b) else b
    return out + longer[min(len(a), len(b)) :]


def name_variants(person: Person) -> list[str]:
    """Most telling first: the full name, aliases, without accents, the first surname of a
    double surname, two nickname forms (Paco for Francisco), then the surnames alone
    (for "Ms. García" style accounts)."""
    out = [person.name, *person.aliases, strip_accents(person.name), lookalike_spelling(person.name)]
    given, surnames = split_name(person.name)
    if given and surnames:
        if len(surnames) > 1 or len(given) > 1:  # "María García", "José Torres"
            short = f"{given[0]} {surnames[0]}"
            out += [short, strip_accents(short)]
        out += [f"{nickname.title()} {surnames[0]}" for nickname in nicknames_of(given[0])[:2]]
    if len(surnames) > 1:
        out.append(" ".join(surnames))  # distinctive enough alone; a single common surname is not
    texts = [" ".join(text.split()) for text in out if text.strip()]
    unique: dict[str, str] = {}
    for text in texts:
        unique.setdefault(_key(text), text)
    return list(unique.values())


def lookalike_spelling(name: str) -> str:
    """The name with each Latin letter of the common set replaced by its Cyrillic look-alike
    (per Unicode TR39); accented letters have none and stay."""
    table = _cyrillic_twins()
    return "".join(table.get(ch, ch) for ch in name)


@lru_cache(maxsize=1)
def _cyrillic_twins() -> dict[str, str]:
    from confusable_homoglyphs import categories, confusables

    twins = {}
    for letter in _SWAPPED:
        for entry in confusables.confusables_data.get(letter, ()):
            ch = entry["c"]
            if len(ch) == 1 and categories.alias(ch) == "CYRILLIC":
                twins[letter] = ch
                break
    return twins


def handle_candidates(person: Person) -> list[str]:
    """Usernames people commonly make from a name: janedoe, jane.doe, jdoe, doejane, …"""
    given, surnames = split_name(person.name)
    if not given or not surnames:
        return []
    firsts = [_ascii(given[0]), *(_ascii(n) for n in nicknames_of(given[0]))]
    last, full_last = _ascii(surnames[0]), _ascii("".join(surnames))
    out = []
    for first in firsts[:2]:
        out += [f"{first}{last}", f"{first}.{last}", f"{first}_{last}", f"{first[0]}{last}", f"{last}{first}"]
    out += [f"{firsts[0]}{full_last}", f"{firsts[0]}-{last}", f"{last}.{firsts[0]}"]
    return [h for h in dict.fromkeys(out) if len(h) >= 3]


def first_query(person: Person, kind: str) -> Query | None:
    """The person's most telling query of ``kind``, ranked first for them by ``plan_queries``: their
    full name, or their likeliest username. None when no query of that kind can be made for them."""
    # For names: name_variants(person)[0], without working out the rest.
    text = " ".join(person.name.split()) if kind == NAME else next(iter(handle_candidates(person)), "")
    return Query(kind, text, (person.id,)) if text else None
