"""Keep a model request inside the context window: persona and task always, recent turns verbatim,
older turns compressed into one line, an over-long answer shortened in the middle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

Role = Literal["interviewer", "candidate"]


class HistoryTurn(BaseModel):
    role: Role
    content: str
    tokens: int | None = None


class FittedHistory(BaseModel):
    summary: str | None            # one line standing for the turns that did not fit
    recent: list[HistoryTurn]      # the newest turns that fit, oldest first
    answer: str                    # the latest answer, shortened if even it alone would not fit
    tokens: int                    # what the request will take, by the model's own count


def _summarise(turns: list[HistoryTurn]) -> str:
    """What the model must not lose from older turns: which questions were already asked."""
    asked = [" ".join(t.content.split()[:14]) for t in turns if t.role == "interviewer"]
    answered = sum(t.role == "candidate" for t in turns)
    return f"Earlier in this round you asked: {' | '.join(asked) or 'nothing yet'}. The candidate answered {answered} of them."


def shorten_middle(text: str, count: Callable[[str], int], budget: int) -> str:
    """Keep the start and end of a text that is over budget; the middle is marked as cut."""
    if count(text) <= budget:
        return text
    keep = len(text)
    while keep > 40:
        keep = int(keep * 0.8)
        shortened = f"{text[: keep // 2]} [...] {text[-keep // 2 :]}"
        if count(shortened) <= budget:
            return shortened
    return text[:40]


def fit(
    *,
    fixed: str,
    history: list[HistoryTurn],
    answer: str,
    count: Callable[[str], int],
    window: int,
    reserve: int,
    per_message: int = 8,
) -> FittedHistory:
    """Choose what of ``history`` goes into a request of at most ``window`` tokens.

    ``fixed`` is the system prompt plus the task text (always sent); ``reserve`` is kept free for the
    reply; ``per_message`` covers each message's chat-template overhead.
    """
    budget = window - reserve - count(fixed) - 2 * per_message
    if budget <= 0:
        raise ValueError("the system prompt alone does not fit the model's context window")
    answer = shorten_middle(answer, count, max(budget // 2, 16)) if answer else answer
    budget -= count(answer) + per_message if answer else 0
    recent: list[HistoryTurn] = []
    for turn in reversed(history):
        cost = (turn.tokens if turn.tokens is not None else count(turn.content)) + per_message
        if cost > budget:
            break
        budget -= cost
        recent.append(turn)
    recent.reverse()
    older = history[: len(history) - len(recent)]
    summary = None
    if older:
        summary = _summarise(older)
        while count(summary) + per_message > budget and recent:
            dropped = recent.pop(0)  # make room for the summary: it carries the questions already asked
            budget += (dropped.tokens if dropped.tokens is not None else count(dropped.content)) + per_message
            older.append(dropped)
            summary = _summarise(older)
        if count(summary) + per_message > budget:
            summary = None
        else:
            budget -= count(summary) + per_message
    used = window - reserve - budget
    return FittedHistory(summary=summary, recent=recent, answer=answer, tokens=used)
