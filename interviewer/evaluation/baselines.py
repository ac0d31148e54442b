"""Baselines that every eval report carries, so a grader's lift over naive scoring is visible.

- majority: always predicts the most frequent gold label (of the train split when it ships, else of the data).
- keyword: counts each rubric's own vocabulary in the candidate's turns and maps the count to 1-4 by fixed
  thresholds. It rewards exactly what the hard cases exploit (buzzwords, length), which is the point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from .. import catalog
from ..grading.scorecard import (
    DIMENSIONS,
    RECOMMENDATIONS,
    DimensionScore,
    Recommendation,
    Scorecard,
    enforce_recommendation,
)
from ..transcript import Transcript
from .dataset import Dataset, Gold, LabeledTranscript

# Keyword hits per dimension at which the baseline moves up a level (2, 3, 4). Fixed, never refitted: set once
# to the rounded quartiles of the pooled counts on the writers' drafts, so its scores spread over all levels.
KEYWORD_THRESHOLDS = (5, 8, 12)
# Mean dimension score at which the recommendation moves up (no_hire, hire, strong_hire).
RECOMMENDATION_THRESHOLDS = (1.75, 2.5, 3.25)


def _rubric_text(rubric: catalog.Rubric) -> str:
    parts = [rubric.definition, *rubric.signals]
    for level in (3, 4):
        parts.extend(rubric.levels[level].anchors)
    return "\n".join(parts)


@lru_cache(maxsize=1)
def rubric_vocabulary() -> dict[str, tuple[str, ...]]:
    """Per dimension, the content words of its rubric that the other two rubrics never use."""
    analyzer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]{2,}\b").build_analyzer()
    words = {d: set(analyzer(_rubric_text(catalog.rubrics()[d]))) for d in DIMENSIONS}
    return {d: tuple(sorted(words[d] - set().union(*(words[o] for o in DIMENSIONS if o != d)))) for d in DIMENSIONS}


def recommendation_from_scores(scores: dict[str, int]) -> Recommendation:
    level = int(np.searchsorted(RECOMMENDATION_THRESHOLDS, np.mean(list(scores.values())), side="right"))
    return enforce_recommendation(scores, RECOMMENDATIONS[level])


class KeywordGrader:
    """The naive grader: more rubric words, higher score."""

    name = "baseline:keyword"

    def __init__(self) -> None:
        self._vectorizers = {
            d: CountVectorizer(vocabulary=vocab, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]{2,}\b", lowercase=True)
            for d, vocab in rubric_vocabulary().items()
        }

    def keyword_counts(self, transcript: Transcript) -> dict[str, int]:
        text = "\n".join(transcript.candidate_turns())
        return {d: int(v.transform([text]).sum()) for d, v in self._vectorizers.items()}

    def grade(self, transcript: Transcript) -> Scorecard:
        counts = self.keyword_counts(transcript)
        scores = {d: 1 + int(np.searchsorted(KEYWORD_THRESHOLDS, counts[d], side="right")) for d in DIMENSIONS}
        return Scorecard(
            dimensions={
                d: DimensionScore(dimension=d, score=scores[d], rationale=f"{counts[d]} rubric keywords") for d in DIMENSIONS
            },
            recommendation=recommendation_from_scores(scores),
            grader=self.name,
        )


class MajorityGrader:
    """Predicts the most frequent gold label of each dimension and of the recommendation, whatever it reads."""

    name = "baseline:majority"

    def __init__(self, labels: Sequence[Gold], source: str) -> None:
        if not labels:
            raise ValueError("the majority baseline needs at least one gold label")
        self.source = source
        self.labels: dict[str, object] = {}
        for target, order in [*((d, (1, 2, 3, 4)) for d in DIMENSIONS), ("recommendation", RECOMMENDATIONS)]:
            counts = Counter(getattr(gold, target) for gold in labels)
            # ties go to the label that comes first in the scale, so the baseline is deterministic
            self.labels[target] = max(order, key=lambda label: (counts[label], -order.index(label)))

    def grade(self, transcript: Transcript) -> Scorecard:
        return Scorecard(
            dimensions={
                d: DimensionScore(dimension=d, score=self.labels[d], rationale=f"majority label of {self.source}")
                for d in DIMENSIONS
            },
            recommendation=self.labels["recommendation"],
            grader=self.name,
        )


def majority_baseline(evaluated: Sequence[LabeledTranscript], train: Dataset | None) -> MajorityGrader:
    """Fit on the train split when it ships, else on the evaluated data (and say so)."""
    if train is not None:
        return MajorityGrader([item.gold for item in train.items], source=f"train split ({Path(train.path).name})")
    return MajorityGrader([item.gold for item in evaluated], source="evaluated data (no train split found)")
