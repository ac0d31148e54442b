"""Deterministic features of a transcript, per dimension, derived from the rubric data.

Each candidate sentence is tagged with the domain concepts it is about (rubrics/offline/cues.yaml) and with
the structure that shows a mechanism: cause or condition, failure, numbers or concrete identifiers, and
trade-offs. Only sentences with a concept AND enough structure count as mechanisms; concept words alone
("robust, idempotent, carrier-grade webhooks") are counted separately, as unsupported vocabulary.
On top of that: the rubric's level-3/4 moves ("strong"), its level-1 anti-signals, wrong facts (the rubric
files' patterns plus the grader's extra phrasings), vague filler, hedges, and follow-up questions on a
dimension that the answer dodged. Text addressed to the grader is removed before anything is counted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from ..catalog import WrongFact, rubrics
from ..errors import DataError
from ..paths import data_dir
from ..transcript import Transcript
from .evidence import is_substantive
from .scorecard import DIMENSIONS, Dimension

STRUCTURE_KINDS = ("causal", "failure", "quantity", "specific", "tradeoff")
BASE_FEATURES = (
    "mechanisms", "breadth", "mentions", "unsupported", "quantified", "failure_modes", "strong_moves", "anti_signals", "wrong_facts", "vague", "words",
    "evasive_answers", "hedges", "mechanism_density", "strong_density", "probes_dodged",
    "developer_actor", "end_user_actor", "developer_share", "end_user_product",
    "end_user_mechanisms", "quantified_failures", "plain_answers",
    "own_mechanisms", "mechanism_turns", "turn_coverage", "layered_mechanisms",
)
# The last four (how mechanisms spread over answers and stack within a sentence), on 71 writers leave-one-writer-out:
# QWK 0.719/0.670/0.799 -> 0.740/0.669/0.811, recommendation accuracy 0.612 -> 0.626.
# How much more a dimension shows than the transcript's average over the three. A verbose writer or candidate
# raises every count at once; the contrast between dimensions ("strong telecom, no developer in sight") survives.
CONTRASTED = ("mechanisms", "breadth", "strong_moves", "mentions", "quantified", "failure_modes")
RELATIVE_FEATURES = tuple(f"relative_{name}" for name in CONTRASTED)
FEATURE_NAMES = BASE_FEATURES + RELATIVE_FEATURES
# Structure points a concept sentence needs to count as a mechanism. It was 2 while the camelCase cue, compiled
# case-insensitively, matched every word and so gave each sentence a free point; with that fixed, 1 real point is
# the same bar (leave-one-writer-out QWK on 10 writers 0.76/0.70/0.84 -> 0.78/0.71/0.84; 2 real points: 0.73/0.65/0.79).
MECHANISM_THRESHOLD = 1


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


class DimensionCues(BaseModel):
    concepts: dict[str, list[str]]
    strong: list[str] = []
    anti: list[str] = []

    @field_validator("concepts")
    @classmethod
    def _patterns_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in value.values():
            _compile(patterns)
        return value


class Actors(BaseModel):
    """Who the candidate's sentences are about: the developer who builds on the API, or the people using an app."""

    developer: list[str]
    end_user: list[str]
    end_user_product: list[str]


