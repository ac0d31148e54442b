"""Labeled transcript datasets (shared/spec/dataset-format.md): read any JSONL file in the format.

A malformed line never stops an eval: it is recorded with its line number and reason, and the rest is read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DataError
from ..grading.scorecard import DIMENSIONS, Recommendation, Score
from ..paths import data_dir
from ..transcript import Transcript

HARD_NOTE_PREFIX = re.compile(r"^\s*\[hard:([^\]]*)\]")
Line = TypeVar("Line", bound=BaseModel)


class Gold(BaseModel):
    """The human labels of one transcript: the three dimension scores and the recommendation."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    technical_empathy: Score
    platform_thinking: Score
    telecom_depth: Score
    recommendation: Recommendation

    def scores(self) -> dict[str, int]:
        return {d: getattr(self, d) for d in DIMENSIONS}

    def as_dict(self) -> dict[str, Any]:
        return {**self.scores(), "recommendation": self.recommendation}


class LabeledTranscript(Transcript):
    """One line of a dataset: a transcript with its gold labels; unknown extra fields are ignored."""

    id: str = Field(min_length=1)
    persona: str = ""
    round: str = ""
    gold: Gold
    notes: str = ""
    tags: list[str] | None = None

    def transcript(self) -> Transcript:
        """The transcript alone, as a grader sees it: no labels, notes or tags."""
        return Transcript(id=self.id, persona=self.persona, round=self.round, turns=self.turns)

    @property
    def is_hard(self) -> bool:
        if self.tags is not None:
            return "hard" in self.tags
        return HARD_NOTE_PREFIX.match(self.notes) is not None

    @property
    def hard_tags(self) -> list[str]:
        """The hard-case tags: from `tags` when the file has them, else from a "[hard:a,b]" prefix of `notes`."""
        if not self.is_hard:
            return []
        if self.tags is not None:
            return [t for t in self.tags if t != "hard"]
        match = HARD_NOTE_PREFIX.match(self.notes)
        return [t.strip() for t in match.group(1).split(",") if t.strip()] if match else []


class SkippedLine(BaseModel):
    line: int
    reason: str


class Dataset(BaseModel):
    path: str
    items: list[LabeledTranscript]
    skipped: list[SkippedLine]
    unknown_values: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="persona/round values not in the catalog, with counts"
    )

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"missing field '{where}'"
    if where.startswith("gold.") and where.split(".")[1] in DIMENSIONS:
        return f"{where} must be an integer 1-4 (got {error.get('input')!r})"
    if where == "gold.recommendation":
        return f"gold.recommendation must be one of strong_no_hire, no_hire, hire, strong_hire (got {error.get('input')!r})"
    return f"{where or 'line'}: {error['msg']}"


def _read_lines(path: Path, option: str) -> list[str]:
    if not path.is_file():
        raise DataError(f"The file {path} does not exist or is not a file: pass {option} with the path of a labeled JSONL file.")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text: save the dataset as UTF-8 JSON Lines.") from None
    except OSError as exc:
        raise DataError(f"Cannot read the dataset file {path} ({exc.strerror}): check its permissions.") from None


def _parse_json(text: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return None, "a line must be a JSON object"
    return record, None


def _validated_lines(path: Path, model: type[Line], option: str) -> Iterator[tuple[int, Line | None, str | None]]:
    """(line number, the line as ``model`` or None, the problem or None) for every non-blank line of a JSONL file."""
    for number, text in enumerate(_read_lines(path, option), start=1):
        if not text.strip():
            continue
        record, problem = _parse_json(text)
        if record is None:
            yield number, None, problem
            continue
        try:
            line = model.model_validate(record)
        except ValidationError as exc:
            yield number, None, _first_error(exc)
        else:
            yield number, line, None


def _unknown_values(items: list[LabeledTranscript]) -> dict[str, dict[str, int]]:
    from .. import catalog

    known = {"persona": set(catalog.personas()), "round": set(catalog.rounds())}
    unknown: dict[str, dict[str, int]] = {}
    for field, names in known.items():
        counts = Counter(getattr(item, field) or "(none)" for item in items if getattr(item, field) not in names)
        if counts:
            unknown[field] = dict(counts.most_common())
    return unknown


def load_dataset(path: str | Path) -> Dataset:
    """Read a labeled JSONL dataset; malformed lines are skipped and reported, an empty result is a DataError."""
    path = Path(path)
    items: list[LabeledTranscript] = []
    skipped: list[SkippedLine] = []
    seen: set[str] = set()
    for number, item, problem in _validated_lines(path, LabeledTranscript, "--dataset"):
        if item is not None:
            if not item.candidate_turns():
                problem = "no candidate turn"
            elif item.id in seen:
                problem = f"duplicate id '{item.id}'"
            else:
                seen.add(item.id)
                items.append(item)
        if problem:
            skipped.append(SkippedLine(line=number, reason=problem))
    if not items:
        detail = f" ({len(skipped)} malformed lines; line {skipped[0].line}: {skipped[0].reason})" if skipped else ""
        raise DataError(f"The dataset {path} has no valid labeled transcripts{detail}: fix it to match the dataset format.")
    return Dataset(path=str(path), items=items, skipped=skipped, unknown_values=_unknown_values(items))


class SecondLabels(BaseModel):
    """Independent second labels, by transcript id, for the human-agreement ceiling."""

    path: str
    gold: dict[str, Gold]
    skipped: list[SkippedLine]


class _SecondLabel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    gold: Gold


def load_second_labels(path: str | Path) -> SecondLabels:
    """Read a second-labels JSONL ({"id": ..., "gold": {...}}); malformed lines are skipped and reported."""
    path = Path(path)
    gold: dict[str, Gold] = {}
    skipped: list[SkippedLine] = []
    for number, label, problem in _validated_lines(path, _SecondLabel, "--second-labels"):
        if label is not None:
            if label.id in gold:
                problem = f"duplicate id '{label.id}'"
            else:
                gold[label.id] = label.gold
        if problem:
            skipped.append(SkippedLine(line=number, reason=problem))
    return SecondLabels(path=str(path), gold=gold, skipped=skipped)


def shipped_dataset(name: str) -> Path:
    """A dataset that ships in evals/datasets/ ("test", "train", "dev")."""
    return data_dir("evals") / "datasets" / f"{name}.jsonl"
