"""Usernames that cannot impersonate someone else with look-alike characters.

Two checks (Unicode TR 39 in spirit, with the `confusable_homoglyphs` data):
- a name mixing scripts with look-alike characters (Latin `jane` with a Cyrillic `а`) is refused;
- every name has a *skeleton*: NFKC, case-folded, each character replaced by its Latin look-alike,
  and the ASCII look-alikes folded (`0`→`o`, `1`/`i`→`l`, `rn`→`m`, `vv`→`w`, `.`/`_`→`-`).
  A new name whose skeleton equals an existing user's is refused (`Jane`, `jаne`, `jane_` ...).
"""

import functools
import re
import unicodedata

from confusable_homoglyphs import confusables, utils

ASCII_FOLDS = [("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("|", "l")]
SEPARATORS = re.compile(r"[._\-]+")


@functools.cache
def _latin_lookalikes():
    table = {}
    for char, homoglyphs in utils.load("confusables.json").items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in homoglyphs:
            candidate = glyph["c"]
            if candidate.isascii() and candidate.isprintable():
                table[char] = candidate.lower()
                break
    return table


def skeleton(username):
    """The form of a username that look-alikes share."""
    text = unicodedata.normalize("NFKC", username or "").casefold()
    table = _latin_lookalikes()
    text = "".join(table.get(char, char) for char in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    for before, after in ASCII_FOLDS:
        text = text.replace(before, after)
    return SEPARATORS.sub("-", text).strip("-")


def is_deceptive(username):
    """True when the name mixes scripts with characters that look like another script's."""
    return bool(confusables.is_dangerous(username or ""))