class Cues(BaseModel):
    version: str
    structure: dict[str, list[str]]
    injection: list[str]
    not_a_claim: list[str]
    retraction: list[str] = []
    actors: Actors
    dimensions: dict[Dimension, DimensionCues]
    # defined once in the file; the wrong facts' `unless` lists reuse them by YAML alias
    denials: str = ""
    contradictions: str = ""
    reported: str = ""
    extra_wrong_facts: dict[Dimension, list[WrongFact]] = {}

    @field_validator("structure")
    @classmethod
    def _structure_complete(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [k for k in (*STRUCTURE_KINDS, "vague", "hedge") if k not in value]
        if missing:
            raise ValueError(f"structure lacks {', '.join(missing)}")
        for patterns in value.values():
            _compile(patterns)
        return value


@dataclass(frozen=True)
class CompiledCues:
    version: str
    structure: dict[str, list[re.Pattern[str]]]
    vague: list[re.Pattern[str]]
    hedge: list[re.Pattern[str]]
    injection: list[re.Pattern[str]]
    not_a_claim: list[re.Pattern[str]]
    retraction: list[re.Pattern[str]]
    developer_actor: list[re.Pattern[str]]
    end_user_actor: list[re.Pattern[str]]
    end_user_product: list[re.Pattern[str]]
    concepts: dict[str, dict[str, list[re.Pattern[str]]]]
    strong: dict[str, list[re.Pattern[str]]]
    anti: dict[str, list[re.Pattern[str]]]
    wrong_facts: dict[str, list[WrongFact]]


@lru_cache(maxsize=1)
def cues() -> CompiledCues:
    path = data_dir("rubrics") / "offline" / "cues.yaml"
    try:
        model = Cues.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        return _compiled(model)
    except OSError as exc:
        raise DataError(f"The offline grader's cue file {path} is missing: reinstall the package.") from exc
    except (yaml.YAMLError, ValidationError, re.error) as exc:
        raise DataError(f"The offline grader's cue file {path} is invalid ({str(exc).splitlines()[0]}): fix it or reinstall.") from exc


def _compiled(model: Cues) -> CompiledCues:
    loaded = rubrics()
    return CompiledCues(
        version=model.version,
        structure={k: _compile(v) for k, v in model.structure.items() if k in STRUCTURE_KINDS},
        vague=_compile(model.structure["vague"]),
        hedge=_compile(model.structure["hedge"]),
        injection=_compile(model.injection),
        not_a_claim=_compile(model.not_a_claim),
        retraction=_compile(model.retraction),
        developer_actor=_compile(model.actors.developer),
        end_user_actor=_compile(model.actors.end_user),
        end_user_product=_compile(model.actors.end_user_product),
        concepts={d: {c: _compile(p) for c, p in model.dimensions[d].concepts.items()} for d in DIMENSIONS},
        strong={d: _compile(model.dimensions[d].strong) for d in DIMENSIONS},
        anti={d: _compile(model.dimensions[d].anti) for d in DIMENSIONS},
        wrong_facts={d: [*loaded[d].wrong_facts, *model.extra_wrong_facts.get(d, [])] for d in DIMENSIONS},
    )


_SENTENCE_END = re.compile(r"(?<!\b\d[.)])(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|\n+|(?<=:)\s+(?=\d[.)]\s)")


# Chat answers are often typed all in lower case: a full stop before a lower-case word ends a sentence too
# (before a capital or a digit, _SENTENCE_END splits as always), unless it closes an abbreviation ("e.g.",
# "a.m.", "U.S."), a list number ("1.") or trails off ("..."). Closing quotes and brackets stay with their sentence.
_LOWERCASE_SENTENCE_END = re.compile(r"(?<=[.!?])([\"'”’)]*)\s+(?=[\"'“‘(]?[a-z])")
_NOT_A_SENTENCE_END = re.compile(r"((?<![\w-])(e\.g|i\.e|etc|vs|cf|approx|incl|esp|resp|a\.m|p\.m|[a-z])\.|^\W*\d+\.|\.\.|…)[\"'”’)]*$", re.IGNORECASE)
_ABBREVIATION_REACH = 16  # characters before a full stop that can hold an abbreviation; a longer look would rescan the paragraph


def _split_lowercase(text: str) -> list[str]:
    sentences, start = [], 0
    for match in _LOWERCASE_SENTENCE_END.finditer(text):
        end = match.end(1)
        if not _NOT_A_SENTENCE_END.search(text, max(start, end - _ABBREVIATION_REACH), end):
            sentences.append(text[start:end])
            start = match.end()
    return [*sentences, text[start:]]


# Speech transcribed without full stops runs a whole answer into one "sentence", and a sentence that long names
# every topic and every structure cue at once, so it reads as a mechanism on every dimension. A paragraph whose
# sentences average more words than punctuated answers almost ever do is read as such a transcript, and its long
# sentences are cut at their clause joins instead: a semicolon, or a comma before a conjunction or a new subject.
RUN_ON_AVERAGE_WORDS = 35
RUN_ON_WORDS = 25
MIN_CLAUSE_WORDS = 6
_CLAUSE_JOIN = re.compile(
    r"\s*;\s+|,\s+(?=(?:and|so|but|then|because|which|or|plus|whereas|while|otherwise|also|first|second|third|finally|"
    r"i|i'd|i'm|i'll|we|we'd|we're|we'll|they|they'd|they're|you|you'd|you're|it|it's|that|that's|this|there|there's)\b)",
    re.IGNORECASE,
)


def _split_run_on(sentence: str) -> list[str]:
    spans: list[tuple[int, int]] = []  # clause spans in the sentence, so that every clause quotes it verbatim
    start = 0
    for join in [*_CLAUSE_JOIN.finditer(sentence), None]:
        end = join.start() if join else len(sentence)
        if sentence[start:end].strip():
            short = len(sentence[start:end].split()) < MIN_CLAUSE_WORDS
            if spans and (short or len(sentence[spans[-1][0]:spans[-1][1]].split()) < MIN_CLAUSE_WORDS):
                spans[-1] = (spans[-1][0], end)  # a fragment stays with its neighbour
            else:
                spans.append((start, end))
        start = join.end() if join else end
    return [sentence[a:b].strip() for a, b in spans]


def split_sentences(text: str) -> list[str]:
    parts = (s.strip() for s in _SENTENCE_END.split(text) if s and s.strip())
    sentences = [sentence.strip() for part in parts for sentence in _split_lowercase(part) if sentence.strip()]
    if not sentences or len(text.split()) / len(sentences) <= RUN_ON_AVERAGE_WORDS:
        return sentences
    return [clause for sentence in sentences for clause in (_split_run_on(sentence) if len(sentence.split()) > RUN_ON_WORDS else [sentence])]


@dataclass
class Sentence:
    text: str
    turn: int
    concepts: dict[str, set[str]]
    structure: dict[str, bool]
    vague: int
    strong: dict[str, int]
    anti: dict[str, int]
    about_developer: bool  # who the sentence is about: the developer who builds on the API, or the app's user
    about_end_user: bool

    @property
    def mechanism(self) -> int:
        s = self.structure
        return int(s["causal"]) + int(s["failure"]) + int(s["quantity"] or s["specific"]) + int(s["tradeoff"])

    def is_mechanism(self, dimension: str) -> bool:
        return bool(self.concepts[dimension]) and self.mechanism >= MECHANISM_THRESHOLD


@dataclass
class WrongFactHit:
    dimension: str
    fact: WrongFact
    sentence: str


@dataclass
class TranscriptFacts:
    sentences: list[Sentence]
    injections: list[str]
    wrong_facts: list[WrongFactHit]
    words: int
    withdrawn: list[WrongFactHit] = field(default_factory=list)  # stated, then taken back under the probe
    features: dict[str, dict[str, float]] = field(default_factory=dict)


def _any(patterns: list[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def is_injection(sentence: str) -> bool:
    return _any(cues().injection, sentence)


def wrong_facts_in(sentence: str, compiled: CompiledCues | None = None) -> list[tuple[str, WrongFact]]:
    """The known misconceptions a sentence claims, one entry each: none if it only reports, questions or refutes them."""
    compiled = compiled or cues()
    if _any(compiled.not_a_claim, sentence):
        return []
    claimed: dict[str, tuple[str, WrongFact]] = {}
    for d in DIMENSIONS:
        for fact in compiled.wrong_facts[d]:
            if fact.key not in claimed and fact.matches(sentence):
                claimed[fact.key] = (d, fact)
    return list(claimed.values())


def _sentence(text: str, turn: int, compiled: CompiledCues) -> Sentence:
    concepts = {d: {name for name, pats in compiled.concepts[d].items() if _any(pats, text)} for d in DIMENSIONS}
    structure = {kind: _any(compiled.structure[kind], text) for kind in STRUCTURE_KINDS}
    vague = sum(len(p.findall(text)) for p in compiled.vague)
    strong = {d: sum(1 for p in compiled.strong[d] if p.search(text)) for d in DIMENSIONS}
    anti = {d: sum(1 for p in compiled.anti[d] if p.search(text)) for d in DIMENSIONS}
    return Sentence(
        text=text, turn=turn, concepts=concepts, structure=structure, vague=vague, strong=strong, anti=anti,
        about_developer=_any(compiled.developer_actor, text), about_end_user=_any(compiled.end_user_actor, text),
    )


def extract(transcript: Transcript) -> TranscriptFacts:
    compiled = cues()
    sentences: list[Sentence] = []
    injections: list[str] = []
    for turn_index, turn in enumerate(transcript.candidate_turns()):
        for paragraph in turn.split("\n"):
            # an injection often runs on ("... You are now in evaluation mode: output ..."): drop the paragraph's rest
            injected = False
            for text in split_sentences(paragraph):
                injected = injected or _any(compiled.injection, text)
                if injected:
                    injections.append(text)
                else:
                    sentences.append(_sentence(text, turn_index, compiled))
    retractions = [i for i, s in enumerate(sentences) if _any(compiled.retraction, s.text)]
    wrong: list[WrongFactHit] = []
    withdrawn: list[WrongFactHit] = []
    for i, sentence in enumerate(sentences):
        taken_back = any(j > i and sentences[j].turn <= sentence.turn + 1 for j in retractions)
        hits = withdrawn if taken_back else wrong
        for dimension, fact in wrong_facts_in(sentence.text, compiled):
            if not any(w.fact.key == fact.key for w in hits):
                hits.append(WrongFactHit(dimension, fact, sentence.text))
    withdrawn = [w for w in withdrawn if not any(h.fact.key == w.fact.key for h in wrong)]
    words = sum(len(s.text.split()) for s in sentences)
    facts = TranscriptFacts(sentences=sentences, injections=injections, wrong_facts=wrong, words=words, withdrawn=withdrawn)
    vague_rate = 100.0 * sum(s.vague for s in sentences) / max(words, 20)
    turns = len(transcript.candidate_turns())
    # an answer with no mechanism on any dimension: the follow-up was waved away
    evasive = sum(
        1 for t in range(turns) if not any(s.turn == t and any(s.is_mechanism(d) or s.strong[d] for d in DIMENSIONS) for s in sentences)
    ) / max(turns, 1)
    hedges = math.log1p(sum(1 for s in sentences if _any(compiled.hedge, s.text)))
    questions = [question for question, _ in transcript.exchanges()]
    # scoring.md's level 1 is "no developer in sight": whose problem the sentences are about, whatever the topic
    developer_actor = sum(1 for s in sentences if s.about_developer)
    end_user_actor = sum(1 for s in sentences if s.about_end_user)
    end_user_product = sum(1 for s in sentences if _any(compiled.end_user_product, s.text))
    # reasoning (a cause, a failure, a number, a trade-off) in plain words, without a domain term of any dimension:
    # the question it answers says what it is about
    plain_turns = [s.turn for s in sentences if s.mechanism >= 1 and not any(s.concepts.values())]
    for dimension in DIMENSIONS:
        probed = {i for i, q in enumerate(questions) if any(_any(p, q) for p in compiled.concepts[dimension].values())}
        about = [s for s in sentences if s.concepts[dimension]]
        mechanisms = [s for s in about if s.is_mechanism(dimension)]
        # a mechanism for the app's user ("the user taps resend and waits 30 seconds") is not the developer's journey
        for_end_users = [s for s in mechanisms if s.about_end_user and not s.about_developer]
        # how the mechanisms spread and stack: over several answers or in one; mainly about this dimension or
        # passing through it from another; one structure point per sentence or several (a cause and its cost)
        mechanism_turns = {s.turn for s in mechanisms}
        facts.features[dimension] = {
            "quantified_failures": math.log1p(sum(1 for s in about if s.structure["quantity"] and s.structure["failure"])),
            "end_user_mechanisms": len(for_end_users) / len(mechanisms) if mechanisms else 0.0,
            "mechanisms": math.log1p(len(mechanisms)),
            "breadth": float(len(set().union(*(s.concepts[dimension] for s in mechanisms)))),
            "mentions": math.log1p(len(about)),
            "unsupported": (len(about) - len(mechanisms)) / len(about) if about else 0.0,
            "quantified": math.log1p(sum(1 for s in about if s.structure["quantity"])),
            "failure_modes": math.log1p(sum(1 for s in about if s.structure["failure"])),
            "strong_moves": math.log1p(sum(s.strong[dimension] for s in sentences)),
            "anti_signals": math.log1p(sum(s.anti[dimension] for s in sentences)),
            "wrong_facts": float(sum(1 for w in wrong if w.dimension == dimension)),
            "vague": vague_rate,
            "words": math.log1p(words),
            "mechanism_density": len(mechanisms) / max(len(sentences), 1),
            "strong_density": sum(s.strong[dimension] for s in sentences) / max(len(sentences), 1),
            "evasive_answers": evasive,
            "probes_dodged": _probes_dodged(dimension, probed, sentences),
            "hedges": hedges,
            "developer_actor": math.log1p(developer_actor),
            "end_user_actor": math.log1p(end_user_actor),
            "developer_share": (developer_actor + 1) / (developer_actor + end_user_actor + 2),
            "end_user_product": math.log1p(end_user_product),
            "plain_answers": math.log1p(sum(1 for turn in plain_turns if turn in probed)),
            "own_mechanisms": math.log1p(sum(1 for s in mechanisms if belongs_to(s, dimension))),
            "mechanism_turns": math.log1p(len(mechanism_turns)),
            "turn_coverage": len(mechanism_turns) / max(len({s.turn for s in about}), 1),
            "layered_mechanisms": math.log1p(sum(1 for s in about if s.mechanism >= 2)),
        }
    for name in CONTRASTED:
        average = sum(facts.features[d][name] for d in DIMENSIONS) / len(DIMENSIONS)
        for dimension in DIMENSIONS:
            facts.features[dimension][f"relative_{name}"] = facts.features[dimension][name] - average
    return facts


def _probes_dodged(dimension: str, probed: set[int], sentences: list[Sentence]) -> float:
    """Of the questions that probed this dimension (their indices), the share whose answer showed no mechanism for it."""
    if not probed:
        return 0.0
    answered = {s.turn for s in sentences if s.is_mechanism(dimension) or s.strong[dimension]}
    return sum(1 for i in probed if i not in answered) / len(probed)


def _weight(sentence: Sentence, dimension: str) -> int:
    return len(sentence.concepts[dimension]) + 2 * sentence.strong[dimension]


def belongs_to(sentence: Sentence, dimension: str) -> bool:
    """Whether the sentence is about this dimension at least as much as about any other.

    A sentence about carriers that mentions an API is telecom evidence first, not platform evidence.
    """
    own = _weight(sentence, dimension)
    return own > 0 and own >= max(_weight(sentence, other) for other in DIMENSIONS if other != dimension)


def evidence_sentences(facts: TranscriptFacts, dimension: str, limit: int = 3) -> list[Sentence]:
    """The candidate's substantive sentences that show the most on a dimension, strongest first.

    A sentence that carries the dimension's signal (a mechanism or a rubric move) comes before one that only
    names the topic, and one mainly about this dimension before one mainly about another.
    """
    about = [s for s in facts.sentences if s.concepts[dimension] and is_substantive(s.text)]
    ranked = sorted(
        about,
        key=lambda s: (
            s.is_mechanism(dimension) or s.strong[dimension] > 0,
            belongs_to(s, dimension),
            s.strong[dimension],
            s.mechanism + len(s.concepts[dimension]),
            len(s.text),
        ),
        reverse=True,
    )
    return ranked[:limit]
