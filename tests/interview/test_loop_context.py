"""The token budget: fixed parts always fit, recent turns verbatim, older ones compressed."""

from __future__ import annotations

import pytest

from interviewer.interview.context import HistoryTurn, fit, shorten_middle


def count(text: str) -> int:
    return len(text.split())


def history(n: int, words: int = 50) -> list[HistoryTurn]:
    turns = []
    for i in range(n):
        role = "interviewer" if i % 2 == 0 else "candidate"
        turns.append(HistoryTurn(role=role, content=f"turn{i} " + "word " * words))
    return turns


def test_everything_fits_when_the_window_is_large():
    turns = history(6)
    fitted = fit(fixed="system " * 50, history=turns, answer="my answer", count=count, window=4096, reserve=64)
    assert fitted.recent == turns and fitted.summary is None and fitted.tokens < 4096 - 64


def test_older_turns_are_compressed_into_a_summary_of_what_was_asked():
    turns = history(20)
    fitted = fit(fixed="system " * 50, history=turns, answer="my answer", count=count, window=500, reserve=64)
    assert fitted.tokens <= 500 - 64
    assert fitted.recent == turns[-len(fitted.recent) :] and 0 < len(fitted.recent) < 20
    assert fitted.summary and "turn0" in fitted.summary  # the first question is still named


def test_an_answer_too_long_for_the_window_is_shortened_in_the_middle():
    answer = "start " + "middle " * 5000 + "end"
    fitted = fit(fixed="system", history=[], answer=answer, count=count, window=1000, reserve=64)
    assert fitted.answer.startswith("start") and fitted.answer.endswith("end") and "[...]" in fitted.answer
    assert fitted.tokens <= 1000 - 64
    assert shorten_middle("short", count, 10) == "short"


def test_a_system_prompt_larger_than_the_window_is_an_error():
    with pytest.raises(ValueError):
        fit(fixed="system " * 600, history=[], answer="", count=count, window=512, reserve=64)
