"""What kind of turn the candidate just took: an answer, or a request the interviewer should meet differently.

A real interviewer restates a question a candidate asks about, gives a candidate who is stuck another way in
(and then moves on), and never hands over the answer or a verdict mid-round. Deciding which of those a turn is
belongs to code and data (prompts/candidate_replies.yaml), like every other move of the interview.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..catalog import prompt_data
from ..patterns import Pattern
from .text import content_words, split_sentences

RequestKind = Literal["clarify", "no_idea", "asks_verdict"]
ReplyKind = Literal["answer", RequestKind]
REQUEST_KINDS: tuple[RequestKind, ...] = ("asks_verdict", "clarify", "no_idea")  # the first that matches wins


class ReplyCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    answer_min_words: int = Field(ge=1)
    filler_words: frozenset[str] = frozenset()
    clarify: list[Pattern] = Field(min_length=1)
    no_idea: list[Pattern] = Field(min_length=1)
    asks_verdict: list[Pattern] = Field(min_length=1)
    no_questions: list[Pattern] = Field(min_length=1)

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        return {kind: re.compile("|".join(f"(?:{p})" for p in getattr(self, kind)), re.IGNORECASE) for kind in (*REQUEST_KINDS, "no_questions")}


@lru_cache(maxsize=1)
def reply_cues() -> ReplyCues:
    return prompt_data("candidate_replies.yaml", ReplyCues)


class Reply(BaseModel):
    """The kind of turn, and whether an answer also asked for a verdict on the way ("..., is that right?")."""

    kind: ReplyKind
    asks_verdict: bool = False


def _asks_the_interviewer(sentence: str, match: re.Match[str]) -> bool:
    """A verdict cue counts only as a question, a request ("tell me the score") or the whole sentence ("Any hints?"):
    "The right answer for developers is an idempotency key" is an answer."""
    whole = match.start() <= 1 and match.end() >= len(sentence.rstrip(" .!")) - 1
    return sentence.rstrip().endswith("?") or whole or bool(re.search(r"\b(tell|give|show) me\b", sentence, re.IGNORECASE))


def _request_in(sentence: str, cues: ReplyCues) -> tuple[ReplyKind, re.Match[str]] | None:
    for kind in REQUEST_KINDS:
        match = cues.compiled[kind].search(sentence)
        if match and (kind != "asks_verdict" or _asks_the_interviewer(sentence, match)):
            return kind, match
    return None


def read_reply(text: str) -> Reply:
    """A turn is a request when its matching sentences leave almost nothing else said.

    A question the candidate asks ("Do you mean per number or per account?") and a request for a verdict
    ("tell me what score I'm getting") are requests whatever topic words they name; any other statement keeps what
    it says beyond the cue and its filler ("I don't know the exact limit, but carriers throttle ..." is an answer).
    """
    cues = reply_cues()
    kinds: list[ReplyKind] = []
    said: list[str] = []
    for sentence in split_sentences(text) or [text]:
        found = _request_in(sentence, cues)
        if found is None:
            said.append(sentence)
            continue
        kind, match = found
        kinds.append(kind)
        if kind != "asks_verdict" and not sentence.rstrip().endswith("?"):
            said.append(sentence[: match.start()] + " " + sentence[match.end() :])
    asks_verdict = "asks_verdict" in kinds
    substance = content_words(" ".join(said)) - cues.filler_words
    if not kinds or len(substance) >= cues.answer_min_words:
        return Reply(kind="answer", asks_verdict=asks_verdict)
    return Reply(kind=next(k for k in REQUEST_KINDS if k in kinds), asks_verdict=asks_verdict)


# "Thanks, nothing else from me, I think I'm all set for today" is about as long as having no questions gets
NO_QUESTIONS_MAX_WORDS = 15


def has_no_questions(text: str) -> bool:
    """Invited to ask questions, the candidate says they have none ("Thanks, I'm all set."); a turn that asks
    anything ("No questions on the role, but how big is the team?") is a question."""
    if "?" in text or re.search(r"\bbut\b", text, re.IGNORECASE) or len(text.split()) > NO_QUESTIONS_MAX_WORDS:
        return False
    return bool(reply_cues().compiled["no_questions"].search(text.strip()))
