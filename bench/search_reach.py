"""Which impostors each platform's search can return at all, and what each form of a name adds.

For each platform the scan's own plan (``plan_queries`` with the adapter's ``search_rule``) is
run offline against the corpus with the platform's real matching rules (the same functions the
stand-ins answer with, ``watcher/demo/search_rules.py``; paging aside). Printed per platform: the
share of placed impostors some query (or Mastodon's directory, newest accounts first) returns,
and for each form of a name (``query_plan.FORMS``, plus the district's own queries and the
directory) how many impostors it returns and how many only it returns.

    PYTHONPATH=. .venv/bin/python bench/eval.py        # prints this table for each run
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sources.base import NAME, PREFIX
from sources.bluesky import BlueskySource
from sources.mastodon import DEFAULT_DIRECTORY_PAGES, DIRECTORY_PAGE, MastodonSource
from watcher.config import DistrictConfig
from watcher.demo.search_rules import (
    field_words,
    has_every_word,
    has_phrase,
    has_prefix_match,
    postgres_words,
    record_words,
    unicode_words,
)
from watcher.models import Person
from watcher.query_plan import FORMS, plan_queries

IMPOSTORS = ("impostor_name_photo", "impostor_claim", "impostor_photo")
DISTRICT = "district"  # the district's own queries (its name, keywords, schools)
DIRECTORY = "directory"  # Mastodon's profile directory, newest local accounts first (no query at all)
TYPEAHEAD = "typeahead"  # Bluesky's searchActorsTypeahead (PREFIX queries: "Brown T")
BLUESKY_FIELDS = ("displayName", "handle", "description")
MASTODON_FIELDS = ("display_name", "username", "domain")


def reach_by_form(corpus: Any, directory_pages: int = DEFAULT_DIRECTORY_PAGES) -> dict[str, dict[str, Any]]:
    """Per platform: impostors placed, returned by some query, and per form (found, found only by it)."""
    people = [Person(n, s.email, s.name, school=s.school) for n, s in enumerate(corpus.staff)]
    district = DistrictConfig(corpus.district.name, tuple([*corpus.district.keywords, *corpus.schools]))
    out: dict[str, dict[str, Any]] = {}
    for source, rule in (("bluesky", BlueskySource.search_rule), ("mastodon", MastodonSource.search_rule)):
        profiles = [p for p in corpus.profiles if p.source == source]
        indexed = [(p, _words(source, p)) for p in profiles]
        named = [(p, _words(source, p, bio=False)) for p in profiles]  # typeahead reads no bios
        forms_of: dict[str, set[str]] = defaultdict(set)
        for query in plan_queries(people, district, rule=rule):
            if query.kind == PREFIX and source == "bluesky":
                wanted = unicode_words(query.text)
                for p, words in named:
                    if has_prefix_match(words, wanted):
                        forms_of[p.handle.lower()].add(TYPEAHEAD)
                continue
            if query.kind != NAME:
                continue
            form = query.form if query.for_people else DISTRICT
            if source == "bluesky":
                wanted, matches = unicode_words(query.text), has_every_word
            else:
                wanted, matches = postgres_words(query.text), has_phrase
            for p in (p for p, words in indexed if matches(words, wanted)):
                forms_of[p.handle.lower()].add(form)
        if source == "mastodon":  # every corpus account is local and opted in to the directory
            for p in profiles[::-1][: directory_pages * DIRECTORY_PAGE]:
                forms_of[p.handle.lower()].add(DIRECTORY)
        placed = [p for p in profiles if p.label in IMPOSTORS]
        reached = [p for p in placed if forms_of.get(p.handle.lower())]
        table = {}
        for form in (DISTRICT, *FORMS, TYPEAHEAD, DIRECTORY):
            found = sum(1 for p in placed if form in forms_of.get(p.handle.lower(), ()))
            only = sum(1 for p in placed if forms_of.get(p.handle.lower()) == {form})
            table[form] = (found, only)
        missed = [p for p in placed if not forms_of.get(p.handle.lower())]
        out[source] = {"placed": len(placed), "reached": len(reached), "forms": table, "missed": missed}
    return out


def _words(source: str, p: Any, bio: bool = True) -> Any:
    """What the platform's search matches a corpus profile by (Mastodon's bio is not searched)."""
    if source == "bluesky":
        record = {"displayName": p.name, "handle": p.handle, "description": p.bio if bio else ""}
        return record_words(record, BLUESKY_FIELDS, "handle")
    return field_words({"display_name": p.name, "username": p.handle, "domain": ""}, MASTODON_FIELDS)


def print_reach(corpus: Any, directory_pages: int = DEFAULT_DIRECTORY_PAGES) -> None:
    print("\nimpostors each platform's search can return (the scan's plan, the platform's matching rules):")
    for source, row in reach_by_form(corpus, directory_pages).items():
        placed, reached = row["placed"], row["reached"]
        print(f"  {source:<9} {reached / placed if placed else 1:.3f} ({reached}/{placed})")
        forms = ", ".join(f"{form} {found} ({only} only)" for form, (found, only) in row["forms"].items() if found)
        print(f"    by form: {forms}")
        for p in row["missed"][:6]:
            print(f"    never returned: {p.label} {p.disguise or p.detail} {p.handle} ({p.name!r})")
