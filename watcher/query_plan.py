"""Which queries to send for each enrolled person, and for the district itself.

Name queries go to sources that search by name, in the forms each source's search rule needs;
typeahead queries (kind PREFIX) to sources whose typeahead matches a prefix; handle queries
(likely usernames) to sources that probe exact handles. District-level queries (the district's
name, its schools, its keywords, their short forms) find accounts posing as the district or
wearing its logos. Everything is deduplicated across people and capped per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sources.base import HANDLE, NAME, PREFIX, SearchRule
from watcher.config import DistrictConfig
from watcher.matching.affiliation import school_core
from watcher.matching.names import nicknames_of, split_name, strip_accents
from watcher.matching.names.parts import casefold_key, plain_ascii
from watcher.models import Person

MAX_NAME_QUERIES = 16
# Latin letters impostors most often swap for the Cyrillic letters drawn the same: a search for
# the name never finds "Jоsе Gаrсíа", so the name is also searched written that way. Only one
# spelling can be asked; this one replaces every letter of the common set, as the tools do.
_SWAPPED = "aceiopxyABCEHIKMOPTX"
MAX_HANDLE_QUERIES = 8
MAX_PREFIX_QUERIES = 3

# The forms a name is searched in. Which ones a platform needs follows from how its search
# matches (``SearchRule``): a phrase search in order with accents needs the unaccented and
# surname-first forms; a whole-word search that folds accents finds those with the name itself.
AS_SHOWN = "as shown"  # the name, an alias, a nickname, without middle names: as people display it
UNACCENTED = "unaccented"  # "Maria Garcia" for "María García"
SURNAME_FIRST = "surname first"  # "Anderson Patricia", "Anderson, Patricia"
JOINED = "joined"  # "patricia.anderson", "patricia_anderson", "patriciaanderson": one word to a search
HANDLE_SHAPED = "handle-shaped"  # "panderson", "andersonpatricia": usernames, for searches that match handles
FORMS = (AS_SHOWN, UNACCENTED, SURNAME_FIRST, JOINED, HANDLE_SHAPED)


@dataclass(frozen=True)
class Query:
    kind: str  # NAME, HANDLE or PREFIX
    text: str
    for_people: tuple[int, ...] = ()  # empty: a district-level query (logo misuse, posing as the district)
    form: str = AS_SHOWN  # for NAME queries: which form of the name (see FORMS)

    @property
    def key(self) -> str:
        return f"{self.kind}:{casefold_key(self.text)}"


def needs(rule: SearchRule, form: str) -> bool:
    """Whether a search that matches by ``rule`` finds anything with this form of a name that the
    other forms it is sent do not find."""
    if form == AS_SHOWN:
        return rule.names
    if form == UNACCENTED:
        return rule.names and not rule.folds_accents
    if form == SURNAME_FIRST:
        return rule.names and not rule.any_order
    if form == JOINED:
        return rule.names or rule.handles
    return form == HANDLE_SHAPED and rule.handles


def plan_queries(
    people: Sequence[Person],
    district: DistrictConfig,
    *,
    rule: SearchRule | None = None,
    max_names: int = MAX_NAME_QUERIES,
    max_handles: int = MAX_HANDLE_QUERIES,
) -> list[Query]:
    """All queries of one scan for a source whose search matches by ``rule`` (None: every form),
    in the order a limited budget should spend them.

    The district's queries come first (a handful: its name, keywords, schools, and their
    distinctive cores; they find fan pages wearing the logo and accounts naming a school); then
    everyone's most telling query, then everyone's second, and so on: when a platform's rate
    limit stops a scan early, every person has had their best searches, and the stalest-first
    order of later scans (see pipeline) picks up the rest.
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

    if rule is None or rule.names:
        schools = sorted({p.school for p in people if p.school})
        # "Rio Seco", "Bayview": as bios shorten them ("Tutoring for Bayview kids")
        cores = [school_core(text, min_words=1) or "" for text in (district.name, *schools)]
        for text in (district.name, *district.keywords, *schools, *cores):
            add(Query(NAME, " ".join(text.split())), None)
    ranked: list[list[Query]] = []  # ranked[i]: every person's i-th query
    for person in people:
        names = [Query(NAME, text, (person.id,), form) for form, text in name_forms(person)]
        names = [q for q in names if rule is None or needs(rule, q.form)][:max_names]
        handles = [Query(HANDLE, text, (person.id,)) for text in handle_candidates(person)[:max_handles]]
        handles += [Query(PREFIX, text, (person.id,)) for text in prefix_forms(person)[:MAX_PREFIX_QUERIES]]
        for rank, query in enumerate(_interleave(names, handles)):
            if rank == len(ranked):
                ranked.append([])
            ranked[rank].append(query)
    for queries in ranked:
        for query in queries:
            add(Query(query.kind, query.text, (), query.form), query.for_people[0])
    return [Query(q.kind, q.text, tuple(owners[key]), q.form) for key, q in first.items()]


