"""The Scorecard: the contract of ../shared/spec/scoring.md as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Dimension = Literal["technical_empathy", "platform_thinking", "telecom_depth"]
DIMENSIONS: tuple[Dimension, ...] = ("technical_empathy", "platform_thinking", "telecom_depth")
Score = Literal[1, 2, 3, 4]
Recommendation = Literal["strong_no_hire", "no_hire", "hire", "strong_hire"]
RECOMMENDATIONS: tuple[Recommendation, ...] = ("strong_no_hire", "no_hire", "hire", "strong_hire")
LEVEL_LABELS = {1: "missing", 2: "surface", 3: "solid", 4: "exceptional"}
# A score with no verbatim quote behind it cannot be solid: every grader holds such a dimension at most at 2,
# flagged insufficient evidence. scoring.md still scores an untouched dimension "on what the candidate showed",
# so it is not forced to 1 either.
NO_EVIDENCE_CAP = 2


class DimensionScore(BaseModel):
    dimension: Dimension
    score: Score
    evidence: list[str] = Field(default_factory=list, description="verbatim quotes from the candidate's turns")
    rationale: str = ""
    insufficient_evidence: bool = False
    dropped_quotes: list[str] = Field(default_factory=list, description="quotes that were not verbatim, removed")
    spread: float | None = Field(None, description="score spread across samples, when self-consistency is used")


class Scorecard(BaseModel):
    dimensions: dict[Dimension, DimensionScore]
    recommendation: Recommendation
    summary: str = ""
    strengths: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    grader: str = ""
    rubric_version: str = ""
    notes: list[str] = Field(default_factory=list, description="what the grader adjusted, e.g. a recommendation the rule overrode")
    graded_turns: int | None = Field(None, description="how many turns the graded transcript had, so a stored debrief can tell it is stale")

    def scores(self) -> dict[Dimension, int]:
        return {d: self.dimensions[d].score for d in DIMENSIONS}


def recommendation_allowed(scores: dict[str, int], recommendation: str) -> bool:
    """The rule of scoring.md: a 1 rules out hire; strong_hire needs two 4s and nothing below 3."""
    values = [scores[d] for d in DIMENSIONS]
    if recommendation in ("hire", "strong_hire") and min(values) <= 1:
        return False
    if recommendation == "strong_hire" and (sum(v == 4 for v in values) < 2 or min(values) < 3):
        return False
    return True


def enforce_recommendation(scores: dict[str, int], recommendation: Recommendation) -> Recommendation:
    """The closest recommendation, at or below the one given, that the rule allows."""
    order = list(RECOMMENDATIONS)
    index = order.index(recommendation)
    while index > 0 and not recommendation_allowed(scores, order[index]):
        index -= 1
    return order[index]
