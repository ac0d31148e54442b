"""Graders turn a transcript into a Scorecard. Chosen by a setting string: `rubric` | `llm:<model spec>`."""

from __future__ import annotations

from typing import Protocol

from ..transcript import Transcript
from .scorecard import DIMENSIONS, RECOMMENDATIONS, Scorecard


class Grader(Protocol):
    name: str  # the setting string it was built from, recorded in every Scorecard and eval report

    def grade(self, transcript: Transcript) -> Scorecard: ...


__all__ = ["DIMENSIONS", "RECOMMENDATIONS", "Grader", "Scorecard"]
