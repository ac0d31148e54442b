"""The words around the scores, built from the scores and the rubric data (never from a model).

Shared by every grader so a debrief reads the same whoever scored it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..catalog import Drill, rubric_version, rubrics
from .scorecard import DIMENSIONS, LEVEL_LABELS, RECOMMENDATIONS, DimensionScore, Recommendation, Scorecard, enforce_recommendation


def by_strength(scores: dict[str, int]) -> list[str]:
    """Dimensions from weakest to strongest; ties keep the rubric order."""
    return sorted(DIMENSIONS, key=lambda d: (scores[d], -DIMENSIONS.index(d)))


def summary(scores: dict[str, int], recommendation: str) -> str:
    catalog = rubrics()
    order = by_strength(scores)
    weakest, strongest = order[0], order[-1]
    verdict = recommendation.replace("_", " ").capitalize()
    if scores[weakest] == scores[strongest]:
        return f"{verdict}: level {scores[weakest]} ({LEVEL_LABELS[scores[weakest]]}) on every dimension."
    return (
        f"{verdict}: strongest on {catalog[strongest].title.lower()} ({scores[strongest]}), "
        f"weakest on {catalog[weakest].title.lower()} ({scores[weakest]})."
    )


def strengths(dimensions: dict[str, DimensionScore]) -> list[str]:
    catalog = rubrics()
    return [f"{catalog[d].title}: \"{dimensions[d].evidence[0]}\"" for d in DIMENSIONS if dimensions[d].score >= 3 and dimensions[d].evidence]


def gaps(dimensions: dict[str, DimensionScore]) -> list[str]:
    """For each dimension below 3: what the next level up would have shown, from the rubric anchors."""
    catalog = rubrics()
    out = []
    for d in DIMENSIONS:
        score = dimensions[d].score
        if dimensions[d].insufficient_evidence:
            out.append(f"{catalog[d].title}: no verified evidence in this round.")
        elif score <= 2:
            out.append(f"{catalog[d].title} at {score} ({LEVEL_LABELS[score]}); a {score + 1} would: {catalog[d].levels[score + 1].anchors[0].rstrip('.')}.")
    return out


def relevance(drill: Drill, round_text: Sequence[str], slips: Sequence[str]) -> tuple[int, int]:
    """How much the round was about the drill's topic: the slips on it first (the drill that trains a fact the
    candidate got wrong leads whatever the round was about), then the lines that name it."""
    if drill.topic is None:
        return 0, 0
    return sum(1 for s in slips if drill.topic.search(s)), sum(1 for line in round_text if drill.topic.search(line))


def next_steps(scores: dict[str, int], round_text: Sequence[str] = (), slips: Sequence[str] = ()) -> list[str]:
    """Two drills for the weakest dimension and one for the next weakest, those about the round's topics and the
    candidate's wrong facts first (a voice round gets the WebRTC drill, not segment arithmetic); rubric order otherwise."""
    catalog = rubrics()
    order = by_strength(scores)

    def best(dimension: str, count: int) -> list[str]:
        drills = catalog[dimension].drills
        ranked = sorted(range(len(drills)), key=lambda i: (tuple(-n for n in relevance(drills[i], round_text, slips)), i))
        return [drills[i].text for i in ranked[:count]]

    return best(order[0], 2) + best(order[1], 1)


def scorecard(
    dimensions: dict[str, DimensionScore],
    judged: Recommendation,
    *,
    grader: str,
    notes: list[str],
    graded_turns: int,
    concerns: list[str] = (),
    round_text: Sequence[str] = (),
    slips: Sequence[str] = (),
) -> Scorecard:
    """The Scorecard every grader returns: the final dimension scores decide the rule and the words around them.

    round_text (the turns) and slips (the sentences stating a wrong fact) choose which drills come first."""
    scores = {d: dimensions[d].score for d in DIMENSIONS}
    recommendation = enforce_recommendation(scores, judged)
    if recommendation != judged:
        notes = [*notes, f"Recommendation lowered from {judged} to {recommendation} by the scoring rule."]
    # scoring.md: every score is backed by quotes. With none verified anywhere, nothing supports a hire.
    if not any(dimensions[d].evidence for d in DIMENSIONS) and RECOMMENDATIONS.index(recommendation) > RECOMMENDATIONS.index("no_hire"):
        notes = [*notes, f"Recommendation lowered from {recommendation} to no_hire: no score is backed by a verbatim quote."]
        recommendation = "no_hire"
    return Scorecard(
        dimensions=dimensions,
        recommendation=recommendation,
        summary=summary(scores, recommendation),
        strengths=strengths(dimensions),
        concerns=[*concerns, *gaps(dimensions)],
        next_steps=next_steps(scores, round_text, slips),
        grader=grader,
        rubric_version=rubric_version(),
        notes=notes,
        graded_turns=graded_turns,
    )
