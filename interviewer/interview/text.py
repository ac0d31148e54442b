"""Small word-level helpers the policy and the guard share: content words, n-grams, sentences."""

from __future__ import annotations

import re

# Function words that carry no topic: overlap between two lines is measured on what remains.
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into is it its
    just let me more most my not of on or our so than that the their them then there these they this those to
    us was we were what when where which while who why will with would you your about any some tell walk
    through think like one would make much many also very""".split()
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 2}


def overlap(part: str, whole: str) -> float:
    """Share of ``part``'s content words that also occur in ``whole`` (0 when ``part`` has none)."""
    mine = content_words(part)
    return len(mine & content_words(whole)) / len(mine) if mine else 0.0


def ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    seq = words(text)
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def shares_ngram(text: str, other: str, n: int) -> bool:
    if not other:
        return False
    return bool(set(ngrams(text, n)) & set(ngrams(other, n)))


def split_sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text.strip())) if s]


def complete_sentence_end(buffer: str) -> int:
    """Index just past the first complete sentence in a streamed buffer (-1 while it is still growing)."""
    match = re.search(r"[.!?][\"')\]]*(\s+|$)", buffer)
    if match is None or not match.group(1):
        return -1
    return match.end()
