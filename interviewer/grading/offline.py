"""The offline grader (`rubric`): no LLM, judges mechanisms and correctness from the rubric data.

Features (features.py) -> an ordinal model per dimension with fitted cut points (offline_model.json, built by
evals/fit_offline_grader.py on the training split) -> the rubric's hard rules: a wrong fact caps its
dimension, a dimension nobody touched is marked insufficient evidence and scored at most 2, and the
recommendation (fitted on the dimensions' levels, their probabilities and what the round showed overall) is passed
through the rule of scoring.md.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError, field_validator, model_validator
from sklearn.isotonic import isotonic_regression

from ..catalog import rubrics
from ..errors import DataError
from ..transcript import Transcript
from . import narrative
from .evidence import verify_quotes
from .features import FEATURE_NAMES, TranscriptFacts, belongs_to, evidence_sentences, extract
from .scorecard import DIMENSIONS, LEVEL_LABELS, NO_EVIDENCE_CAP, RECOMMENDATIONS, DimensionScore, Recommendation, Scorecard, enforce_recommendation

ARTEFACT_PATH = Path(__file__).with_name("offline_model.json")
MAX_QUOTE_CHARS = 260
# scoring.md puts wrong facts at level 1; in the training labels 10 of the 13 dimensions with a caught wrong
# fact are 1 and 3 are 2, and capping at 2 instead measured no better, so a caught wrong fact means 1.
WRONG_FACT_CAP = 1
# scoring.md level 4 is breadth across the round, not one good answer: every 4 in the training labels has at
# least two mechanism sentences on the dimension in a round of 120+ candidate words. Requiring more (several
# answers, a failure mode) measured worse on held-out writers, because their 4s show it in other ways.
EXCEPTIONAL_MIN_MECHANISMS = 2
EXCEPTIONAL_MIN_WORDS = 120
# No floor at 2 for the right words alone: the labels give 1 to many rounds full of domain words that serve a
# consumer app or dismiss the developer in ways the anti-signal cues miss. Dropping the floor the model already
# weighs "mentions" against moved leave-one-writer-out QWK 0.749/0.684/0.796 -> 0.756/0.707/0.796 on 13 writers.
# scoring.md: a dimension the round never touched "is still scored on what the candidate showed". With no sentence
# to quote it is held at NO_EVIDENCE_CAP; the model places it from the rest of the round. Human labels agree:
# of 30 training rounds where the cues find no sentence on a dimension, 18 are 1 and 8 are 2. Forcing 1, as
# before, cost the recommendation (leave-one-writer-out accuracy 0.60 -> 0.62 without it).


def expected_level(logits: np.ndarray) -> np.ndarray:
    """Threshold logits (..., 3) -> the expected level 1 + P(>1) + P(>2) + P(>3)."""
    return 1.0 + (1.0 / (1.0 + np.exp(-logits))).sum(axis=-1)


def level_probabilities(logits: np.ndarray) -> np.ndarray:
    """Threshold logits (3,) -> P(level = 1..4).

    The thresholds are fitted apart and may cross (P(>2) above P(>1)). Pooling the crossed ones (isotonic regression)
    makes P(>k) non-increasing and keeps their sum, so the expected level stays the model's raw output.
    """
    above = isotonic_regression(1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=float))), increasing=False)
    return -np.diff(np.concatenate([[1.0], above, [0.0]]))


def capped(probabilities: np.ndarray, cap: int) -> np.ndarray:
    """A level distribution after a rule held the score at `cap`: the mass above it moves to it."""
    out = probabilities.copy()
    out[cap - 1] += out[cap:].sum()
    out[cap:] = 0.0
    return out


class Standardised(BaseModel):
    """A model whose inputs are centred and scaled as they were when it was fitted."""

    mean: list[float]
    scale: list[float]

    @field_validator("scale")
    @classmethod
    def _scales_positive(cls, value: list[float]) -> list[float]:
        if any(s <= 0 for s in value):
            raise ValueError("input scales must be positive")
        return value

    def standardise(self, x: np.ndarray) -> np.ndarray:
        return (x - np.asarray(self.mean)) / np.asarray(self.scale)


class DimensionModel(Standardised):
    """A cumulative ordinal model: one logistic model per threshold ("above 1", "above 2", "above 3").

    The expected level 1 + P(>1) + P(>2) + P(>3) is the raw output; fitted cut points turn it into a score.
    """

    inputs: list[tuple[str, str]]  # (dimension, feature) pairs, in coefficient order
    coef: list[list[float]]  # one row per threshold
    intercept: list[float]
    cutpoints: list[float]

    @model_validator(mode="after")
    def _shapes_agree(self) -> "DimensionModel":
        width = len(self.inputs)
        if len(self.mean) != width or len(self.scale) != width or any(len(row) != width for row in self.coef):
            raise ValueError("dimension model coefficients do not match its inputs")
        if len(self.coef) != 3 or len(self.intercept) != 3 or len(self.cutpoints) != 3:
            raise ValueError("a dimension model needs three thresholds and three cut points")
        return self

    def vector(self, facts: TranscriptFacts) -> np.ndarray:
        return np.array([facts.features[d][f] for d, f in self.inputs])

    def logits(self, facts: TranscriptFacts) -> np.ndarray:
        return np.asarray(self.coef) @ self.standardise(self.vector(facts)) + np.asarray(self.intercept)

    def cut(self, raw: float) -> int:
        return 1 + int(np.searchsorted(np.asarray(self.cutpoints), raw, side="right"))


# The recommendation is a judgment on the whole round, not only on three levels that are each exactly right about
# half the time: it also sees how much each dimension explained and where it slipped, and whether the answers as a
# whole were evasive, hedged or vague. Leave-one-writer-out accuracy on 13 writers 0.58 -> 0.61, worst writer 0.40 -> 0.50;
# adding strong moves, wrong facts or dodged probes as well, or C 0.1-0.3, measured within 0.01 of that.
RECOMMENDATION_DIMENSION_FEATURES = ("mechanisms", "anti_signals")
RECOMMENDATION_ROUND_FEATURES = ("evasive_answers", "hedges", "vague")  # features of the whole round: the same under every dimension
# It also sees how likely each recommendation is on the levels alone. The labels' recommendation is nearly a function
# of the three levels' minimum and sum (96% of training rounds get the one most common for theirs), a step function
# that a linear model of the levels cannot draw. Each dimension model's probability of each level, summed over the 64
# possible triples through the training labels' table, gives that likelihood even when no level is certain.
# A small gain, measured twice: on 60 rounds of three blind writers before they joined, 0.52 -> 0.58, and
# leave-one-writer-out on 59 writers 0.598 -> 0.606 (43 rounds made right, 37 made wrong; 18 writers better, 15 worse).
LIKELIHOOD_FLOOR = 1e-4  # keeps the log finite where the level probabilities leave a recommendation (almost) no mass
TABLE_SMOOTHING = 0.5  # added to every recommendation's count for each (minimum, sum), so none is impossible
RECOMMENDATION_INPUTS = (
    len(DIMENSIONS) + 1 + len(DIMENSIONS) * len(RECOMMENDATION_DIMENSION_FEATURES) + len(RECOMMENDATION_ROUND_FEATURES) + len(RECOMMENDATIONS)
)
LEVEL_TRIPLES = np.array(list(itertools.product((1, 2, 3, 4), repeat=len(DIMENSIONS))))


def table_key(levels: np.ndarray) -> str:
    """Where a triple of levels sits in the recommendation table: its minimum and its sum."""
    return f"{int(min(levels))},{int(sum(levels))}"


TABLE_KEYS = sorted({table_key(t) for t in LEVEL_TRIPLES})
_TRIPLE_KEYS = [table_key(t) for t in LEVEL_TRIPLES]


def recommendation_likelihood(probabilities: np.ndarray, table: dict[str, list[float]]) -> np.ndarray:
    """probabilities: 3 x 4 (each dimension's P(level)) -> P(recommendation) from the levels alone, dimensions taken as independent."""
    weights = np.prod([probabilities[k, LEVEL_TRIPLES[:, k] - 1] for k in range(len(DIMENSIONS))], axis=0)
    return weights @ np.array([table[key] for key in _TRIPLE_KEYS])


def recommendation_inputs(levels: np.ndarray, likelihood: np.ndarray, facts: list[TranscriptFacts]) -> np.ndarray:
    """levels: n x 3 continuous dimension levels, likelihood: n x 4 (recommendation_likelihood), facts: the n rounds' features
    -> n x RECOMMENDATION_INPUTS."""
    per_dimension = [[f.features[d][name] for d in DIMENSIONS for name in RECOMMENDATION_DIMENSION_FEATURES] for f in facts]
    per_round = [[f.features[DIMENSIONS[0]][name] for name in RECOMMENDATION_ROUND_FEATURES] for f in facts]
    return np.column_stack([levels, levels.min(axis=1), np.array(per_dimension), np.array(per_round), np.log(likelihood + LIKELIHOOD_FLOOR)])


def _is_distribution(row: list[float]) -> bool:
    """Four finite, positive probabilities that sum to 1 (a zero or NaN would make every recommendation's input -inf or NaN)."""
    values = np.asarray(row, dtype=float)
    return values.shape == (len(RECOMMENDATIONS),) and bool(np.isfinite(values).all() and (values > 0).all()) and abs(values.sum() - 1) < 1e-3


class RecommendationModel(Standardised):
    classes: list[Recommendation]
    coef: list[list[float]]
    intercept: list[float]
    # P(recommendation) in the training labels for each (minimum, sum) of the three levels, smoothed
    table: dict[str, list[float]]

    @model_validator(mode="after")
    def _fits_the_inputs(self) -> "RecommendationModel":
        if len(self.mean) != RECOMMENDATION_INPUTS or len(self.scale) != RECOMMENDATION_INPUTS or any(len(row) != RECOMMENDATION_INPUTS for row in self.coef):
            raise ValueError(f"the recommendation model needs {RECOMMENDATION_INPUTS} inputs")
        if sorted(self.table) != TABLE_KEYS or not all(_is_distribution(row) for row in self.table.values()):
            raise ValueError("the recommendation table needs a distribution over the four recommendations for every (minimum, sum) of three levels")
        return self

    def predict(self, reading: "DimensionReading", facts: TranscriptFacts) -> Recommendation:
        likelihood = recommendation_likelihood(reading.probability_matrix(), self.table)
        x = recommendation_inputs(np.array([reading.level_vector()]), np.array([likelihood]), [facts])[0]
        logits = np.asarray(self.coef) @ self.standardise(x) + np.asarray(self.intercept)
        if len(self.classes) == 2:  # sklearn stores one row for a binary problem
            return self.classes[int(logits[0] > 0)]
        return self.classes[int(np.argmax(logits))]


class OfflineModel(BaseModel):
    features: list[str]
    dimensions: dict[str, DimensionModel]
    recommendation: RecommendationModel
    n_train: int = 0
    trained_on: str = ""


@lru_cache(maxsize=1)
def load_model(path: Path = ARTEFACT_PATH) -> OfflineModel:
    try:
        model = OfflineModel.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise DataError(f"The offline grader's model {path} is missing: run `python evals/fit_offline_grader.py` or reinstall.") from exc
    except (ValueError, ValidationError) as exc:
        raise DataError(f"The offline grader's model {path} is invalid: rebuild it with `python evals/fit_offline_grader.py`.") from exc
    if not set(model.features) <= set(FEATURE_NAMES):
        raise DataError(f"The offline grader's model {path} was fitted on other features: rebuild it with `python evals/fit_offline_grader.py`.")
    return model


def shown_breadth(facts: TranscriptFacts, dimension: str) -> bool:
    """Enough shown for a 4: a full round, and more than one sentence on the dimension that explains a mechanism."""
    mechanisms = sum(1 for s in facts.sentences if s.is_mechanism(dimension))
    return facts.words >= EXCEPTIONAL_MIN_WORDS and mechanisms >= EXCEPTIONAL_MIN_MECHANISMS


@dataclass
class DimensionReading:
    """What the dimension models and the rubric's rules make of one round."""

    scores: dict[str, int]
    levels: dict[str, float]  # continuous, within half a point of the score
    probabilities: dict[str, np.ndarray]  # P(level = 1..4), with the mass a rule ruled out moved to its cap
    notes: list[str] = field(default_factory=list)

    def level_vector(self) -> np.ndarray:
        return np.array([self.levels[d] for d in DIMENSIONS], dtype=float)

    def probability_matrix(self) -> np.ndarray:
        return np.array([self.probabilities[d] for d in DIMENSIONS])


def read_dimensions(model: OfflineModel, facts: TranscriptFacts) -> DimensionReading:
    """Each dimension's score after the rubric's rules, its continuous level and level probabilities, and the notes the rules left.

    The level is the model's raw output kept within half a point of the final score: a borderline 3 and a
    clear 3 stay apart for the recommendation, while a rule that moved the score moves the level with it.
    """
    reading = DimensionReading(scores={}, levels={}, probabilities={})
    for d in DIMENSIONS:
        logits = model.dimensions[d].logits(facts)
        raw = float(expected_level(logits))
        score = model.dimensions[d].cut(raw)
        ceiling = NO_EVIDENCE_CAP if facts.features[d]["mentions"] == 0 else 4
        score = min(score, ceiling)
        if not shown_breadth(facts, d):
            ceiling = min(ceiling, 3)
            if score == 4:
                reading.notes.append(f"{d} held at 3: a 4 needs mechanisms across a full round, and this one showed less.")
                score = 3
        wrong = [w for w in facts.wrong_facts if w.dimension == d]
        if wrong:
            ceiling = min(ceiling, WRONG_FACT_CAP)
            if score > WRONG_FACT_CAP:
                reading.notes.append(f"{d} capped at {WRONG_FACT_CAP} by a wrong fact ({wrong[0].fact.id}).")
                score = WRONG_FACT_CAP
        reading.scores[d] = score
        reading.levels[d] = min(max(raw, score - 0.5), score + 0.5)
        reading.probabilities[d] = capped(level_probabilities(logits), ceiling)
    return reading


# The recommendation is judged on its own and only ever lowered by the rule. Deciding scores and recommendation
# together instead (borderline scores moved toward the judgment, the recommendation read from a table of what the
# labels give each set of three levels) gained on leave-one-writer-out (16 writers: rec accuracy 0.591 -> 0.615) but
# lost on 60 rounds of three writers no grader work had seen (0.567 -> 0.467; 6 rounds made wrong, none made right):
# a new writer's levels come out high, and the judgment's other inputs temper them where a table of levels cannot.
# That is why the table now reaches the judgment only as inputs (recommendation_likelihood), never as the decision.
def apply_rules(model: OfflineModel, facts: TranscriptFacts) -> tuple[dict[str, int], Recommendation, list[str]]:
    """Scores, recommendation and notes for one transcript's features."""
    reading = read_dimensions(model, facts)
    judged = model.recommendation.predict(reading, facts)
    recommendation = enforce_recommendation(reading.scores, judged)
    notes = list(reading.notes)
    if recommendation != judged:
        notes.append(f"Recommendation lowered from {judged} to {recommendation} by the scoring rule.")
    return reading.scores, recommendation, notes


def _clip_quote(text: str) -> str:
    """A long sentence shortened at a word boundary; still a verbatim substring."""
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    return text[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(",;:- ")


def _rationale(d: str, score: int, facts: TranscriptFacts) -> str:
    about = [s for s in facts.sentences if s.concepts[d]]
    mechanisms = [s for s in about if s.is_mechanism(d)]
    concepts = sorted(set().union(*(s.concepts[d] for s in mechanisms))) if mechanisms else []
    parts = [f"Scored {score} ({LEVEL_LABELS[score]})."]
    if mechanisms:
        parts.append(f"{len(mechanisms)} of {len(about)} relevant sentences explain a mechanism ({', '.join(c.replace('_', ' ') for c in concepts)}).")
    else:
        parts.append(f"{len(about)} sentences touch the topic but none says how it works, what fails or what it costs.")
    quantified = sum(1 for s in about if s.structure["quantity"])
    if quantified:
        parts.append(f"Quantified in {quantified}.")
    failures = sum(1 for s in about if s.structure["failure"])
    if failures:
        parts.append(f"Failure modes raised in {failures}.")
    if facts.features[d]["anti_signals"]:
        parts.append("Shows anti-signals from the rubric (e.g. consumer-app framing or 'it just works').")
    for hit in (w for w in facts.wrong_facts if w.dimension == d):
        parts.append(f"Wrong fact: \"{hit.fact.claim}\" is false; {hit.fact.correction}")
    for hit in (w for w in facts.withdrawn if w.dimension == d):
        parts.append(f"Took back a wrong claim (\"{hit.fact.claim}\") when probed; not held against the score.")
    return " ".join(parts)


class OfflineGrader:
    """The `rubric` grader. Deterministic, no model calls; ~ms per transcript after the first load."""

    name = "rubric"

    def __init__(self, model: OfflineModel | None = None):
        self.model = model or load_model()

    def grade(self, transcript: Transcript) -> Scorecard:
        facts = extract(transcript)
        scores, recommendation, notes = apply_rules(self.model, facts)
        catalog = rubrics()
        candidate_turns = transcript.candidate_turns()
        dimensions: dict[str, DimensionScore] = {}
        used: set[str] = set()  # a sentence already quoted for another dimension goes last, so each shows its own
        for d in DIMENSIONS:
            if facts.features[d]["mentions"] == 0:
                dimensions[d] = DimensionScore(
                    dimension=d,
                    score=scores[d],
                    insufficient_evidence=True,
                    rationale=(
                        f"Insufficient evidence: the round never touched {catalog[d].title.lower()}, and no candidate sentence showed it; "
                        f"scored {scores[d]} ({LEVEL_LABELS[scores[d]]}) on what the rest of the round showed, at most {NO_EVIDENCE_CAP} without a quote."
                    ),
                )
                continue
            wrong_sentences = [w.sentence for w in facts.wrong_facts if w.dimension == d]
            candidates = [s for s in evidence_sentences(facts, d, limit=6) if s.text not in wrong_sentences]
            # a solid or exceptional score is backed by the sentences that explain something; a sentence that only names
            # the topic ("I'd ask what the on-call rotation looks like") is evidence for a 1 or a 2, not padding for a 3
            explaining = [s for s in candidates if s.is_mechanism(d) or s.strong[d] > 0]
            chosen = explaining if scores[d] >= 3 and explaining else candidates
            # a sentence mainly about another dimension ("If the CRM webhook is slow, ... route with defaults" for telecom)
            # is quoted here only when nothing on this dimension's own topic is left to quote
            chosen = [s for s in chosen if belongs_to(s, d)] or chosen
            ranked = [s.text for s in chosen]
            ranked = sorted(ranked, key=lambda text: text in used)  # stable: strength order kept within each group
            quotes = (wrong_sentences[:1] + ranked)[:3]
            used.update(quotes)
            check = verify_quotes([_clip_quote(q) for q in quotes], candidate_turns)
            score = scores[d] if check.kept else min(scores[d], NO_EVIDENCE_CAP)
            dimensions[d] = DimensionScore(
                dimension=d,
                score=score,
                evidence=check.kept,
                dropped_quotes=check.dropped,
                insufficient_evidence=not check.kept,
                rationale=_rationale(d, score, facts),
            )
        if facts.injections:
            notes.append(f"Ignored {len(facts.injections)} sentence(s) addressed to the grader rather than the interviewer.")
        # a dimension left without a quotable sentence was held at NO_EVIDENCE_CAP above: the rule and the words follow the final scores
        return narrative.scorecard(
            dimensions,
            recommendation,
            grader=self.name,
            notes=notes,
            graded_turns=len(transcript.turns),
            concerns=[f"Wrong fact ({catalog[w.dimension].title.lower()}): {w.fact.correction}" for w in facts.wrong_facts],
            # the candidate's side as graded: text addressed to the grader never steers anything, drills included
            round_text=[t.content for t in transcript.turns if t.role == "interviewer"] + [s.text for s in facts.sentences],
            slips=[w.sentence for w in facts.wrong_facts],
        )
