"""Name normalisation, similarity and blocking.

A profile's display name and handle are read the way an impostor disguises a name (look-alike
letters from other scripts, invisible characters, fancy, full-width or small-capital letters,
emoji, digits and symbols for letters, doubled letters, a title and a role around the name,
"Last, First", a nickname, one letter off; the Unicode side is in folding.py) and compared
with each enrolled person's name and aliases. The score is structured, not a bag of words: the
surname and the (nickname- and initial-aware) given name are compared separately and combined
with ``min``, so sharing only a first name or only a surname never looks like the same name.
A given name one letter off another known given name ("Mario" for "María", "Mark" for "Mary")
is a different name, not a typo. Every score carries its reason in plain words for the e-mail.

Blocking (which people a profile is worth scoring against at all) is ``blocking.NameIndex``.

Names alone never make a finding (a namesake is not an impostor); see decision.py.

Modules: ``reading`` (a profile's name and handle), ``enrolled`` (an enrolled name and its
nicknames), ``score`` (``name_score``), ``reasons`` (its words), ``blocking`` (``NameIndex``),
``folding`` and ``lookalikes`` (the Unicode side), ``parts`` (given names, surnames, nicknames).
"""

from watcher.matching.names.blocking import BLOCKING_FLOOR, NameIndex
from watcher.matching.names.folding import fold
from watcher.matching.names.parts import canonicals_of, nicknames_of, split_name, strip_accents
from watcher.matching.names.reading import mentions, normalise_name
from watcher.matching.names.reasons import SECOND_SURNAME
from watcher.matching.names.score import NameScore, name_score

__all__ = [
    "BLOCKING_FLOOR",
    "SECOND_SURNAME",
    "NameIndex",
    "NameScore",
    "canonicals_of",
    "fold",
    "mentions",
    "name_score",
    "nicknames_of",
    "normalise_name",
    "split_name",
    "strip_accents",
]
