"""The phases of a round and the question plan a session follows.

The plan is chosen once, when the session starts, and stored with it: a resumed session asks what it
planned even if the question bank has changed since.
"""

from __future__ import annotations

import random
from enum import Enum

from pydantic import BaseModel, Field

from ..catalog import Persona, Question, Round
from ..grading.scorecard import DIMENSIONS, Dimension


class Phase(str, Enum):
    OPENING = "opening"
    MAIN = "main"
    PROBE = "probe"
    WRAP_UP = "wrap_up"
    CANDIDATE_QUESTIONS = "candidate_questions"
    CLOSE = "close"


class RoundPlan(BaseModel):
    """Which main questions this session asks, in order; the spares stand in when a question is skipped."""

    persona: str
    round: str
    question_ids: list[str] = Field(min_length=1)
    max_main_questions: int = Field(ge=1)
    max_probes_per_question: int = Field(ge=0)
    minutes: int = Field(gt=0)


def build_plan(persona: Persona, round_: Round, *, seen: frozenset[str] = frozenset(), seed: int | None = None) -> RoundPlan:
    """Order the round's bank for this persona.

    Greedy: each pick prefers questions the user has not seen in earlier sessions, then questions written for
    this persona (a Verify lead does not ask about the Flex desktop), then ones that reach a dimension not yet
    covered (so the grader gets evidence on all three), then the persona's hardest dimension. A seeded shuffle breaks ties, so repeated practice varies while a seed reproduces a plan.
    """
    rng = random.Random(seed)
    pool: list[Question] = list(round_.questions)
    rng.shuffle(pool)
    covered: set[Dimension] = set()
    ordered: list[Question] = []
    while pool:

        def rank(question: Question) -> tuple[bool, bool, bool, int, bool]:
            new_dimensions = len(set(question.dimensions) - covered)
            return (
                question.id not in seen,
                persona.id in question.personas,
                new_dimensions > 0,
                new_dimensions,
                persona.hardest_dimension in question.dimensions,
            )

        best = max(pool, key=rank)  # max keeps the first of equals, i.e. the shuffled order
        pool.remove(best)
        ordered.append(best)
        covered.update(best.dimensions)
        if covered >= set(DIMENSIONS):
            covered = set()
    return RoundPlan(
        persona=persona.id,
        round=round_.id,
        question_ids=[q.id for q in ordered],
        max_main_questions=round_.max_main_questions,
        max_probes_per_question=round_.max_probes_per_question,
        minutes=round_.minutes,
    )
