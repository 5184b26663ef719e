"""Which queries to send: each enrolled name and alias, then the district's own words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watcher.config import DistrictConfig
from watcher.matching.names import fold
from watcher.models import Person

MAX_QUERIES_PER_PERSON = 4


@dataclass(frozen=True)
class Query:
    text: str
    for_people: tuple[int, ...] = ()  # empty: a district-level query (logo misuse)


def plan_queries(people: Sequence[Person], district: DistrictConfig) -> list[Query]:
    """Deduplicated queries (compared folded), people's first, then district-level ones."""
    order: list[str] = []
    texts: dict[str, str] = {}
    owners: dict[str, list[int]] = {}
    for person in people:
        for text in (person.name, *person.aliases)[:MAX_QUERIES_PER_PERSON]:
            _add(text, person.id, order, texts, owners)
    for text in (district.name, *district.keywords):
        _add(text, None, order, texts, owners)
    return [Query(texts[key], tuple(owners[key])) for key in order]


def _add(
    text: str, person_id: int | None, order: list[str], texts: dict[str, str], owners: dict[str, list[int]]
) -> None:
    key = fold(text)
    if not key:
        return
    if key not in texts:
        order.append(key)
        texts[key] = " ".join(text.split())
        owners[key] = []
    if person_id is not None and person_id not in owners[key]:
        owners[key].append(person_id)
