"""Searching the catalog the way people ask in Bahasa Indonesia. Pure functions, no I/O.

A document's text is normalised once (lowercase, no accents or punctuation). A query is split into
words, filler words are dropped ("syarat membuat paspor" → "paspor"), and each word is cut to a
rough stem by taking off one common suffix and one common prefix. The cut always leaves a part of
the word itself, so it still matches as a substring of other forms: *kelahiran* → *lahir*,
*perpanjangan* → *panjang*, *mendaftar* → *daftar*. Every remaining word must match.
"""

from __future__ import annotations

import re
import unicodedata

# Question and filler words that say nothing about which service is meant.
STOPWORDS = frozenset(
    """
    apa apakah bagaimana bisa buat bikin cara dan dari dengan di gimana ingin ini itu jika ke
    kalau layanan mau membuat mengurus pelayanan pembuatan pengurusan persyaratan saya syarat
    tentang untuk urus yang
    """.split()
)
SUFFIXES = ("nya", "kan", "an")
PREFIXES = (
    *("memper", "meng", "meny", "mem", "men", "me"),
    *("peng", "peny", "pem", "pen", "per", "pe"),
    *("ber", "ter", "di", "ke"),
)
MIN_STEM = 4

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lowercase words separated by single spaces, accents and punctuation removed."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub(" ", plain.lower()).strip()


def search_text(*parts: str) -> str:
    """What a document is found by: its parts, normalised, in one string."""
    return normalize(" ".join(p for p in parts if p))


def stem(word: str) -> str:
    """Take off one suffix, then one prefix, when at least ``MIN_STEM`` letters remain."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            break
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            return word[len(prefix) :]
    return word


def query_terms(query: str) -> list[str]:
    """The substrings that must all occur in a document's text for it to match ``query``."""
    terms = [stem(w) for w in normalize(query).split() if w not in STOPWORDS]
    return list(dict.fromkeys(t for t in terms if t))


def matches(query: str, text: str) -> bool:
    """The same rule in Python (the store applies it as one regular expression per term)."""
    return all(term in text for term in query_terms(query))
