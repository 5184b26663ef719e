"""How the real platforms match an account search, for the stand-ins (see platform-notes).

- **Bluesky's search service** (palomar): every query word must be a whole word of the handle,
  display name or description, after case and accent folding. Words are split the way a
  Unicode word segmenter does: letters joined by ``.``, ``_`` or an apostrophe stay one word
  ("Graciela.Cruz"), a trailing dot does not ("K." is the word "k"), and a one-letter word
  counts like any other. A handle is also a word by each of its dot-separated labels.
- **Bluesky's typeahead** (``searchActorsTypeahead``): over handle and display name only, every
  word but the last whole, the last a prefix ("Brown T" finds "Tyl3r Brown"); one page.
- **Bluesky's AppView as published**, without a search service: a case-sensitive substring of
  the handle (``handle LIKE '%q%'``); a query with a space or a capital finds nothing.
- **Mastodon's database search** (PostgreSQL full text, ``simple`` configuration, the whole
  query as one phrase): each query word must be a prefix of the next word of the display
  name, username or domain, in order and adjacent. Case is folded, accents are not; the bio is
  not searched. Dots join words (PostgreSQL reads "graciela.cruz" as one host-like word),
  underscores and other punctuation split them. An exact ``user@domain`` comes first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

_UNICODE_WORD = re.compile(r"\w+(?:[.'’]\w+)*")
_POSTGRES_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")


def fold(text: str) -> str:
    """Case- and accent-folded, as a search service's analyzer does (``Gárcía`` → ``garcia``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def unicode_words(text: str) -> list[str]:
    return _UNICODE_WORD.findall(fold(text))


def postgres_words(text: str) -> list[str]:
    return _POSTGRES_WORD.findall(text.lower())


def every_word(records: Iterable[dict[str, Any]], query: str, fields: Sequence[str], handle: str) -> list[dict]:
    """Records with every query word among the words of ``fields``: Bluesky's search service."""
    wanted = unicode_words(query)
    return [r for r in records if has_every_word(record_words(r, fields, handle), wanted)]


def has_every_word(words: set[str], wanted: list[str]) -> bool:
    """Whether a record with these ``record_words`` answers a query of these ``unicode_words`` in
    Bluesky's search service."""
    return bool(wanted) and set(wanted) <= words


def record_words(record: dict[str, Any], fields: Sequence[str], handle: str) -> set[str]:
    """The words Bluesky's search service indexes for a record: its fields' words, and the handle
    whole and by each dot-separated label."""
    words = {w for f in fields if f != handle for w in unicode_words(str(record.get(f) or ""))}
    handle_text = str(record.get(handle) or "")
    return words | set(unicode_words(handle_text)) | {fold(label) for label in handle_text.split(".") if label}


def typeahead(records: Iterable[dict[str, Any]], query: str, fields: Sequence[str], handle: str) -> list[dict]:
    """Bluesky's typeahead (``bool_prefix`` over a ``search_as_you_type`` copy of the handle and
    display name, not the bio): every query word but the last a whole word, the last a prefix of one."""
    wanted = unicode_words(query)
    return [r for r in records if has_prefix_match(record_words(r, fields, handle), wanted)]


def has_prefix_match(words: set[str], wanted: list[str]) -> bool:
    """Whether a record with these ``record_words`` answers a query of these ``unicode_words`` in
    Bluesky's typeahead."""
    *whole, last = wanted or [""]
    return bool(last) and set(whole) <= words and any(w.startswith(last) for w in words)


def handle_substring(records: Iterable[dict[str, Any]], query: str, handle: str) -> list[dict]:
    """Records whose handle contains ``query`` as typed: Bluesky's AppView without a search service."""
    if not query:
        return []
    return [record for record in records if query in str(record.get(handle) or "")]


def phrase_prefix(records: Iterable[dict[str, Any]], query: str, fields: Sequence[str], acct: str) -> list[dict]:
    """Records where the query's words, each a prefix of the next word, run in order in one of
    ``fields``: Mastodon's database search. An exact ``acct`` match comes first."""
    wanted = postgres_words(query)
    if not wanted:
        return []
    exact = query.strip().lstrip("@").lower()
    first, rest = [], []
    for record in records:
        if str(record.get(acct) or "").lower() == exact:
            first.append(record)
        elif has_phrase(field_words(record, fields), wanted):
            rest.append(record)
    return first + rest


def field_words(record: dict[str, Any], fields: Sequence[str]) -> list[list[str]]:
    """Each field's words as Mastodon's database search reads them, in order."""
    return [postgres_words(str(record.get(f) or "")) for f in fields]


def has_phrase(fields: list[list[str]], wanted: list[str]) -> bool:
    """Whether a record with these ``field_words`` answers a query of these ``postgres_words`` in
    Mastodon's database search."""
    return bool(wanted) and any(runs(words, wanted) for words in fields)


def runs(words: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` runs in ``words``, each a prefix of the word it meets, in order and adjacent."""
    n = len(wanted)
    return any(all(words[start + i].startswith(w) for i, w in enumerate(wanted)) for start in range(len(words) - n + 1))
