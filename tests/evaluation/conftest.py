"""Helpers for the eval-suite tests: labeled records written in the tests, and a grader that predicts from a table."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from interviewer.grading.scorecard import DIMENSIONS, DimensionScore, Scorecard
from interviewer.transcript import Transcript


def record(
    id: str,
    te: int,
    pt: int,
    td: int,
    rec: str,
    *,
    persona: str = "messaging-hm",
    round: str = "product_design",
    answer: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One dataset line in the format of shared/spec/dataset-format.md."""
    return {
        "id": id,
        "persona": persona,
        "round": round,
        "turns": [
            {"role": "interviewer", "content": "How would you design delivery status callbacks?"},
            {"role": "candidate", "content": answer or f"Answer {id}: callbacks are signed and retried with backoff."},
        ],
        "gold": {"technical_empathy": te, "platform_thinking": pt, "telecom_depth": td, "recommendation": rec},
        **extra,
    }


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Rows are dicts (written as JSON) or raw strings (written verbatim, for malformed lines)."""
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def scorecard(labels: dict[str, Any], grader: str = "table") -> Scorecard:
    return Scorecard(
        dimensions={d: DimensionScore(dimension=d, score=labels[d]) for d in DIMENSIONS},
        recommendation=labels["recommendation"],
        grader=grader,
    )


class TableGrader:
    """Predicts the labels a test wrote for each transcript id; counts calls and the most concurrent calls."""

    def __init__(self, name: str, table: dict[str, dict[str, Any]], delay: float = 0.0) -> None:
        self.name = name
        self.table = table
        self.delay = delay
        self.calls: list[str] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def grade(self, transcript: Transcript) -> Scorecard:
        with self._lock:
            self.calls.append(transcript.id)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return scorecard(self.table[transcript.id], self.name)
        finally:
            with self._lock:
                self._in_flight -= 1


@pytest.fixture
def cache_path(tmp_path, monkeypatch) -> Path:
    """Every GradeCache built without a path writes under tmp_path, never in the user's cache dir."""
    path = tmp_path / "cache" / "grades.sqlite"
    monkeypatch.setattr("interviewer.evaluation.cache.default_cache_path", lambda: path)
    return path