def _interleave(a: list[Query], b: list[Query]) -> list[Query]:
    """a[0], b[0], a[1], b[1], …: name searches and handle probes go to different sources."""
    out: list[Query] = []
    for pair in zip(a, b, strict=False):
        out.extend(pair)
    longer = a if len(a) > len(b) else b
    return out + longer[min(len(a), len(b)) :]


def name_forms(person: Person) -> list[tuple[str, str]]:
    """(form, text) for every way the person's name is searched, most telling first, each text once.

    The full name; aliases; without middle names or initials ("Patricia Anderson" for "Patricia
    K. Anderson": an impostor shows the short form, and a search for the full one requires the
    initial); those without accents; the look-alike spelling; the given name with the second of
    two surnames ("María López"); joined into one word; surname first; the likeliest usernames
    (some searches match handles only); two nickname forms (Paco for Francisco); both surnames
    alone (for "Ms. García López" style accounts; a single common surname alone would flood the
    results); the name with the surname's initial ("Mike J."); and the other usernames.
    """
    given, surnames = split_name(person.name)
    full = " ".join(person.name.split())
    out: list[tuple[str, str]] = [(AS_SHOWN, full), *((AS_SHOWN, alias) for alias in person.aliases)]
    short = f"{given[0]} {surnames[0]}" if given and surnames else ""
    if short and (len(surnames) > 1 or len(given) > 1):  # "María García", "José Torres"
        out.append((AS_SHOWN, short))
    second = f"{given[0]} {surnames[1]}" if len(surnames) > 1 else ""  # "María López": each surname alone
    out += [(UNACCENTED, strip_accents(full)), (UNACCENTED, strip_accents(short)), (AS_SHOWN, lookalike_spelling(full))]
    out += [(AS_SHOWN, second), (UNACCENTED, strip_accents(second))]
    handles = [(HANDLE_SHAPED, handle) for handle in handle_candidates(person)]
    nicknames: list[str] = []
    if short:
        first, last = plain_ascii(given[0]), plain_ascii(surnames[0])
        out += [(JOINED, f"{first}.{last}"), (JOINED, f"{first}_{last}"), (JOINED, f"{first}{last}")]
        reordered = f"{surnames[0]} {given[0]}"
        out += [(SURNAME_FIRST, reordered), (SURNAME_FIRST, strip_accents(reordered))]
        out += handles[:7]  # the likeliest usernames early: some searches match handles only
        nicknames = [f"{nickname.title()} {surnames[0]}" for nickname in nicknames_of(given[0])[:2]]
    out += [(AS_SHOWN, text) for text in nicknames] + [(UNACCENTED, strip_accents(text)) for text in nicknames]
    if len(surnames) > 1:
        out.append((AS_SHOWN, " ".join(surnames)))
    if short:
        initial = strip_accents(surnames[0])[0]
        for name in (given[0], *(n.title() for n in nicknames_of(given[0])[:1])):
            out.append((AS_SHOWN, f"{name} {initial}"))
    out += handles
    unique: dict[str, tuple[str, str]] = {}
    for form, text in out:
        text = " ".join(text.split())
        if text:
            unique.setdefault(casefold_key(text), (form, text))
    return list(unique.values())


def prefix_forms(person: Person) -> list[str]:
    """Typeahead queries (kind PREFIX: the last word a prefix): one half of the name whole and the
    other half's first letter, each way round ("Brown T" finds "Tyl3r Brown", "Yolanda G" finds
    "Yolanda Gracía"); and the second of two surnames. A name disguised in both halves stays unfound."""
    given, surnames = split_name(person.name)
    if not given or not surnames:
        return []
    first, last = given[0], surnames[0]
    out = [f"{first} {last[0]}", f"{last} {first[0]}"]
    if len(surnames) > 1:
        out.append(f"{surnames[1]} {first[0]}")
    return list(dict.fromkeys(" ".join(text.split()) for text in out))


def name_variants(person: Person) -> list[str]:
    """Every text the person's name is searched as (``name_forms``), most telling first."""
    return [text for _form, text in name_forms(person)]


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
    """Usernames people commonly make from a name: janedoe, jane.doe, jane_doe, jane-doe, jdoe, doejane, …"""
    given, surnames = split_name(person.name)
    if not given or not surnames:
        return []
    firsts = [plain_ascii(given[0]), *(plain_ascii(n) for n in nicknames_of(given[0]))]
    last, full_last = plain_ascii(surnames[0]), plain_ascii("".join(surnames))
    out = []
    for first in firsts[:2]:
        out += [f"{first}{last}", f"{first}.{last}", f"{first}_{last}", f"{first}-{last}", f"{first[0]}{last}"]
        out.append(f"{last}{first}")
    out += [f"{firsts[0]}{full_last}", f"{last}.{firsts[0]}"]
    return [h for h in dict.fromkeys(out) if len(h) >= 3]


def first_query(person: Person, kind: str) -> Query | None:
    """The person's most telling query of ``kind``, ranked first for them by ``plan_queries``: their
    full name, or their likeliest username. None when no query of that kind can be made for them."""
    # For names: name_variants(person)[0], without working out the rest.
    text = " ".join(person.name.split()) if kind == NAME else next(iter(handle_candidates(person)), "")
    return Query(kind, text, (person.id,)) if text else None
