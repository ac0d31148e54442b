"""Personas, rounds and rubrics: YAML data files loaded into validated pydantic models."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DataError
from .grading.scorecard import DIMENSIONS, Dimension
from .paths import data_dir
from .patterns import Pattern

Model = TypeVar("Model", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Persona(_Strict):
    id: str
    name: str
    title: str
    team: str
    summary: str
    cares_about: list[str] = Field(min_length=1)
    style: str
    hardest_dimension: Dimension
    signature_probes: list[str] = Field(min_length=1)
    opening: str
    closing: str


class Question(_Strict):
    id: str
    text: str
    dimensions: list[Dimension] = Field(min_length=1)
    personas: list[str] = Field(default_factory=list)
    # probes (the round's or a persona's signature probes) that ask this question again in other words, or would
    # hand over its answer: never asked in a round that asks, or will ask, this question
    rules_out_probes: list[str] = Field(default_factory=list)


class Round(_Strict):
    id: str
    title: str
    summary: str
    goal: str
    minutes: int = Field(gt=0)
    max_main_questions: int = Field(ge=1)
    max_probes_per_question: int = Field(ge=0)
    questions: list[Question] = Field(min_length=1)
    probes: dict[Dimension, list[str]]
    wrap_up: str
    candidate_questions: str

    @property
    def title_in_sentence(self) -> str:
        """The title as it reads mid-sentence: "the product design round", but "the API design round"."""
        first, _, rest = self.title.partition(" ")
        word = first if first.isupper() else first.lower()
        return f"{word} {rest.lower()}".strip()

    @model_validator(mode="after")
    def _every_dimension_has_probes(self) -> "Round":
        missing = [d for d in DIMENSIONS if not self.probes.get(d)]
        if missing:
            raise ValueError(f"no probes for {', '.join(missing)}")
        return self


class Level(_Strict):
    label: str
    anchors: list[str] = Field(min_length=1)


class WrongFact(_Strict):
    id: str
    pattern: Pattern
    claim: str
    correction: str
    # A cheap word test tried first: a pattern that weighs negation over the whole sentence costs far more than
    # looking for its topic, and most sentences never name the topic at all.
    requires: Pattern | None = None
    # Words (regular expressions) that, anywhere in the sentence, show it denies, contrasts or corrects the claim
    # rather than stating it; one list instead of a negative lookahead repeated at the head of every pattern.
    # Each word is checked on its own: joined, a group split across two entries would still compile.
    unless: tuple[Pattern, ...] = ()
    # Entries written for different phrasings of one misconception share this key, so that stating it once counts
    # once and the debrief corrects it once; an entry without it is its own misconception.
    misconception: str | None = None

    @property
    def key(self) -> str:
        return self.misconception or self.id

    # compiled once per entry, and a plain attribute after that (a pydantic private attribute costs more to read
    # than the search it guards)
    @cached_property
    def compiled_patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str], re.Pattern[str] | None]:
        def compiled(pattern: str | None) -> re.Pattern[str] | None:
            return re.compile(pattern, re.IGNORECASE) if pattern else None

        unless = r"\b(?:" + "|".join(self.unless) + r")\b" if self.unless else None
        return compiled(self.requires), re.compile(self.pattern, re.IGNORECASE), compiled(unless)

    def matches(self, text: str) -> re.Match[str] | None:
        requires, pattern, unless = self.compiled_patterns
        if requires and not requires.search(text):
            return None
        found = pattern.search(text)  # before `unless`: most sentences fail here, and the word list is the slower test
        if found and unless and unless.search(text):
            return None
        return found


class Drill(_Strict):
    """A practice task, and the words (a regular expression) of the topics it trains, so a debrief can pick the
    drills about what the round asked and where the candidate slipped rather than always the first few."""

    text: str
    about: Pattern | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        return {"text": value} if isinstance(value, str) else value

    @cached_property
    def topic(self) -> re.Pattern[str] | None:
        return re.compile(self.about, re.IGNORECASE) if self.about else None


class Rubric(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)  # graders may read extra keys they own

    dimension: Dimension
    version: str
    title: str
    definition: str
    levels: dict[Literal[1, 2, 3, 4], Level]
    signals: list[str]
    anti_signals: list[str]
    wrong_facts: list[WrongFact] = Field(default_factory=list)
    examples: dict[Literal[1, 2, 3, 4], list[str]] = Field(default_factory=dict)
    what_a_4_sounds_like: str = ""
    drills: list[Drill] = Field(default_factory=list)


def _load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"Cannot read {path}: {exc}") from exc


def _load_folder(folder: Path, model: type[BaseModel]) -> dict[str, BaseModel]:
    items: dict[str, BaseModel] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            item = model.model_validate(_load_yaml(path))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise DataError(f"{path} is invalid at '{where}': {first['msg']}.") from exc
        key = getattr(item, "id", None) or getattr(item, "dimension")
        items[key] = item
    if not items:
        raise DataError(f"No data files found in {folder}: reinstall the package.")
    return items


@lru_cache(maxsize=1)
def personas() -> dict[str, Persona]:
    return _load_folder(data_dir("prompts") / "personas", Persona)  # type: ignore[return-value]


@lru_cache(maxsize=1)
def rounds() -> dict[str, Round]:
    loaded: dict[str, Round] = _load_folder(data_dir("prompts") / "rounds", Round)  # type: ignore[assignment]
    signature = {p for persona_ in personas().values() for p in persona_.signature_probes}
    for round_ in loaded.values():
        known = signature | {p for probes in round_.probes.values() for p in probes}
        for question in round_.questions:
            # a rule that names no probe word for word would silently rule out nothing
            unknown = [p for p in question.rules_out_probes if p not in known]
            if unknown:
                raise DataError(f"Question {question.id} in the {round_.id} round rules out a probe no round or persona asks: {unknown[0]!r}.")
    return loaded


@lru_cache(maxsize=1)
def rubrics() -> dict[str, Rubric]:
    loaded = _load_folder(data_dir("rubrics"), Rubric)
    missing = [d for d in DIMENSIONS if d not in loaded]
    if missing:
        raise DataError(f"Rubrics missing for {', '.join(missing)} in {data_dir('rubrics')}.")
    return loaded  # type: ignore[return-value]


def rubric_version() -> str:
    """One version string for the rubric set, recorded with every grade."""
    return "+".join(sorted({r.version for r in rubrics().values()}))


def persona(persona_id: str) -> Persona:
    try:
        return personas()[persona_id]
    except KeyError:
        raise DataError(f"Unknown persona '{persona_id}': choose one of {', '.join(personas())}.") from None


def round_(round_id: str) -> Round:
    try:
        return rounds()[round_id]
    except KeyError:
        raise DataError(f"Unknown round '{round_id}': choose one of {', '.join(rounds())}.") from None


def prompt_text(name: str) -> str:
    """A prompt template from prompts/ (e.g. 'interviewer_system.md')."""
    path = data_dir("prompts") / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"The prompt file {path} is missing: reinstall the package.") from exc


def prompt_data(name: str, model: type[Model]) -> Model:
    """A YAML file from prompts/ (e.g. 'output_guard.yaml') validated as ``model``; a bad file is a DataError."""
    try:
        return model.model_validate(yaml.safe_load(prompt_text(name)))
    except (ValidationError, yaml.YAMLError) as exc:
        raise DataError(f"prompts/{name} is invalid ({exc}): restore it from the repository.") from exc
