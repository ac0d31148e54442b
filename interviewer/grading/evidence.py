"""Verbatim quote verification: the one check every grader's evidence goes through.

A quote counts only if it appears in the candidate's own turns. Differences in whitespace, letter case,
quote marks, dashes and ellipses are forgiven (models and terminals change those); any change of words
is not. A verified quote is returned as the candidate's exact text, so evidence is always theirs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pydantic import BaseModel, Field

MIN_QUOTE_CHARS = 12  # shorter fragments ("the API") match almost anything and prove nothing
MIN_EVIDENCE_WORDS = 6  # a quote offered as evidence is a sentence that says something, not a fragment
_MARKUP = re.compile(r"<\s*/?\s*[a-z!][^>]*>|\b(javascript|onerror|onload)\s*[:=]|\{\{|\}\}|\$\{", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u2026": "...", "\u00a0": " ",
    }
)
_EDGE = " \t\n\"'.,;:!?-()[]…"


class QuoteCheck(BaseModel):
    kept: list[str] = Field(default_factory=list, description="the candidate's exact words for each verified quote")
    dropped: list[str] = Field(default_factory=list, description="quotes not found verbatim in the candidate's turns")


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text plus, for each normalised character, its index in the original."""
    out: list[str] = []
    index: list[int] = []
    previous_space = True
    for position, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).translate(_CHAR_MAP).casefold()
        for small in piece:
            if small.isspace():
                if previous_space:
                    continue
                small = " "
                previous_space = True
            else:
                previous_space = False
            out.append(small)
            index.append(position)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def normalise(text: str) -> str:
    return _normalise_with_map(text)[0]


def _core(quote: str) -> str:
    """The quote without wrapping quote marks, leading/trailing ellipses and punctuation."""
    text = normalise(quote)
    text = re.sub(r"^(\.\.\.|\s)+|(\.\.\.|\s)+$", "", text)
    return text.strip(_EDGE)


def locate(quote: str, candidate_turns: Iterable[str]) -> str | None:
    """The candidate's exact text that the quote reproduces, or None when it is not verbatim."""
    core = _core(quote)
    if len(core) < MIN_QUOTE_CHARS:
        return None
    for turn in candidate_turns:
        normalised, index = _normalise_with_map(turn)
        start = normalised.find(core)
        if start >= 0:
            end = index[start + len(core) - 1] + 1
            return turn[index[start]:end]
    return None


def is_substantive(sentence: str) -> bool:
    """Whether a sentence can stand as evidence: prose of several words, not markup, script or a code fragment.

    A pasted `<script>` tag or template placeholder may share a word with a cue ("alert", "template") but says
    nothing about how the candidate thinks, and shown in a debrief it reads as junk or worse.
    """
    if _MARKUP.search(sentence):
        return False
    tokens = sentence.split()
    words = [t for t in tokens if _WORD.fullmatch(t.strip(_EDGE + "*_`"))]
    return len(words) >= MIN_EVIDENCE_WORDS and len(words) >= 0.6 * len(tokens)


def verify_quotes(quotes: Iterable[str], candidate_turns: list[str]) -> QuoteCheck:
    """Keep the verbatim quotes (as the candidate wrote them, de-duplicated); drop and report the rest."""
    check = QuoteCheck()
    for quote in quotes:
        if not isinstance(quote, str) or not quote.strip():
            continue
        found = locate(quote, candidate_turns)
        if found is None:
            check.dropped.append(quote)
        elif found not in check.kept:
            check.kept.append(found)
    return check
