"""Reading disguised letters back: the Unicode side of name matching.

An impostor writes a name so that it looks the same to a person and different to a program:
fancy letters (mathematical bold or script, full-width, circled, parenthesised, small capitals,
superscripts), look-alike letters from other scripts, invisible characters, emoji and custom-emoji
shortcodes around and between the words, digits and symbols for letters ("M4r!a"), doubled letters.
Everything here undoes one of those, without turning a genuine Cyrillic or Greek name into junk:
look-alikes are mapped only in words that mix scripts, and only symbols are ever dropped, never
letters of any script.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import groupby, product

from watcher.matching.names.lookalikes import _rn_is_lookalike, ascii_lookalike, script_of
from watcher.matching.names.parts import is_known_given_name

_NOT_LETTER = re.compile(r"[^\w]+|_")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|o|a|er|ero|era|do|da|vo|va)$")
_LEET = {"0": "o", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s"}
_LEET_CHARS = frozenset(_LEET) | {"1"}
_SYMBOL_LETTERS = frozenset("!|@$")
_LEET_NOTE = frozenset({"leet"})
_APOSTROPHES = frozenset("'’ʼ`´")
_SHORTCODE = re.compile(r":[A-Za-z0-9_+\-]{2,40}:")  # Mastodon custom emoji, as text: ":verified:"
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")  # 1️⃣ is a digit, a variation selector and an enclosing keycap
_EDGE_NUMBER = re.compile(r"^\d{2,}|\d{2,}$")
_DIGITS = "0123456789"
_FINAL_LEET = frozenset("01345")  # "Mari4", "Jame5"; "maria2", "jdoe7" are a name and a number
_TRIPLED = re.compile(r"(.)\1\1+")
_DOUBLE = re.compile(r"(.)\1")
# Unicode names of letter forms that NFKC leaves alone (small capitals) or turns into more than a
# letter (parenthesised "⒨" becomes "(m)"); negative circled and squared letters are symbols to it.
_FANCY_NAME = re.compile(
    r"(LATIN LETTER SMALL CAPITAL|MODIFIER LETTER SMALL CAPITAL|PARENTHESIZED LATIN SMALL LETTER"
    r"|PARENTHESIZED LATIN CAPITAL LETTER|NEGATIVE CIRCLED LATIN CAPITAL LETTER"
    r"|NEGATIVE SQUARED LATIN CAPITAL LETTER) ([A-Z])"
)
_FANCY_BLOCKS = ((0x0250, 0x02AF), (0x1D00, 0x1DBF), (0x2460, 0x24FF), (0xA720, 0xA7FF), (0x1F100, 0x1F1E5))
_EMOJI_GLUE = frozenset("\u200d\ufe0e\ufe0f\u20e3")  # joiners, variation selectors, keycap
# Scripts whose marks are accents a name is also written without ("é", "ά", "й"); elsewhere (the
# virama of Devanagari, Thai vowels) a mark is part of the spelling and stays.
_ACCENTED_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC", "COMMON", "INHERITED"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC, drop format characters and accents, casefold, keep letters and digits."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) not in ("Mn", "Cf"))
    text = _NOT_LETTER.sub(" ", text.casefold())
    return " ".join(text.split())


def is_number_word(word: str) -> bool:
    """A folded word that is a number or an ordinal ("5th", "3er"): no part of a name."""
    return word.isdigit() or bool(_ORDINAL.match(word))


def prepare(text: str) -> tuple[str, frozenset[str]]:
    """Fancy letters made plain, invisible characters, keycaps and ":shortcodes:" dropped.

    Notes say what was undone: "invisible" (a format character that is not part of an emoji),
    "lookalike" (fancy or full-width letters), "leet" (a "!" or "|" read as a letter).
    """
    notes: set[str] = set()
    if not text.isascii():
        if any(unicodedata.category(ch) == "Cf" for ch in text):
            text, hidden = _drop_format_characters(text)
            if hidden:
                notes.add("invisible")
        if "\u20e3" in text:
            text = _KEYCAP.sub(" ", text)
        plain = text.translate(_fancy_letters())
        if plain != text or any(_compat_letter(ch) for ch in plain if not ch.isascii()):
            notes.add("lookalike")
        text = unicodedata.normalize("NFKC", plain)
    if ":" in text:
        text = _SHORTCODE.sub(" ", text)
    if "!" in text or "|" in text:
        lettered = _symbol_letters(text)
        if lettered != text:
            notes.add("leet")
            text = lettered
    return text, frozenset(notes)


def _drop_format_characters(text: str) -> tuple[str, bool]:
    """Text without format characters, and whether any was hidden in the name rather than
    gluing an emoji together (the joiner in 👩‍🏫, the tags of a flag)."""
    kept: list[str] = []
    hidden = False
    for ch in text:
        if unicodedata.category(ch) != "Cf":
            kept.append(ch)
            continue
        before = next((c for c in reversed(kept) if c not in _EMOJI_GLUE and unicodedata.category(c) != "Sk"), "")
        if not before or unicodedata.category(before) != "So":
            hidden = True
    return "".join(kept), hidden


def _symbol_letters(text: str) -> str:
    """A "!" inside a word is an i ("Mar!a"), a "|" an i or an l ("Gu||ermo", "Mar|a").

    They become a dotless "ı" (read as i) and a "1" (read both ways by ``leet_readings``).
    "Garcia|Teacher" (lower case, then a capital), a "|" with spaces around and a "!" or "|"
    after a plain word ("Hola!") are separators and punctuation; a word already in leetspeak may
    end in one ("M@r!", "Re@|").
    """
    chars = list(text)
    for i, ch in enumerate(text):
        if ch not in "!|":
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if _wordish(before) and _wordish(after):
            letter = not (before.islower() and after.isupper())
        elif _wordish(after):
            letter = before.isspace() and (after.islower() or after.isdigit() or after in _SYMBOL_LETTERS)
        elif _wordish(before):
            start = text.rfind(" ", 0, i) + 1
            letter = any(c in _LEET_CHARS or c in _SYMBOL_LETTERS for c in text[start:i])
        else:
            letter = False
        if letter:
            chars[i] = "ı" if ch == "!" else "1"
    return "".join(chars)


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in _SYMBOL_LETTERS


@lru_cache(maxsize=1)
def _fancy_letters() -> dict[int, str]:
    """Small capitals (ᴍᴀʀɪᴀ), parenthesised (⒨) and negative circled or squared (🅜, 🅼) letters."""
    table: dict[int, str] = {}
    for first, last in _FANCY_BLOCKS:
        for code in range(first, last + 1):
            match = _FANCY_NAME.fullmatch(unicodedata.name(chr(code), ""))
            if match:
                kind, letter = match.groups()
                table[code] = letter.lower() if "SMALL" in kind else letter
    return table


@lru_cache(maxsize=4096)
def _compat_letter(ch: str) -> bool:
    """A full-width, mathematical or other fancy form of a plain letter ("Ｍ", "𝐌")."""
    if not ch.isalpha() or ch.isascii():
        return False
    plain = unicodedata.normalize("NFKC", ch)
    return plain != ch and plain.isascii()


def split_word(raw: str) -> list[str]:
    """Letters, digits, @ and $ make words; apostrophes join; emoji and symbols vanish.

    A symbol inside a word is dropped ("Gar✨cia"); before a capital that follows a lower-case
    letter or a digit it separates two words ("Maria🍎Garcia", "M4r1🍎G4rci4").
    """
    if raw.isalpha():
        return [raw]
    words: list[str] = []
    current: list[str] = []
    symbol = False
    for ch in raw:
        category = unicodedata.category(ch)
        if category[0] in "LN" or ch in "@$" or (category in ("Mn", "Mc") and ch not in _EMOJI_GLUE):
            if symbol and ch.isupper() and current and not current[-1].isupper():
                words.append("".join(current))
                current = []
            current.append(ch)
            symbol = False
        elif ch in _APOSTROPHES or category[0] in "SM" or category == "Cf":
            symbol = symbol or category[0] == "S"
        else:
            words.append("".join(current))
            current = []
            symbol = False
    words.append("".join(current))
    words = [w.lstrip("@") for w in words]  # "@maria" is a mention; "Lol@", "$mith" are leetspeak
    return [w for w in words if any(ch.isalnum() for ch in w)]


@lru_cache(maxsize=65536)
def fold_word(word: str) -> tuple[str, frozenset[str], str]:
    """(folded word, notes, whole-script look-alike reading or "").

    Accents go (on Latin, Greek and Cyrillic letters). Look-alike letters are mapped to Latin
    (Unicode TR39 data) only in words that mix scripts: a genuine Cyrillic or Greek name stays
    itself. A word all in another script whose every letter has a Latin twin ("Масо") also gets
    the Latin reading, as a second reading. A letter written three times or more is read as two
    ("Annna"): no English or Spanish name has three.
    """
    notes: set[str] = set()
    scripts = {script_of(ch) for ch in word if ch.isalpha()} - {"COMMON", "INHERITED"}
    mixed = len(scripts) > 1  # the same as mixes_scripts(word)
    whole = ""
    chars = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.category(ch) == "Mn" and (not chars or script_of(chars[-1]) in _ACCENTED_SCRIPTS):
            if chars and chars[-1].isascii():
                notes.add("accented")
            continue
        if ch.isascii() or not ch.isalpha():
            chars.append(ch)
            continue
        script = script_of(ch)
        latin = ascii_lookalike(ch) if (mixed or script == "LATIN") else None
        if latin:
            if script != "LATIN":
                notes.add("lookalike")
            chars.append(latin)
        else:
            chars.append(ch)
    folded = _TRIPLED.sub(r"\1\1", "".join(chars).casefold())
    if not folded.isascii():  # Hangul syllables and other marks that stay are composed again
        folded = unicodedata.normalize("NFC", folded)
    if not mixed and scripts and "LATIN" not in scripts:
        twins = [ascii_lookalike(ch) for ch in word if ch.isalpha()]
        if all(twins):
            whole = _TRIPLED.sub(r"\1\1", "".join(t for t in twins if t).casefold())
    return folded, frozenset(notes), whole


def mixes_scripts(word: str) -> bool:
    return len({script_of(ch) for ch in word if ch.isalpha()} - {"COMMON", "INHERITED"}) > 1


def skeleton(text: str) -> str:
    """Every letter of another script that has a plain Latin twin replaced by it."""
    return "".join(
        (ascii_lookalike(ch) or ch) if ch.isalpha() and script_of(ch) not in ("LATIN", "COMMON") else ch for ch in text
    )


@lru_cache(maxsize=65536)
def squeeze(word: str) -> str:
    """The word with every run of one letter written once: "guillermo" and "guilermo" meet."""
    if not _DOUBLE.search(word):
        return word
    return "".join(letter for letter, _ in groupby(word))


@lru_cache(maxsize=65536)
def leet_readings(token: str, disguised: bool = False) -> tuple[tuple[str, frozenset[str]], ...]:
    """Spellings of a folded token with digits or @/$ for letters, as (text, notes: "leet", "lookalike").

    4/@→a, 3→e, 0→o, 1→i or l, 5/$→s, 7→t, 8→b, 9/6→g, 2→z, anywhere in the word. A token that
    is only a number or an ordinal ("5th") is no part of a name (no readings). A number at the
    edge of a word is read as a number ("maria85", "garcia1985"); as letters too when the word
    has leetspeak inside ("M4r14") or the name is ``disguised`` elsewhere (look-alikes, leetspeak
    in another word: "Flоr35"), when it is one digit that reads as a vowel or an s ("Mari4"), or
    when it is most of a short word ("Lu15"). Handles end in numbers so often that reading every
    one as letters would double the work for nothing.
    """
    if not any(ch in _LEET_CHARS for ch in token):
        out = [(token, False)]
    elif is_number_word(token):
        return ()
    else:
        out = []
        stripped = token.strip(_DIGITS)
        if stripped != token and stripped.isalpha():
            out.append((stripped, False))
        core = _EDGE_NUMBER.sub("", token)  # "garcia1985", "2024maria"
        texts = [token, core] if disguised or _edge_digits_are_letters(token, stripped) else [core]
        for text in dict.fromkeys(texts):
            if any(ch in _LEET_CHARS for ch in text):
                out += [(mapped, True) for mapped in _unleet(text)]
            else:
                out.append((text, False))
    unique: dict[str, frozenset[str]] = {}
    for text, leet in out:
        if any(ch.isalpha() for ch in text):
            unique.setdefault(text, _LEET_NOTE if leet else frozenset())
    readings = list(unique.items())
    if _rn_is_lookalike():  # "rnaria"
        readings += [(t.replace("rn", "m"), notes | {"lookalike"}) for t, notes in readings if "rn" in t]
    return tuple(readings)


def has_inner_leet(token: str) -> bool:
    """Digits or @/$ inside a word, not only a number at its edge: "m4ria", not "maria85"."""
    if token.isalpha():
        return False
    return any(ch in _LEET_CHARS for ch in token.strip(_DIGITS))


def _edge_digits_are_letters(token: str, stripped: str) -> bool:
    if any(ch in _LEET_CHARS for ch in stripped):
        return True
    lead, trail = len(token) - len(token.lstrip(_DIGITS)), len(token) - len(token.rstrip(_DIGITS))
    if lead <= 1 and trail <= 1 and (trail == 0 or token[-1] in _FINAL_LEET):
        return True
    return 2 <= len(stripped) <= 3 and max(lead, trail) <= 2


def _unleet(text: str) -> list[str]:
    """Digits and symbols mapped to letters; a "1" is an i or an l (each way for up to two).

    When one way spells a known given name, that is the reading: "Lu1u" is Lulu, not also
    "Luiu" one letter off Luis.
    """
    mapped = "".join(_LEET.get(ch, ch) for ch in text)
    ones = mapped.count("1")
    if ones == 0:
        return [mapped]
    if ones > 2:
        out = [mapped.replace("1", "i"), mapped.replace("1", "l")]
    else:
        parts = mapped.split("1")
        out = [
            parts[0] + "".join(letter + part for letter, part in zip(letters, parts[1:], strict=True))
            for letters in product("il", repeat=ones)
        ]
    return [name for name in out if is_known_given_name(name)] or out
